// The connect page's script: launches Meta's Embedded Signup and drives the page through
// idle → pending → checking → success | error (seed 000, section 3), plus the number chooser.
//
// Everything it needs comes from the server-rendered <script type="application/json" id="config">:
// the connect token, Meta's app and configuration ids, the exact origins allowed to post the
// WA_EMBEDDED_SIGNUP message, and every sentence it may show (web/connect/wording.py).
// It only ever writes text with textContent.

const config = JSON.parse(document.getElementById('config').textContent);
const text = config.text;
const allowedOrigins = new Set(config.allowedOrigins); // exact matches only, never a suffix test
const MAX_TEXT = 300;
const POPUP_WATCH_MS = 500; // how often we look whether the person closed the Facebook window
const PAYMENT_MISSING = 'payment_missing';
// A phone or tablet: no pop-up icon in an address bar to click, so the advice differs.
const onPhone = window.matchMedia('(pointer: coarse)').matches;
// Our callback URL, as the redirect fallback's OAuth dialog link carries it, and the connect page's.
const callbackUrl = new URL(config.redirectUrl).searchParams.get('redirect_uri');
const connectUrl = callbackUrl ? callbackUrl.replace(/\/callback$/, '') : null;

const $ = (id) => document.getElementById(id);
const fill = (template, values) =>
  Object.entries(values).reduce((out, [key, value]) => out.split(`{${key}}`).join(value), template);
const clip = (value) => String(value ?? '').slice(0, MAX_TEXT);

let token = config.token;
let sdkReady = false;
let sdkTimer = null;
let flow = null; // the sign-up attempt in progress, or null when idle
let attempts = 0;

// Server time minus browser time: the status check's `after` must be in the server's clock.
const clockOffset = Date.parse(config.serverTime) - Date.now();

// ---- pop-up detection ------------------------------------------------------------------------------
// The SDK opens its window with window.open; a blocked pop-up returns null.
let lastPopup;
const openWindow = window.open;
window.open = function (...args) {
  lastPopup = openWindow.apply(window, args);
  return lastPopup;
};

// ---- showing states --------------------------------------------------------------------------------

function show(state, reason = '') {
  for (const panel of document.querySelectorAll('section.panel')) {
    panel.hidden = panel.id !== `state-${state}`;
  }
  document.body.dataset.state = state;
  document.body.dataset.reason = reason;
  const heading = document.querySelector(`#state-${state} h1`);
  $('live').textContent = heading ? heading.textContent : '';
}

function setNotice(message) {
  $('idle-notice').textContent = message || '';
  $('idle-notice').hidden = !message;
}

function redirectUrl() {
  const url = new URL(config.redirectUrl);
  url.searchParams.set('state', token);
  return url.toString();
}

// Point the address bar somewhere a reload shows this page again: never at a spent ?code= (which would
// say "already used"), and not at a link this page has traded for a fresh one.
function setAddress(url) {
  if (!url) return;
  try {
    window.history.replaceState(null, '', url);
  } catch {
    // another origin than PUBLIC_BASE_URL (a proxy rewriting hosts): leave the address alone
  }
}

function addressFor(usedToken) {
  if (!callbackUrl) return null;
  return `${callbackUrl}?${new URLSearchParams({ state: usedToken })}`;
}

function useToken(fresh) {
  if (!fresh) return;
  token = fresh;
  $('redirect-link').href = redirectUrl();
  $('error-redirect').href = redirectUrl();
  if (connectUrl) setAddress(`${connectUrl}?${new URLSearchParams({ token: fresh })}`);
}

function endFlow() {
  if (flow) {
    flow.done = true;
    clearTimeout(flow.codeTimer);
    clearTimeout(flow.noCodeTimer);
    clearTimeout(flow.pollTimer);
    clearInterval(flow.popupWatch);
  }
  flow = null;
}

function toIdle(notice) {
  endFlow();
  setNotice(notice);
  show('idle', notice ? 'notice' : '');
  $('connect').focus();
}

function showError({ reason, heading, message, quote, next, support, retry = true, redirect = false }) {
  endFlow();
  $('error-heading').textContent = heading || text.page.error_heading;
  $('error-message').textContent = message;
  $('error-quote').textContent = quote || '';
  $('error-quote').hidden = !quote;
  $('error-next').textContent = next || '';
  $('error-next').hidden = !next;
  $('error-support-text').textContent = support || '';
  $('error-support').hidden = !support;
  $('retry').hidden = !retry;
  $('error-redirect').hidden = !redirect;
  // when continuing in this tab is the only way on, it is the main button
  $('error-redirect').className = redirect && !retry ? 'button primary' : '';
  show('error', reason);
}

function listItems(list, items, className) {
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement('li');
    li.className = className;
    li.textContent = item;
    return li;
  }));
  list.hidden = items.length === 0;
}

function link(href, label, className, newTab) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = label;
  if (className) a.className = className;
  if (newTab) {
    a.target = '_blank';
    a.rel = 'noopener';
  }
  return a;
}

// "Conversations go to #name · Open in Slack · Open in the browser", as pages.channel_item renders it.
function channelItem(channel) {
  const page = text.page;
  const li = document.createElement('li');
  li.className = 'channel';
  const name = channel.name ? `#${channel.name}` : page.success_channel_unnamed;
  const links = document.createElement('span');
  links.className = 'channel-links';
  links.append(link(channel.app_url, page.open_in_slack, 'button small'), ' ',
    link(channel.web_url, page.open_in_browser, 'button small', true));
  li.append(`${page.success_channel} `, link(channel.web_url, name, 'channel-name'), ' ', links);
  return li;
}

function showSuccess(numbers, warnings) {
  endFlow();
  const all = warnings || [];
  listItems($('success-numbers'), (numbers || []).map((n) => n.label), 'number');
  const seen = new Set();
  const channels = (numbers || []).map((n) => n.channel).filter((c) => {
    if (!c || !/^slack:\/\/channel\?/.test(c.app_url) || !/^https:\/\//.test(c.web_url) || seen.has(c.id)) {
      return false;
    }
    seen.add(c.id);
    return true;
  });
  $('success-channels').replaceChildren(...channels.map(channelItem));
  $('success-channels').hidden = channels.length === 0;
  $('success-payment').hidden = !all.some((w) => w.code === PAYMENT_MISSING);
  listItems($('success-warnings'),
    all.filter((w) => w.code !== PAYMENT_MISSING).map((w) => w.message).filter(Boolean), 'warning');
  setAddress(addressFor(token)); // a reload shows this result again, not "already used"
  show('success');
}

function showChooser(numbers) {
  endFlow();
  const list = $('choose-list');
  const legend = list.querySelector('legend');
  const choices = (numbers || []).map((number, position) => {
    const label = document.createElement('label');
    label.className = 'choice';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'phone_number_id';
    input.value = number.phone_number_id;
    input.checked = position === 0;
    const span = document.createElement('span');
    span.textContent = number.label;
    label.append(input, ' ', span);
    return label;
  });
  list.replaceChildren(legend, ...choices);
  $('choose-error').hidden = true;
  show('choose');
}

function showChecking(polling) {
  const page = text.page;
  $('checking-heading').textContent = polling ? page.polling_heading : page.checking_heading;
  $('checking-text').textContent = polling ? page.polling_text : page.checking_text;
  $('stop-waiting').hidden = !polling;
  show('checking', polling ? 'polling' : '');
}

// ---- talking to our server -------------------------------------------------------------------------

async function post(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { kind: 'network' };
  }
  try {
    const answer = await response.json();
    if (answer && typeof answer.status === 'string') return { kind: 'answer', answer };
  } catch {
    // fall through: not our JSON (a proxy's error page, say)
  }
  return { kind: 'server' };
}

function handleResult(result) {
  if (result.kind === 'network') {
    return showError({ reason: 'network', message: text.network });
  }
  if (result.kind === 'server') {
    return showError({ reason: 'server', message: text.server });
  }
  const answer = result.answer;
  useToken(answer.retry_token);
  if (answer.status === 'connected') return showSuccess(answer.numbers, answer.warnings);
  if (answer.status === 'choose_number') return showChooser(answer.numbers);
  return showError({
    reason: answer.problem || 'failed',
    message: answer.message || text.server,
    support: answer.support,
    // A fresh link came back, or the request never ran (too many attempts): Try again can help.
    retry: Boolean(answer.retry_token) || answer.problem === 'too_many_requests',
  });
}

// The code lives 30 seconds and works once: it goes to the server the moment we have it.
async function sendCode(attempt) {
  if (attempt !== flow || attempt.sent) return;
  attempt.sent = true;
  clearTimeout(attempt.codeTimer);
  showChecking(false);
  const result = await post(config.endpoints.complete, {
    token,
    code: attempt.code,
    session_info: attempt.session,
  });
  if (attempt === flow) handleResult(result);
}

// No code came back (the window was closed, or the SDK gave up): ask the server every few seconds
// whether the workspace got connected anyway, for up to two minutes.
function startPolling(attempt) {
  attempt.polling = true;
  showChecking(true);
  const after = new Date(attempt.startedAt + clockOffset).toISOString();
  const deadline = Date.now() + config.pollTimeoutMs;
  const query = new URLSearchParams({ token, after }).toString();
  const tick = async () => {
    if (attempt !== flow) return;
    try {
      const response = await fetch(`${config.endpoints.status}?${query}`, { cache: 'no-store' });
      const answer = await response.json();
      if (attempt !== flow || !attempt.polling) return;
      if (response.ok && answer.connected) return showSuccess(answer.numbers, []);
      if (response.status === 400 || response.status === 410) {
        return showError({ reason: answer.problem, message: answer.message, retry: false });
      }
    } catch {
      // a failed check is just a missed tick
    }
    if (attempt !== flow || !attempt.polling) return;
    if (Date.now() >= deadline) return toIdle(text.poll_timeout);
    attempt.pollTimer = setTimeout(tick, config.pollIntervalMs);
  };
  tick();
}

// ---- Meta's side -----------------------------------------------------------------------------------

function popupBlocked() {
  showError({
    reason: 'popup_blocked',
    heading: text.popup_blocked_heading,
    message: onPhone ? text.popup_blocked_phone : text.popup_blocked,
    redirect: true,
    retry: !onPhone, // on a phone, continuing in this tab is the way
  });
}

// The window was closed without a code: a finished sign-up may still have connected (ask the server once),
// otherwise say so within seconds instead of waiting for Meta.
async function popupClosed(attempt) {
  if (attempt !== flow || attempt.sent || attempt.polling || attempt.code) return;
  if (attempt.session) return startPolling(attempt); // Meta said FINISH: the code may still be coming
  attempt.polling = true;
  const after = new Date(attempt.startedAt + clockOffset).toISOString();
  try {
    const query = new URLSearchParams({ token, after }).toString();
    const response = await fetch(`${config.endpoints.status}?${query}`, { cache: 'no-store' });
    const answer = await response.json();
    if (attempt !== flow || !attempt.polling) return; // a late code took over
    if (response.ok && answer.connected) return showSuccess(answer.numbers, []);
  } catch {
    // nothing to learn: the window was closed
  }
  if (attempt === flow && attempt.polling) toIdle(text.popup_closed);
}

function watchPopup(attempt) {
  attempt.popupWatch = setInterval(() => {
    if (attempt !== flow || !lastPopup || !lastPopup.closed) return;
    clearInterval(attempt.popupWatch);
    // A message posted just before closing may still be on its way.
    attempt.noCodeTimer = setTimeout(() => popupClosed(attempt), config.sessionWaitMs);
  }, POPUP_WATCH_MS);
}

function onLoginResponse(attempt, response) {
  if (attempt !== flow || attempt.sent) return;
  const code = response && response.authResponse && response.authResponse.code;
  if (code) {
    // A late code still goes to the server, even if we had started asking it whether anything connected.
    clearTimeout(attempt.pollTimer);
    clearTimeout(attempt.noCodeTimer);
    attempt.polling = false;
    attempt.code = code;
    if (attempt.session) return sendCode(attempt);
    // The session message may still be on its way; wait a moment, then go without it.
    attempt.codeTimer = setTimeout(() => sendCode(attempt), config.sessionWaitMs);
    return;
  }
  if (attempt.polling) return;
  if (lastPopup === null) return popupBlocked();
  // A CANCEL message may still be on its way; if none comes, the window was closed before the end.
  clearTimeout(attempt.noCodeTimer);
  attempt.noCodeTimer = setTimeout(() => popupClosed(attempt), config.sessionWaitMs);
}

function parseSignupMessage(data) {
  let payload = data;
  if (typeof data === 'string') {
    if (data.length > 20000) return null;
    try {
      payload = JSON.parse(data);
    } catch {
      return null;
    }
  }
  if (!payload || typeof payload !== 'object' || payload.type !== 'WA_EMBEDDED_SIGNUP') return null;
  return payload;
}

function onSignupMessage(event) {
  if (!allowedOrigins.has(event.origin)) return; // anyone can post to this window
  const payload = parseSignupMessage(event.data);
  const attempt = flow;
  if (!payload || !attempt || attempt.sent) return;
  const kind = String(payload.event || '');
  const data = payload.data && typeof payload.data === 'object' ? payload.data : {};
  if (kind === 'CANCEL' || kind === 'ERROR') {
    if (data.error_message || data.session_id || kind === 'ERROR') return metaError(data);
    const step = Object.hasOwn(text.steps, data.current_step) ? text.steps[data.current_step] : null;
    return toIdle(step ? fill(text.cancelled, { step }) : text.cancelled_unknown_step);
  }
  if (kind.startsWith('FINISH')) {
    attempt.session = payload;
    if (attempt.code) sendCode(attempt);
  }
}

function metaError(data) {
  const quote = data.error_message ? clip(data.error_message) : null;
  const message = quote ? text.meta_error : text.meta_error_no_message;
  const next = quote ? text.meta_error_next : null;
  let support = null;
  if (data.session_id) {
    const template = data.error_code ? text.meta_error_support : text.meta_error_support_no_code;
    support = fill(template, { session_id: clip(data.session_id), error_code: clip(data.error_code) });
  }
  showError({ reason: 'meta_error', heading: text.meta_error_heading, message, quote, next, support });
}

function start() {
  if (!sdkReady) return;
  endFlow();
  setNotice('');
  attempts += 1;
  const attempt = { id: attempts, startedAt: Date.now(), session: null, code: null };
  flow = attempt;
  lastPopup = undefined;
  show('pending');
  const extras = $('coexistence').checked ? config.extras.coexistence : config.extras.default;
  // FB.login wants a plain function, and must run inside the click for the pop-up to be allowed.
  window.FB.login(function (response) {
    onLoginResponse(attempt, response);
  }, {
    config_id: config.configId,
    response_type: 'code',
    override_default_response_type: true,
    extras,
  });
  if (lastPopup === null && attempt === flow) return popupBlocked();
  if (attempt === flow) watchPopup(attempt);
}

function sdkLoaded() {
  if (sdkReady || !window.FB) return;
  window.FB.init({ appId: config.appId, autoLogAppEvents: true, xfbml: false, version: config.apiVersion });
  sdkReady = true;
  clearTimeout(sdkTimer);
  $('connect').disabled = false;
  $('connect').textContent = text.page.connect_button;
}

function sdkFailed() {
  if (sdkReady) return;
  $('connect').disabled = true;
  if (document.body.dataset.state !== 'idle') return; // a result from the server stays on screen
  showError({
    reason: 'sdk_failed',
    heading: text.sdk_failed_heading,
    message: text.sdk_failed,
    retry: false,
    redirect: true,
  });
}

function loadSdk() {
  window.fbAsyncInit = sdkLoaded;
  const script = document.createElement('script');
  script.src = config.sdkUrl;
  script.async = true;
  script.addEventListener('load', sdkLoaded);
  script.addEventListener('error', sdkFailed);
  document.head.append(script);
  sdkTimer = setTimeout(sdkFailed, config.sdkTimeoutMs);
}

// ---- wiring ------------------------------------------------------------------------------------------

async function chooseNumber(event) {
  event.preventDefault();
  const picked = $('choose-form').querySelector('input[name="phone_number_id"]:checked');
  if (!picked) {
    $('choose-error').textContent = text.choose_missing;
    $('choose-error').hidden = false;
    return;
  }
  showChecking(false);
  handleResult(await post(config.endpoints.choose, { token, phone_number_id: picked.value }));
}

window.addEventListener('message', onSignupMessage);
$('connect').addEventListener('click', start);
$('retry').addEventListener('click', () => (sdkReady ? start() : toIdle('')));
$('stop-waiting').addEventListener('click', () => toIdle(''));
$('choose-form').addEventListener('submit', chooseNumber);
setAddress(document.body.dataset.reload);
show(config.initialState, document.body.dataset.reason || '');
loadSdk();

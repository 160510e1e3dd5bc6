/* The sandbox console: drives the Meta simulator as a candidate and the Slack simulator as a recruiter, and
   draws both from their control endpoints. Text from people only ever reaches the page as text nodes. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const BK = window.BlockKit;
  const REACTIONS = ["👍", "❤️", "😂", "😮", "🙏"];
  const TICKS = { accepted: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", played: "✓✓", failed: "⚠" };

  const state = {
    workspaces: [], team: null, person: null, users: {}, channels: {}, channelList: [],
    numbers: [], number: null, candidates: [], localCandidates: [], candidate: null,
    channel: null, channelChosen: false, thread: null, view: "channel", drawn: {}, commandAnswers: [], trafficOpen: false, replyCounts: {}, creating: false,
  };

  // ---- small helpers ---------------------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  async function postJson(url, body) {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    return { status: response.status, answer };
  }

  /* Redraw a region only when what it shows changed (keeps scroll positions, open selects and focus). */
  function draw(region, data, build) {
    const key = JSON.stringify(data);
    if (state.drawn[region] === key) return false;
    state.drawn[region] = key;
    build();
    return true;
  }

  function clock(epochSeconds) {
    const d = new Date(Number(epochSeconds) * 1000);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }

  function ctx(where) {
    return {
      users: state.users, channels: state.channels,
      onAction: (action, element, block) => pressed(action, element, block, where),
      confirm: (c) => window.confirm([c.title && c.title.text, c.text && c.text.text].filter(Boolean).join("\n\n")),
      openUrl: (url) => window.open(url, "_blank", "noopener"),
    };
  }

  // ---- the phone ---------------------------------------------------------------------------------------

  function candidateKey(c) {
    return c.key;
  }

  async function loadNumbers() {
    const world = await getJson("/_console/meta/state");
    const numbers = [];
    for (const waba of world.wabas) {
      if (!waba.subscribed_apps.length) continue;
      for (const n of waba.numbers) if (n.registered) numbers.push({ id: n.id, display: n.display_phone_number, digits: n.wa_digits, waba: waba.name });
    }
    state.numbers = numbers;
    if (!state.number || !numbers.some((n) => n.id === state.number)) state.number = numbers.length ? numbers[0].id : null;
    draw("numbers", numbers, () => {
      const select = $("number");
      select.replaceChildren(...numbers.map((n) => {
        const o = el("option", null, `${n.display} (${n.waba})`);
        o.value = n.id;
        return o;
      }));
      select.value = state.number || "";
    });
  }

  async function loadCandidates() {
    if (!state.number) return;
    const found = (await getJson(`/_console/meta/candidates?phone_number_id=${encodeURIComponent(state.number)}`)).data;
    const known = new Set(found.map(candidateKey));
    const local = state.localCandidates.filter((c) => c.number === state.number && !known.has(c.key));
    state.candidates = [...local, ...found];
    if (state.creating) {
      state.candidate = null;
    } else if (!state.candidate || !state.candidates.some((c) => c.key === state.candidate.key)) {
      state.candidate = state.candidates[0] || null;
    } else {
      const fresh = state.candidates.find((c) => c.key === state.candidate.key);
      state.candidate = { ...fresh, name: fresh.name || state.candidate.name };
    }
    draw("candidates", [state.candidates.map((c) => [c.key, c.name]), state.candidate && state.candidate.key], () => {
      const select = $("candidate");
      const options = state.candidates.map((c) => {
        const o = el("option", null, c.name ? `${c.name} · ${c.key}` : c.key);
        o.value = c.key;
        return o;
      });
      const add = el("option", null, "+ New candidate…");
      add.value = "__new__";
      select.replaceChildren(...options, add);
      select.value = state.candidate ? state.candidate.key : "__new__";
      $("new-candidate").hidden = Boolean(state.candidate) && !state.creating;
    });
  }

  function sender() {
    const c = state.candidate;
    const who = c.key.startsWith("US.") || /^[A-Z]{2}\./.test(c.key) ? { user_id: c.key } : { from: c.key };
    return { phone_number_id: state.number, ...who, ...(c.name ? { name: c.name } : {}) };
  }

  async function candidateDoes(action) {
    if (!state.candidate || !state.number) {
      phoneStatus("Choose or create a candidate first.", "error");
      return null;
    }
    const result = await postJson("/_console/meta/inbound", { ...sender(), ...action });
    if (result.status >= 400) phoneStatus(`Meta refused it: ${(result.answer && result.answer.error) || result.status}`, "error");
    else phoneStatus(result.answer && result.answer.queued ? "Sent to Meta (it batches webhooks: the relay gets it within a moment)" : `Delivered to the relay (HTTP ${result.answer && result.answer.status})`, "ok");
    refreshSoon();
    return result;
  }

  function phoneStatus(text, kind) {
    const line = $("phone-status");
    line.textContent = text;
    line.dataset.kind = kind;
  }

  function describe(message, type) {
    const m = message || {};
    const t = type || m.type;
    if (t === "text") return { text: (m.text && m.text.body) || "" };
    if (["image", "video", "audio", "document", "sticker"].includes(t)) {
      const media = m[t] || {};
      const icons = { image: "🖼️", video: "🎬", audio: "🎤", document: "📄", sticker: "🏷️" };
      return { icon: icons[t], text: media.caption || media.filename || (media.link ? media.link : t), sub: media.mime_type || "" };
    }
    if (t === "location") {
      const l = m.location || {};
      return { icon: "📍", text: [l.name, l.address].filter(Boolean).join(", ") || "Location", sub: `${l.latitude}, ${l.longitude}` };
    }
    if (t === "template") {
      const tpl = m.template || {};
      const params = (tpl.components || []).flatMap((c) => (c.parameters || []).map((p) => p.text || p.type));
      return { icon: "📋", text: `Template “${tpl.name}”`, sub: [tpl.language && tpl.language.code, ...params].filter(Boolean).join(" · ") };
    }
    if (t === "interactive") {
      const i = m.interactive || {};
      if (i.button_reply || i.list_reply) return { text: (i.button_reply || i.list_reply).title };
      const buttons = ((i.action || {}).buttons || []).map((b) => (b.reply || {}).title).filter(Boolean);
      return { text: (i.body && i.body.text) || "", buttons };
    }
    if (t === "button") return { text: (m.button || {}).text || "" };
    if (t === "edit") return { icon: "✏️", text: (((m.edit || {}).message || {}).text || {}).body || "edited" };
    if (t === "revoke") return { icon: "🚫", text: "This message was deleted" };
    if (t === "contacts") return { icon: "👤", text: ((m.contacts || [])[0] || {}).name ? m.contacts[0].name.formatted_name : "Contact" };
    return { icon: "•", text: t || "message" };
  }

  function renderChat(items) {
    const list = $("chat");
    const reactions = {};
    const edits = {};
    const revoked = new Set();
    for (const item of items) {
      if (item.type === "reaction") {
        const r = item.message.reaction || {};
        (reactions[r.message_id] = reactions[r.message_id] || []).push({ emoji: r.emoji, direction: item.direction });
      } else if (item.type === "edit" && item.message.edit) {
        edits[item.message.edit.original_message_id] = item.message.edit.message;
      } else if (item.type === "revoke" && item.message.revoke) {
        revoked.add(item.message.revoke.original_message_id);
      }
    }
    const rows = [];
    for (const item of items) {
      if (["reaction", "edit", "revoke"].includes(item.type) && item.direction === "in") continue;
      const mine = item.direction === "in"; // the candidate's own messages are on the right
      const li = el("li", `msg ${mine ? "mine" : "theirs"}`);
      li.dataset.wamid = item.wamid;
      li.dataset.direction = item.direction;
      li.dataset.type = item.type;
      const edited = edits[item.wamid];
      let shown = describe(edited || item.message, edited ? edited.type : item.type);
      if (edited) shown = { ...shown, sub: [shown.sub, "edited"].filter(Boolean).join(" · ") };
      if (revoked.has(item.wamid)) shown = { icon: "🚫", text: "You deleted this message" };
      const body = el("div", "bubble-body");
      if (shown.icon) body.appendChild(el("span", "icon", shown.icon + " "));
      body.appendChild(el("span", "text", shown.text));
      li.appendChild(body);
      if (shown.sub) li.appendChild(el("div", "sub", shown.sub));
      if (shown.buttons) {
        const box = el("div", "wa-buttons");
        for (const b of shown.buttons) box.appendChild(el("span", "wa-button", b));
        li.appendChild(box);
      }
      const meta = el("div", "meta");
      meta.appendChild(el("span", "time", clock(item.at)));
      const status = mine ? (item.read ? "read" : "delivered") : item.status;
      const tick = el("span", `tick tick-${status}`, TICKS[status] || "");
      tick.dataset.status = status;
      tick.title = mine ? (item.read ? "Read by the recruiters" : "Delivered to the relay") : (item.statuses || []).join(" → ") || status;
      meta.appendChild(tick);
      li.appendChild(meta);
      const chips = reactions[item.wamid];
      if (chips) {
        const box = el("div", "reactions");
        for (const c of chips) box.appendChild(el("span", `reaction from-${c.direction}`, c.emoji));
        li.appendChild(box);
      }
      li.addEventListener("click", () => openReactions(item.wamid, li));
      rows.push(li);
    }
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...rows);
    if (!rows.length) list.appendChild(el("li", "empty", "No messages yet. Write one below: it reaches the relay as Meta's webhook."));
    if (atBottom || rows.length <= 1) list.scrollTop = list.scrollHeight;
  }

  function openReactions(wamid, li) {
    const bar = $("reaction-bar");
    const buttons = REACTIONS.map((emoji) => {
      const b = el("button", "react", emoji);
      b.type = "button";
      b.addEventListener("click", async () => {
        bar.hidden = true;
        await candidateDoes({ type: "reaction", reaction: { message_id: wamid, emoji } });
      });
      return b;
    });
    const own = el("span", "phone-actions");
    if (li.dataset.direction === "in" && li.dataset.type === "text") {
      const edit = el("button", "edit", "Edit");
      edit.type = "button";
      edit.addEventListener("click", async () => {
        const text = window.prompt("Edit your message", li.querySelector(".text").textContent);
        if (!text) return;
        bar.hidden = true;
        await candidateDoes({ type: "edit", edit: { original_message_id: wamid, text } });
      });
      own.appendChild(edit);
    }
    if (li.dataset.direction === "in") {
      const remove = el("button", "delete", "Delete");
      remove.type = "button";
      remove.addEventListener("click", async () => {
        bar.hidden = true;
        await candidateDoes({ type: "revoke", revoke: { original_message_id: wamid } });
      });
      own.appendChild(remove);
    }
    bar.replaceChildren(el("span", "hint", "React:"), ...buttons, own);
    bar.hidden = false;
    bar.dataset.wamid = wamid;
    for (const other of document.querySelectorAll("#chat .selected")) other.classList.remove("selected");
    li.classList.add("selected");
  }

  async function refreshPhone() {
    await loadNumbers();
    await loadCandidates();
    const c = state.candidate;
    $("chat-title").textContent = c ? `${c.name || "Candidate"} · ${c.key}` : "No candidate yet";
    if (!c || !state.number) {
      draw("chat", null, () => renderChat([]));
      return;
    }
    const url = `/_console/meta/conversation?phone_number_id=${encodeURIComponent(state.number)}&candidate=${encodeURIComponent(c.key)}`;
    const items = (await getJson(url)).data;
    draw("chat", [state.number, c.key, items], () => renderChat(items));
  }

  // ---- Slack ---------------------------------------------------------------------------------------------

  function author(message) {
    if (message.bot_id || message.subtype === "bot_message") {
      return (message.bot_profile && message.bot_profile.name) || message.username || "WA Bridge";
    }
    return state.users[message.user] || message.user || "someone";
  }

  function renderMessage(message, { inThread }) {
    const li = el("li", "msg slack-msg");
    li.dataset.ts = message.ts;
    const head = el("div", "msg-head");
    head.appendChild(el("strong", "author", author(message)));
    if (message.bot_id) head.appendChild(el("span", "app-badge", "APP"));
    head.appendChild(el("span", "time", clock(message.ts)));
    li.appendChild(head);
    const body = message.blocks && message.blocks.length
      ? BK.renderBlocks(message.blocks, document, ctx("message"))
      : BK.renderMrkdwn(message.text || "", document, ctx(), "div");
    body.classList.add("msg-body");
    li.appendChild(body);
    if (message.edited) li.appendChild(el("span", "edited", "(edited)"));
    if (message.ephemeral) {
      li.classList.add("ephemeral");
      li.appendChild(el("div", "only-you", "Only visible to you"));
    }
    for (const file of message.files || []) {
      const f = el("div", "file");
      f.appendChild(el("span", "icon", (file.mimetype || "").startsWith("image/") ? "🖼️ " : "📄 "));
      f.appendChild(el("span", "file-name", file.name || file.title || file.id));
      f.appendChild(el("span", "sub", ` ${file.mimetype || ""} ${file.size ? Math.ceil(file.size / 1024) + " KB" : ""}`));
      li.appendChild(f);
    }
    if (message.reactions) {
      const box = el("div", "reactions");
      for (const r of message.reactions) box.appendChild(el("span", "reaction", `${BK.emoji(r.name)} ${r.count}`));
      li.appendChild(box);
    }
    if (!inThread) {
      const replies = state.replyCounts[message.ts] || 0;
      if (replies) {
        const link = el("button", "replies", `${replies} ${replies === 1 ? "reply" : "replies"}`);
        link.type = "button";
        link.addEventListener("click", () => openThread(message.ts));
        li.appendChild(link);
      } else {
        const link = el("button", "replies quiet", "Reply in thread");
        link.type = "button";
        link.addEventListener("click", () => openThread(message.ts));
        li.appendChild(link);
      }
    }
    return li;
  }

  async function loadWorkspaces() {
    const found = (await getJson("/_console/workspaces")).workspaces;
    state.workspaces = found;
    if (!state.team || !found.some((w) => w.team_id === state.team)) state.team = found.length ? found[0].team_id : null;
    const ws = found.find((w) => w.team_id === state.team);
    if (!state.person && ws) state.person = ws.users.admin;
    draw("workspaces", [found.map((w) => [w.team_id, w.name, w.people]), state.team, state.person], () => {
      $("workspace").replaceChildren(...found.map((w) => {
        const o = el("option", null, w.name);
        o.value = w.team_id;
        return o;
      }));
      $("workspace").value = state.team;
      $("person").replaceChildren(...(ws ? ws.people : []).map((p) => {
        const o = el("option", null, `${p.name}${p.is_admin ? " (admin)" : " (member)"}`);
        o.value = p.id;
        return o;
      }));
      $("person").value = state.person;
    });
  }

  function numberChannel() {
    const number = state.numbers.find((n) => n.id === state.number);
    if (!number) return null;
    const tail = String(number.digits || "").slice(-8);
    const match = state.channelList.find((c) => tail && c.name.includes(tail));
    return match ? match.id : null;
  }

  /* Until the recruiter picks a channel, follow the one where something happened last. */
  function latestChannel() {
    const active = state.channelList.filter((c) => c.latest_ts);
    active.sort((a, b) => Number(b.latest_ts) - Number(a.latest_ts));
    return active.length ? active[0].id : null;
  }

  async function refreshSlack() {
    await loadWorkspaces();
    if (!state.team) return;
    const [channels, users] = await Promise.all([
      getJson(`/_sim/slack/channels?team_id=${encodeURIComponent(state.team)}`),
      getJson(`/_sim/slack/users?team_id=${encodeURIComponent(state.team)}`),
    ]);
    state.channelList = channels.channels;
    state.channels = Object.fromEntries(channels.channels.map((c) => [c.id, c.name]));
    state.users = Object.fromEntries(users.users.map((u) => [u.id, u.real_name || u.name]));
    if (!state.channelChosen) state.channel = numberChannel() || latestChannel() || state.channel || (channels.channels[0] || {}).id;
    draw("channels", [channels.channels.map((c) => [c.id, c.name, c.messages, c.is_private]), state.channel, state.view], () => {
      $("channels").replaceChildren(...channels.channels.map((c) => {
        const li = el("li");
        const a = el("a", "side-link" + (state.view === "channel" && c.id === state.channel ? " active" : ""), `${c.is_private ? "🔒" : "#"} ${c.name}`);
        a.href = "#";
        a.dataset.channel = c.id;
        a.addEventListener("click", (event) => {
          event.preventDefault();
          state.channel = c.id;
          state.channelChosen = true;
          state.view = "channel";
          state.thread = null;
          refreshSoon();
        });
        li.appendChild(a);
        if (c.messages) li.appendChild(el("span", "count", c.messages));
        return li;
      }));
      $("open-home").classList.toggle("active", state.view === "home");
    });
    $("home").hidden = state.view !== "home";
    $("channel").hidden = state.view !== "channel";
    if (state.view === "home") {
      $("slack-title").textContent = "WA Bridge · Home";
      await refreshHome();
    } else {
      $("slack-title").textContent = state.channel ? `#${state.channels[state.channel] || state.channel}` : "";
      await refreshChannel();
    }
    await refreshThread();
    await refreshModal();
  }

  async function refreshChannel() {
    if (!state.channel) return;
    const messages = await getJson(`/_sim/slack/messages?channel=${encodeURIComponent(state.channel)}&team_id=${encodeURIComponent(state.team)}`);
    state.replyCounts = {};
    for (const m of messages) if (m.thread_ts && m.thread_ts !== m.ts) state.replyCounts[m.thread_ts] = (state.replyCounts[m.thread_ts] || 0) + 1;
    const parents = messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === "thread_broadcast");
    const ephemeral = (await getJson(`/_sim/slack/ephemeral?channel=${encodeURIComponent(state.channel)}`)).messages
      .filter((m) => m.shown_to === state.person && (!m.thread_ts || m.thread_ts === m.ts))
      .concat(state.commandAnswers.filter((m) => m.channel === state.channel && m.shown_to === state.person));
    const shown = [...parents, ...ephemeral.map((m) => ({ ...m, ephemeral: true }))].sort((a, b) => Number(a.ts) - Number(b.ts));
    draw("channel", [state.channel, shown, state.replyCounts, state.users], () => {
      const list = $("channel");
      list.replaceChildren(...shown.map((m) => renderMessage(m, { inThread: Boolean(m.ephemeral) })));
      if (!parents.length) list.appendChild(el("li", "empty", "Nothing here yet. When a candidate writes, the relay opens a thread in the number's channel."));
      list.scrollTop = list.scrollHeight;
    });
  }

  async function refreshThread() {
    $("thread-pane").hidden = !state.thread;
    if (!state.thread) return;
    const found = await getJson(`/_sim/slack/replies?channel=${encodeURIComponent(state.thread.channel)}&ts=${encodeURIComponent(state.thread.ts)}`).catch(() => null);
    if (!found) return;
    draw("thread", [state.thread, found.messages, state.users], () => {
      const list = $("thread");
      list.replaceChildren(...found.messages.map((m) => renderMessage(m, { inThread: true })));
      list.scrollTop = list.scrollHeight;
    });
  }

  function openThread(ts) {
    state.thread = { channel: state.channel, ts };
    refreshSoon();
    setTimeout(() => $("reply-text").focus(), 50);
  }

  async function refreshHome() {
    const answer = await getJson(`/_sim/slack/home?team_id=${encodeURIComponent(state.team)}&user_id=${encodeURIComponent(state.person)}`);
    const view = answer.view;
    draw("home", [state.person, view && view.hash, view && view.blocks], () => {
      const box = $("home");
      box.replaceChildren(view ? BK.renderBlocks(view.blocks, document, ctx("home")) : el("p", "empty", "The app has not published a Home tab for you yet…"));
      state.homeView = view;
    });
  }

  async function openHome() {
    state.view = "home";
    state.thread = null;
    await slackSends({ kind: "event", team_id: state.team, event: { type: "app_home_opened", user: state.person, tab: "home" } }, "opened the Home tab");
  }

  async function pressed(action, element, block, where) {
    if (element.url && element.type === "button" && !element.action_id) return;
    if (where === "modal" && state.modal) {
      const view = state.modal;
      if (element.type !== "button" && !(block && block.dispatch_action)) return; // inputs wait for Submit
      const payload = {
        type: "block_actions", user: { id: state.person }, container: { type: "view", view_id: view.id },
        view: { id: view.id, state: { values: modalValues(view) } }, actions: [{ ...action, action_ts: (Date.now() / 1000).toFixed(6) }],
      };
      await slackSends({ kind: "interactivity", team_id: state.team, payload }, `pressed ${action.action_id}`);
      return;
    }
    if (where !== "home" || !state.homeView) return; // buttons in messages: not simulated yet
    const view = state.homeView;
    const payload = {
      type: "block_actions", user: { id: state.person }, container: { type: "view", view_id: view.id },
      view: { id: view.id }, actions: [{ ...action, action_ts: (Date.now() / 1000).toFixed(6) }],
    };
    await slackSends({ kind: "interactivity", team_id: state.team, payload }, `pressed ${action.action_id}`);
  }

  async function slackSends(body, what) {
    const line = $("slack-status");
    line.dataset.status = "pending";
    line.textContent = `Slack is sending: ${what}…`;
    const result = await postJson("/_sim/slack/event", body);
    const status = result.answer ? result.answer.status : result.status;
    line.textContent = `Slack ${what}: the relay answered ${status === null || status === undefined ? "nothing" : "HTTP " + status}`;
    line.dataset.status = String(status);
    line.dataset.kind = status >= 200 && status < 300 ? "ok" : "error";
    $("home").dataset.lastStatus = String(status);
    refreshSoon();
    return result;
  }

  // ---- modals --------------------------------------------------------------------------------------------

  function modalValues(view) {
    const values = {};
    const body = $("modal-body");
    (view.blocks || []).forEach((block) => {
      if (block.type !== "input" || !block.element) return;
      const node = [...body.querySelectorAll("[data-block-type='input']")].find((n) => n.dataset.blockId === block.block_id);
      if (!node) return;
      const e = block.element;
      const kind = e.type.replace(/^multi_/, "");
      const multi = e.type.startsWith("multi_");
      const field = node.querySelector("input, textarea, select");
      let value;
      if (e.type === "radio_buttons" || e.type === "checkboxes") {
        const picked = [...node.querySelectorAll("input:checked")].map((i) => (e.options || []).find((o) => o.value === i.value)).filter(Boolean);
        value = e.type === "radio_buttons" ? { type: e.type, selected_option: picked[0] || null } : { type: e.type, selected_options: picked };
      } else if (kind === "static_select") {
        const option = (e.options || (e.option_groups || []).flatMap((g) => g.options)).find((o) => o.value === field.value) || null;
        value = multi ? { type: e.type, selected_options: option ? [option] : [] } : { type: e.type, selected_option: option };
      } else if (kind === "conversations_select" || kind === "channels_select" || kind === "users_select") {
        const key = { conversations_select: "conversation", channels_select: "channel", users_select: "user" }[kind];
        value = multi ? { type: e.type, [`selected_${key}s`]: field.value ? [field.value] : [] } : { type: e.type, [`selected_${key}`]: field.value || null };
      } else if (e.type === "datepicker") {
        value = { type: e.type, selected_date: field.value || null };
      } else {
        value = { type: e.type, value: field ? field.value : null };
      }
      values[block.block_id] = { [e.action_id]: value };
    });
    return values;
  }

  async function refreshModal() {
    if (!state.team || !state.person) return;
    const views = (await getJson(`/_sim/slack/modals?team_id=${encodeURIComponent(state.team)}&user_id=${encodeURIComponent(state.person)}`)).views;
    const top = views.length ? views[views.length - 1] : null;
    state.modal = top;
    $("modal").hidden = !top;
    draw("modal", top && [top.id, top.hash, top.blocks, top.title, top.submit], () => {
      if (!top) return;
      $("modal-title").textContent = (top.title && top.title.text) || "";
      $("modal-body").replaceChildren(BK.renderBlocks(top.blocks, document, ctx("modal")));
      $("modal-submit").hidden = !top.submit;
      $("modal-submit").textContent = (top.submit && top.submit.text) || "Submit";
      $("modal-close").textContent = (top.close && top.close.text) || (top.submit ? "Cancel" : "Close");
      $("modal-status").textContent = "";
    });
  }

  async function submitModal() {
    const view = state.modal;
    if (!view) return;
    const payload = { type: "view_submission", user: { id: state.person }, view: { id: view.id, state: { values: modalValues(view) } } };
    const result = await slackSends({ kind: "interactivity", team_id: state.team, payload }, "submitted the form");
    let answer = null;
    try { answer = JSON.parse((result.answer && result.answer.body) || "null"); } catch (e) { answer = null; }
    if (answer && answer.response_action === "errors") {
      $("modal-status").textContent = Object.values(answer.errors || {}).join(" · ");
      $("modal-status").dataset.kind = "error";
    }
  }

  async function closeModal(clear) {
    await postJson("/_sim/slack/views/close", { team_id: state.team, user_id: state.person, clear });
    refreshSoon();
  }

  // ---- traffic -------------------------------------------------------------------------------------------

  async function refreshTraffic() {
    if (!state.trafficOpen) return;
    const t = await getJson("/_console/traffic");
    const rows = [
      ...t.webhooks.map((w) => ({ at: w.at, label: `Meta → relay webhook ${w.fields.join(",")}`, status: (w.attempts.at(-1) || {}).status, detail: w })),
      ...t.graph_calls.map((g) => ({ at: g.at, label: `relay → Graph ${g.method} (${g.type})`, status: g.status, detail: g })),
      ...t.slack_calls.map((c) => ({ at: c.at, label: `relay → Slack ${c.method}`, status: c.ok ? "ok" : c.error, detail: c })),
      ...t.slack_deliveries.map((d) => ({ at: null, label: `Slack → relay ${d.type}`, status: d.status, detail: d })),
    ];
    rows.sort((a, b) => (b.at || 0) - (a.at || 0));
    draw("traffic", rows, () => {
      $("traffic").replaceChildren(...rows.map((r) => {
        const li = el("li", "traffic-row");
        const details = el("details");
        const summary = el("summary");
        summary.appendChild(el("span", "label", r.label));
        summary.appendChild(el("span", "status", r.status === undefined ? "" : String(r.status)));
        details.appendChild(summary);
        details.appendChild(el("pre", null, JSON.stringify(r.detail, null, 2)));
        li.appendChild(details);
        return li;
      }));
    });
  }

  // ---- refresh and live updates --------------------------------------------------------------------------

  let running = false;
  let again = false;
  let timer = null;

  async function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await Promise.all([refreshPhone(), refreshSlack(), refreshTraffic()]);
      document.body.dataset.ready = "true";
    } catch (error) {
      console.error(error);
    } finally {
      running = false;
      if (again) {
        again = false;
        refreshSoon();
      }
    }
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 60);
  }

  function live() {
    const badge = $("live");
    let failures = 0;
    let polling = null;
    const source = new EventSource("/_console/changes");
    source.addEventListener("open", () => {
      failures = 0;
      badge.textContent = "live";
      badge.dataset.live = "sse";
    });
    source.addEventListener("change", refreshSoon);
    source.addEventListener("error", () => {
      failures += 1;
      if (failures >= 3 && !polling) {
        source.close();
        badge.textContent = "live (polling)";
        badge.dataset.live = "polling";
        polling = setInterval(refresh, 500);
      }
    });
  }

  // ---- wiring --------------------------------------------------------------------------------------------

  function wire() {
    $("number").addEventListener("change", (e) => {
      state.number = e.target.value;
      state.candidate = null;
      state.channelChosen = false;
      refreshSoon();
    });
    $("candidate").addEventListener("change", (e) => {
      if (e.target.value === "__new__") {
        state.candidate = null;
        state.creating = true;
        $("new-candidate").hidden = false;
        $("new-key").focus();
        draw("chat", null, () => renderChat([]));
        return;
      }
      state.candidate = state.candidates.find((c) => c.key === e.target.value) || null;
      state.creating = false;
      $("new-candidate").hidden = true;
      refreshSoon();
    });
    $("new-candidate").addEventListener("submit", (e) => {
      e.preventDefault();
      const key = $("new-key").value.replace(/[\s+()-]/g, "");
      if (!/^\d{8,15}$/.test(key) && !/^[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]{1,128}$/.test(key)) {
        phoneStatus("A phone number in international digits (e.g. 212600000042) or a business-scoped id (US.1349…)", "error");
        return;
      }
      const made = { key, name: $("new-name").value.trim() || null, number: state.number, at: Date.now() / 1000 };
      state.localCandidates.push(made);
      state.candidate = made;
      state.creating = false;
      $("new-candidate").hidden = true;
      $("new-key").value = "";
      $("new-name").value = "";
      phoneStatus("New candidate: write the first message.", "ok");
      refreshSoon();
    });
    $("compose").addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("message").value;
      if (!text.trim()) return;
      const result = await candidateDoes({ type: "text", text });
      if (result && result.status < 400) $("message").value = "";
    });
    $("attach").addEventListener("change", async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      const data = await new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
        reader.onerror = reject;
        reader.readAsDataURL(file);
      });
      const mime = file.type || "application/octet-stream";
      const kind = mime.startsWith("image/") ? "image" : "document";
      const caption = $("message").value.trim();
      await candidateDoes({ type: kind, mime_type: mime, filename: file.name, content_base64: data, ...(caption ? { caption } : {}) });
      $("message").value = "";
      e.target.value = "";
    });
    $("share-location").addEventListener("click", async () => {
      const given = window.prompt("Share a location: latitude, longitude", "52.3791, 4.9003");
      if (given === null) return;
      const [lat, lng] = given.split(",").map((v) => Number(v.trim()));
      if (!Number.isFinite(lat) || !Number.isFinite(lng)) {
        phoneStatus("A location is two numbers: latitude, longitude", "error");
        return;
      }
      await candidateDoes({ type: "location", location: { latitude: lat, longitude: lng, name: "Shared location" } });
    });
    $("workspace").addEventListener("change", (e) => {
      state.team = e.target.value;
      const ws = state.workspaces.find((w) => w.team_id === state.team);
      state.person = ws ? ws.users.admin : null;
      state.channelChosen = false;
      state.thread = null;
      refreshSoon();
    });
    $("person").addEventListener("change", async (e) => {
      state.person = e.target.value;
      if (state.view === "home") await openHome();
      refreshSoon();
    });
    $("open-home").addEventListener("click", async (e) => {
      e.preventDefault();
      await openHome();
    });
    $("close-thread").addEventListener("click", () => {
      state.thread = null;
      refreshSoon();
    });
    $("reply").addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("reply-text").value;
      if (!text.trim() || !state.thread) return;
      // Slack's client escapes &, < and > in what people type before the app sees it
      const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      const event = { type: "message", channel: state.thread.channel, user: state.person, text: escaped, thread_ts: state.thread.ts };
      const result = await slackSends({ kind: "event", team_id: state.team, event }, "delivered your reply");
      if (result.status < 400) $("reply-text").value = "";
    });
    $("post").addEventListener("submit", async (e) => {
      e.preventDefault();
      const typed = $("post-text").value.trim();
      if (!typed || !state.channel) return;
      let result;
      if (typed.startsWith("/")) {
        const [command, ...rest] = typed.split(" ");
        result = await slackSends({ kind: "command", team_id: state.team, user_id: state.person, channel_id: state.channel,
          command, text: rest.join(" ") }, `ran ${command}`);
        // an app may answer a command in its acknowledgement: Slack shows that only to the person
        const raw = (result.answer && result.answer.body) || "";
        let answer = null;
        try { answer = JSON.parse(raw || "null"); } catch (err) { answer = { text: raw }; } // a plain-text ack is shown as is
        if (answer && (answer.text || answer.blocks)) {
          state.commandAnswers.push({ ...answer, ts: (Date.now() / 1000).toFixed(6), bot_id: "app", shown_to: state.person,
            channel: state.channel, team: state.team });
          refreshSoon();
        }
      } else {
        const text = typed.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
        result = await slackSends({ kind: "event", team_id: state.team, event: { type: "message", channel: state.channel, user: state.person, text } }, "delivered your message");
      }
      if (result.status < 400) $("post-text").value = "";
    });
    $("modal-submit").addEventListener("click", submitModal);
    $("modal-close").addEventListener("click", () => closeModal(false));
    $("modal-x").addEventListener("click", () => closeModal(true));
    $("toggle-traffic").addEventListener("click", () => {
      state.trafficOpen = !state.trafficOpen;
      $("traffic-pane").hidden = !state.trafficOpen;
      $("toggle-traffic").setAttribute("aria-expanded", String(state.trafficOpen));
      document.body.classList.toggle("with-traffic", state.trafficOpen);
      refreshSoon();
    });
  }

  wire();
  refresh();
  live();
})();

/* The recruiters' Slack: workspaces, people, channels, threads, the Home tab, and what they do. */

import { $, BK, state, refreshSoon, el, getJson, postJson, draw, clock, takeTyped } from "./core.js";
import { modalPressed, suggest } from "./modals.js";

/* What Block Kit elements need: names for mentions, and what a press does where it was drawn. */
export function ctx(where) {
  return {
    users: state.users, channels: state.channels,
    onAction: (action, element, block) => {
      if (where === "modal") modalPressed(action, element, block);
      else if (where === "home") pressed(action, element, block); // buttons in messages: not simulated yet
    },
    suggest: where === "modal" ? suggest : null,
    confirm: (c) => window.confirm([c.title && c.title.text, c.text && c.text.text].filter(Boolean).join("\n\n")),
    openUrl: (url) => window.open(url, "_blank", "noopener"),
  };
}

export function author(message) {
  if (message.bot_id || message.subtype === "bot_message") {
    return (message.bot_profile && message.bot_profile.name) || message.username || "WA Bridge";
  }
  return state.users[message.user] || message.user || "someone";
}

export function renderMessage(message, { inThread }) {
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

export async function loadWorkspaces() {
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

export function numberChannel() {
  const number = state.numbers.find((n) => n.id === state.number);
  if (!number) return null;
  const tail = String(number.digits || "").slice(-8);
  const match = state.channelList.find((c) => tail && c.name.includes(tail));
  return match ? match.id : null;
}

/* Until the recruiter picks a channel, follow the one where something happened last. */
export function latestChannel() {
  const active = state.channelList.filter((c) => c.latest_ts);
  active.sort((a, b) => Number(b.latest_ts) - Number(a.latest_ts));
  return active.length ? active[0].id : null;
}

export async function refreshSlack() {
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
}

export async function refreshChannel() {
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

export async function refreshThread() {
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

export function openThread(ts) {
  state.thread = { channel: state.channel, ts };
  refreshSoon();
  setTimeout(() => $("reply-text").focus(), 50);
}

export async function refreshHome() {
  const answer = await getJson(`/_sim/slack/home?team_id=${encodeURIComponent(state.team)}&user_id=${encodeURIComponent(state.person)}`);
  const view = answer.view;
  draw("home", [state.person, view && view.hash, view && view.blocks], () => {
    const box = $("home");
    box.replaceChildren(view ? BK.renderBlocks(view.blocks, document, ctx("home")) : el("p", "empty", "The app has not published a Home tab for you yet…"));
    state.homeView = view;
  });
}

export async function openHome() {
  state.view = "home";
  state.thread = null;
  await slackSends({ kind: "event", team_id: state.team, event: { type: "app_home_opened", user: state.person, tab: "home" } }, "opened the Home tab");
}

export async function pressed(action, element, block) {
  if (element.url && element.type === "button" && !element.action_id) return;
  if (!state.homeView) return;
  const view = state.homeView;
  const payload = {
    type: "block_actions", user: { id: state.person }, container: { type: "view", view_id: view.id },
    view: { id: view.id }, actions: [{ ...action, action_ts: (Date.now() / 1000).toFixed(6) }],
  };
  await slackSends({ kind: "interactivity", team_id: state.team, payload }, `pressed ${action.action_id}`);
}

export async function slackSends(body, what) {
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

export function wireSlack() {
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
    if (!$("reply-text").value.trim() || !state.thread) return;
    const typed = takeTyped("reply-text");
    const text = typed.text;
    // Slack's client escapes &, < and > in what people type before the app sees it
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const event = { type: "message", channel: state.thread.channel, user: state.person, text: escaped, thread_ts: state.thread.ts };
    const result = await slackSends({ kind: "event", team_id: state.team, event }, "delivered your reply");
    if (result.status >= 400) typed.putBack();
  });
  $("post").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!$("post-text").value.trim() || !state.channel) return;
    const taken = takeTyped("post-text");
    const typed = taken.text.trim();
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
    if (result.status >= 400) taken.putBack();
  });
}

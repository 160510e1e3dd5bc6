/* The candidate's phone: numbers, candidates, the chat with ticks, and what the candidate does. */

import { $, WA, state, refreshSoon, el, getJson, postJson, draw, clock, takeTyped } from "./core.js";
import { bubbleBody, replyButtons } from "./phone_buttons.js";

const REACTIONS = ["👍", "❤️", "😂", "😮", "🙏"];
const TICKS = { accepted: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", played: "✓✓", failed: "⚠" };

export function candidateKey(c) {
  return c.key;
}

export async function loadNumbers() {
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

export async function loadCandidates() {
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

export function sender() {
  const c = state.candidate;
  const who = c.key.startsWith("US.") || /^[A-Z]{2}\./.test(c.key) ? { user_id: c.key } : { from: c.key };
  return { phone_number_id: state.number, ...who, ...(c.name ? { name: c.name } : {}) };
}

export async function candidateDoes(action) {
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

export function phoneStatus(text, kind) {
  const line = $("phone-status");
  line.textContent = text;
  line.dataset.kind = kind;
}

export const describe = WA.describe;

export function renderChat(items) {
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
    if (revoked.has(item.wamid)) shown = { icon: "🚫", text: "You deleted this message", replaced: true };
    li.appendChild(bubbleBody(item, shown));
    if (shown.sub && !(item.type === "template" && item.rendered)) li.appendChild(el("div", "sub", shown.sub));
    if (shown.buttons || shown.list) li.appendChild(replyButtons(item, shown));
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
    const templateButtons = li.querySelector(".wa-tpl-buttons");
    if (templateButtons) li.appendChild(templateButtons); // as on WhatsApp: under the time and ticks
    li.addEventListener("click", () => openReactions(item.wamid, li));
    rows.push(li);
  }
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...rows);
  if (!rows.length) list.appendChild(el("li", "empty", "No messages yet. Write one below: it reaches the relay as Meta's webhook."));
  if (atBottom || rows.length <= 1) list.scrollTop = list.scrollHeight;
}

export function openReactions(wamid, li) {
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

export async function refreshPhone() {
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

export function wirePhone() {
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
    if (!$("message").value.trim()) return;
    const typed = takeTyped("message");
    const result = await candidateDoes({ type: "text", text: typed.text });
    if (!(result && result.status < 400)) typed.putBack();
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
}

/* Modals the app opens: drawn from the person's view stack, filled, submitted or closed. */

import { $, BK, state, refreshSoon, el, getJson, postJson, draw, clock } from "./core.js";
import { ctx, slackSends } from "./slack.js";

export function modalValues(view) {
  const values = {};
  const body = $("modal-body");
  (view.blocks || []).forEach((block) => {
    if (block.type !== "input" || !block.element) return;
    const node = [...body.querySelectorAll("[data-block-type='input']")].find((n) => n.dataset.blockId === block.block_id);
    if (!node) return;
    const e = block.element;
    const kind = e.type.replace(/^multi_/, "");
    const multi = e.type.startsWith("multi_");
    const field = node.querySelector(e.type === "external_select" ? "select" : "input, textarea, select");
    let value;
    if (e.type === "external_select") {
      const chosen = field && field.value && field.dataset.selected ? JSON.parse(field.dataset.selected) : null;
      value = { type: e.type, selected_option: chosen };
    } else if (e.type === "radio_buttons" || e.type === "checkboxes") {
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

/* Slack keeps what the person entered when the app updates the view (same block_id and action_id). */
function restoreValues(view, kept) {
  const body = $("modal-body");
  for (const block of view.blocks || []) {
    const e = block.element;
    const v = block.type === "input" && e && (kept[block.block_id] || {})[e.action_id];
    if (!v || v.type !== e.type) continue;
    const node = [...body.querySelectorAll("[data-block-type='input']")].find((n) => n.dataset.blockId === block.block_id);
    if (!node) continue;
    if (e.type === "radio_buttons" || e.type === "checkboxes") {
      const picked = new Set((v.selected_option ? [v.selected_option] : v.selected_options || []).map((o) => o.value));
      for (const input of node.querySelectorAll("input")) input.checked = picked.has(input.value);
      continue;
    }
    if (e.type === "external_select") {
      const select = node.querySelector("select");
      if (select && select.choose && v.selected_option) select.choose(v.selected_option);
      continue;
    }
    const field = node.querySelector("input, textarea, select");
    const chosen = v.selected_option || (v.selected_options || [])[0];
    const value = v.value ?? (chosen && chosen.value) ?? v.selected_conversation ?? v.selected_channel ?? v.selected_user ?? v.selected_date
      ?? (v.selected_conversations || v.selected_channels || v.selected_users || [])[0];
    if (field && value !== undefined && value !== null) field.value = value;
  }
}

/* Which field has the focus, so a redraw (the app's views.update as the person types) leaves it there. */
function fieldKey(node) {
  const choice = node.type === "radio" || node.type === "checkbox";
  return [node.tagName, node.dataset.actionId || "", node.dataset.searchFor || "", choice ? node.value : ""].join("|");
}

function focusedField() {
  const active = document.activeElement;
  const block = active && $("modal-body").contains(active) && active.closest("[data-block-id]");
  if (!block) return null;
  const caret = typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
  return { block: block.dataset.blockId, key: fieldKey(active), caret };
}

function refocus(spot) {
  if (!spot) return;
  const block = [...$("modal-body").querySelectorAll("[data-block-id]")].find((n) => n.dataset.blockId === spot.block);
  const field = block && [...block.querySelectorAll("input, textarea, select")].find((n) => fieldKey(n) === spot.key);
  if (!field) return;
  field.focus();
  if (spot.caret && typeof field.setSelectionRange === "function") {
    try { field.setSelectionRange(...spot.caret); } catch (e) { /* inputs without a caret (email, number) */ }
  }
}

export async function refreshModal() {
  if (!state.team || !state.person) return;
  const views = (await getJson(`/_sim/slack/modals?team_id=${encodeURIComponent(state.team)}&user_id=${encodeURIComponent(state.person)}`)).views;
  const top = views.length ? views[views.length - 1] : null;
  const before = state.modal;
  state.modal = top;
  $("modal").hidden = !top;
  draw("modal", top && [top.id, top.hash, top.blocks, top.title, top.submit], () => {
    if (!top) return;
    const update = before && before.id === top.id; // an update, not a new view
    const kept = update ? modalValues(before) : null;
    const spot = update ? focusedField() : null;
    $("modal-title").textContent = (top.title && top.title.text) || "";
    $("modal-body").replaceChildren(BK.renderBlocks(top.blocks, document, ctx("modal")));
    if (kept) restoreValues(top, kept);
    refocus(spot);
    $("modal-submit").hidden = !top.submit;
    $("modal-submit").textContent = (top.submit && top.submit.text) || "Submit";
    $("modal-close").textContent = (top.close && top.close.text) || (top.submit ? "Cancel" : "Close");
    modalStatus("", "");
  });
}

function modalStatus(text, kind) {
  $("modal-status").textContent = text;
  $("modal-status").dataset.kind = kind;
}

/* response_action "errors": each message under its block, as Slack shows them; unknown blocks in the status. */
export function showErrors(errors) {
  const body = $("modal-body");
  const loose = [];
  for (const [blockId, message] of Object.entries(errors || {})) {
    const node = [...body.querySelectorAll("[data-block-id]")].find((n) => n.dataset.blockId === blockId);
    if (!node) {
      loose.push(`${blockId}: ${message}`);
      continue;
    }
    node.classList.add("bk-has-error");
    const line = el("div", "bk-error", message);
    line.setAttribute("role", "alert");
    node.appendChild(line);
  }
  modalStatus(loose.length ? loose.join(" · ") : "Please fix the fields marked in red.", "error");
}

function clearErrors() {
  for (const node of document.querySelectorAll("#modal-body .bk-error")) node.remove();
  for (const node of document.querySelectorAll("#modal-body .bk-has-error")) node.classList.remove("bk-has-error");
  modalStatus("", "");
}

export async function submitModal() {
  const view = state.modal;
  if (!view) return;
  clearErrors();
  const payload = { type: "view_submission", user: { id: state.person }, view: { id: view.id, state: { values: modalValues(view) } } };
  const result = await slackSends({ kind: "interactivity", team_id: state.team, payload }, "submitted the form");
  const outcome = (result.answer && result.answer.view_result) || null;
  if (outcome && outcome.action === "errors" && outcome.errors) showErrors(outcome.errors);
  else if (outcome && outcome.shown) modalStatus(outcome.shown, "error"); // Slack gave up on the app's answer
  else if (outcome && outcome.ok === false) modalStatus(`Slack refused the app's answer: ${outcome.error}`, "error");
}

export async function closeModal(clear) {
  await postJson("/_sim/slack/views/close", { team_id: state.team, user_id: state.person, clear });
  refreshSoon();
}

/* A button (or a dispatching input) inside the open modal: block_actions with the modal's current state. */
export async function modalPressed(action, element, block) {
  const view = state.modal;
  if (!view) return;
  // elements of input blocks wait for Submit unless the block dispatches; actions and accessories always send
  if (block && block.type === "input" && !block.dispatch_action) return;
  const payload = {
    type: "block_actions", user: { id: state.person }, container: { type: "view", view_id: view.id },
    view: { id: view.id, state: { values: modalValues(view) } }, actions: [{ ...action, action_ts: (Date.now() / 1000).toFixed(6) }],
  };
  await slackSends({ kind: "interactivity", team_id: state.team, payload }, `pressed ${action.action_id}`);
}

/* What the app lists for an external select: Slack's block_suggestion, answered in the HTTP response body. */
export async function suggest(element, block, query) {
  const view = state.modal;
  if (!view) return [];
  const payload = {
    type: "block_suggestion", user: { id: state.person }, container: { type: "view", view_id: view.id },
    action_id: element.action_id, block_id: block.block_id, value: query, view: { id: view.id, state: { values: modalValues(view) } },
  };
  const result = await postJson("/_sim/slack/event", { kind: "interactivity", team_id: state.team, payload });
  let answer = null;
  try { answer = JSON.parse((result.answer && result.answer.body) || "{}"); } catch (e) { answer = null; }
  if (!answer) return [];
  return answer.options || (answer.option_groups || []).flatMap((g) => g.options || []);
}

export function wireModals() {
  $("modal-submit").addEventListener("click", submitModal);
  $("modal-close").addEventListener("click", () => closeModal(false));
  $("modal-x").addEventListener("click", () => closeModal(true));
}

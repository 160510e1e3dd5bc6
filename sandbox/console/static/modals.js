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

export async function refreshModal() {
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

export async function submitModal() {
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

export async function closeModal(clear) {
  await postJson("/_sim/slack/views/close", { team_id: state.team, user_id: state.person, clear });
  refreshSoon();
}

/* A button (or a dispatching input) inside the open modal: block_actions with the modal's current state. */
export async function modalPressed(action, element, block) {
  const view = state.modal;
  if (!view) return;
  if (element.type !== "button" && !(block && block.dispatch_action)) return; // inputs wait for Submit
  const payload = {
    type: "block_actions", user: { id: state.person }, container: { type: "view", view_id: view.id },
    view: { id: view.id, state: { values: modalValues(view) } }, actions: [{ ...action, action_ts: (Date.now() / 1000).toFixed(6) }],
  };
  await slackSends({ kind: "interactivity", team_id: state.team, payload }, `pressed ${action.action_id}`);
}

export function wireModals() {
  $("modal-submit").addEventListener("click", submitModal);
  $("modal-close").addEventListener("click", () => closeModal(false));
  $("modal-x").addEventListener("click", () => closeModal(true));
}

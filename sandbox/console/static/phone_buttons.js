/* What the candidate can tap in a message the business sent: a template's buttons, an interactive message's
   reply buttons and list rows. A tap becomes Meta's reply webhook (POST /_sim/meta/tap through the console). */

import { WA, state, refreshSoon, el, postJson } from "./core.js";
import { phoneStatus } from "./phone.js";

/* The candidate taps a button of a message the business sent: Meta's reply webhook goes to the relay. */
export async function tapButton(wamid, tap, label) {
  const result = await postJson("/_console/meta/tap", { phone_number_id: state.number, message_id: wamid, ...tap });
  if (result.status >= 400) phoneStatus(`Meta refused the tap: ${(result.answer && result.answer.error) || result.status}`, "error");
  else phoneStatus(`Tapped “${label}”: Meta sends the relay the reply`, "ok");
  refreshSoon();
  return result;
}

async function copyCode(button) {
  try {
    await navigator.clipboard.writeText(button.code || "");
    phoneStatus(`Code ${button.code} copied`, "ok");
  } catch (e) {
    phoneStatus(`The code is ${button.code}`, "ok"); // no clipboard on plain http: show it instead
  }
}

export function bubbleBody(item, shown) {
  const body = el("div", "bubble-body");
  if (item.type === "template" && item.rendered && !shown.replaced) {
    body.appendChild(WA.renderTemplate(item.rendered, document, {
      onQuickReply: (button) => tapButton(item.wamid, { button: button.index }, button.text),
      onCopyCode: copyCode,
    }));
    return body;
  }
  if (shown.icon) body.appendChild(el("span", "icon", shown.icon + " "));
  body.appendChild(el("span", "text", shown.text));
  return body;
}

/* Reply buttons (tap one) or a list (open it, tap a row), under an interactive message. */
export function replyButtons(item, shown) {
  const box = el("div", "wa-buttons");
  const tappable = (title, tap, className) => {
    const b = el("button", className || "wa-button", title);
    b.type = "button";
    b.addEventListener("click", (event) => {
      event.stopPropagation();
      if (state.openLists) state.openLists.delete(item.wamid); // a row tapped: the list closes, as on WhatsApp
      tapButton(item.wamid, tap, title);
    });
    return b;
  };
  (shown.buttons || []).forEach((title, index) => box.appendChild(tappable(title, { button: index })));
  if (shown.list) {
    const open = el("button", "wa-button", `☰ ${shown.list.button || "Choose"}`);
    open.type = "button";
    const rows = el("div", "wa-list");
    const opened = state.openLists || (state.openLists = new Set()); // stays open while the chat redraws
    rows.hidden = !opened.has(item.wamid);
    for (const row of shown.list.rows) rows.appendChild(tappable(row.title, { row: row.id }, "wa-list-row"));
    open.addEventListener("click", (event) => {
      event.stopPropagation();
      rows.hidden = !rows.hidden;
      if (rows.hidden) opened.delete(item.wamid);
      else opened.add(item.wamid);
    });
    box.appendChild(open);
    box.appendChild(rows);
  }
  return box;
}

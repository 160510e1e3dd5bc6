/* The console's shared state and small helpers (ES module; no build step). */

export const $ = (id) => document.getElementById(id);
export const BK = window.BlockKit;
export const WA = window.WhatsApp;

export const state = {
  workspaces: [], team: null, person: null, users: {}, channels: {}, channelList: [],
  numbers: [], number: null, candidates: [], localCandidates: [], candidate: null,
  channel: null, channelChosen: false, thread: null, view: "channel", drawn: {}, commandAnswers: [], trafficOpen: false, replyCounts: {}, creating: false,
};

/* Ask for a redraw soon; main.js listens (modules stay free of cycles through it). */
export const changes = new EventTarget();

export function refreshSoon() {
  changes.dispatchEvent(new Event("refresh"));
}

/* What was typed in a field, which is emptied at once, so what is typed while the send runs is kept;
   putBack() returns the text when the send failed and nothing new was typed meanwhile. */
export function takeTyped(id) {
  const input = $(id);
  const text = input.value;
  input.value = "";
  return { text, putBack() { if (!input.value) input.value = text; } };
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export async function getJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

export async function postJson(url, body) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let answer = null;
  try { answer = await response.json(); } catch (e) { answer = null; }
  return { status: response.status, answer };
}

/* Redraw a region only when what it shows changed (keeps scroll positions, open selects and focus). */
export function draw(region, data, build) {
  const key = JSON.stringify(data);
  if (state.drawn[region] === key) return false;
  state.drawn[region] = key;
  build();
  return true;
}

export function clock(epochSeconds) {
  const d = new Date(Number(epochSeconds) * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

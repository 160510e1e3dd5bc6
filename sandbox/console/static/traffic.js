/* The raw traffic pane: webhooks, every Graph call, Slack calls and deliveries, as the server masked them. */

import { $, BK, state, refreshSoon, el, getJson, postJson, draw, clock } from "./core.js";

export async function refreshTraffic() {
  if (!state.trafficOpen) return;
  const t = await getJson("/_console/traffic");
  const rows = [
    ...t.webhooks.map((w) => ({ at: w.at, label: `Meta → relay webhook ${w.fields.join(",")}`, status: (w.attempts.at(-1) || {}).status, detail: w })),
    ...t.graph_calls.map((g) => ({
      at: g.at,
      label: `relay → Graph ${g.method} ${g.path}${g.type ? ` (${g.type} to ${g.to}: ${g.message_status})` : ""}`,
      status: g.error_code ? `${g.status} #${g.error_code}` : g.status,
      detail: g,
    })),
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

export function wireTraffic() {
  $("toggle-traffic").addEventListener("click", () => {
    state.trafficOpen = !state.trafficOpen;
    $("traffic-pane").hidden = !state.trafficOpen;
    $("toggle-traffic").setAttribute("aria-expanded", String(state.trafficOpen));
    document.body.classList.toggle("with-traffic", state.trafficOpen);
    refreshSoon();
  });
}

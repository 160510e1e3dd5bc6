/* Starts the console: wires each pane, redraws on every change the server reports (or polls). */

import { $, changes } from "./core.js";
import { refreshPhone, wirePhone } from "./phone.js";
import { refreshSlack, wireSlack } from "./slack.js";
import { refreshModal, wireModals } from "./modals.js";
import { refreshTraffic, wireTraffic } from "./traffic.js";

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
    await Promise.all([refreshPhone(), refreshSlack().then(refreshModal), refreshTraffic()]);
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
    // refused outright (the stream is closed for good) or failing again and again: poll instead
    if ((source.readyState === EventSource.CLOSED || failures >= 3) && !polling) {
      source.close();
      badge.textContent = "live (polling)";
      badge.dataset.live = "polling";
      polling = setInterval(refresh, 500);
    }
  });
}

changes.addEventListener("refresh", refreshSoon);
wirePhone();
wireSlack();
wireModals();
wireTraffic();
refresh();
live();

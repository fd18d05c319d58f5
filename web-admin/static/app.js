// Small script layer of the panel: delete confirmations and the live wallboard.
"use strict";
document.addEventListener("submit", (e) => {
  const f = e.target;
  if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
});
function fmtDur(s) {
  s = Math.max(0, Math.floor(s));
  const m = Math.floor(s / 60), r = s % 60;
  return m + ":" + String(r).padStart(2, "0");
}
function fill(id, rows) {
  const t = document.getElementById(id);
  if (!t) return;
  t.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement("tr");
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.appendChild(td); }
    return tr;
  }));
}
const wb = document.getElementById("wallboard");
if (wb) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(proto + "//" + location.host + "/ws/wallboard");
  ws.onmessage = (m) => {
    const d = JSON.parse(m.data);
    fill("wb-queues", d.queues.map((q) => [q.queue, q.waiting, fmtDur(q.longest_wait_s),
      q.service_level_today == null ? "-" : (100 * q.service_level_today).toFixed(1) + " %"]));
    fill("wb-agents", d.agents.map((a) => [a.agent, a.state, fmtDur(a.time_in_state_s)]));
    fill("wb-alarms", d.alarms.map((a) => [a.severity, a.code, a.subject]));
    const c = document.getElementById("wb-channels");
    if (c) c.textContent = d.channels_in_use;
    wb.dataset.updates = String(Number(wb.dataset.updates || 0) + 1);
  };
}

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
    addAgentActions(d.agents);
    fill("wb-alarms", d.alarms.map((a) => [a.severity, a.code, a.subject]));
    fill("wb-spans", (d.spans || []).map((s) => [s.name, s.alarms.length ? s.alarms.join(" ") : "OK",
      s.crc_errors, s.slips, s.channels_in_use]));
    const r = document.getElementById("wb-resources"), x = d.resources;
    const gb = (b) => (b / 1e9).toFixed(1) + " GB";
    if (r && x) r.textContent = "CPU " + (100 * x.cpu).toFixed(0) + " % · memory " + gb(x.mem_used) +
      " / " + gb(x.mem_total) + " · disk " + gb(x.disk_used) + " / " + gb(x.disk_total);
    const c = document.getElementById("wb-channels");
    if (c) c.textContent = d.channels_in_use;
    wb.dataset.updates = String(Number(wb.dataset.updates || 0) + 1);
  };
}
// Supervisor actions on the wallboard's agent rows: force the state (Ready, Not ready with
// reason 1, Log off) and listen / whisper / barge from the supervisor's phone
// (POST /api/v1/supervisor/agents/{agent}/state|monitor; the server checks the role).
function addAgentActions(agents) {
  const body = document.getElementById("wb-agents");
  if (!body) return;
  const acts = [
    ["ready", "state", { state: "ready" }], ["not-ready", "state", { state: "notReady", reason: 1 }],
    ["log-off", "state", { state: "loggedOff" }], ["listen", "monitor", { mode: "listen" }],
    ["whisper", "monitor", { mode: "whisper" }], ["barge", "monitor", { mode: "barge" }],
  ];
  [...body.rows].forEach((tr, i) => {
    const td = document.createElement("td");
    for (const [key, kind, payload] of acts) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = body.dataset[key.replace(/-(.)/g, (_, c) => c.toUpperCase())] || key;
      b.dataset.agent = agents[i].agent;
      b.dataset.kind = kind;
      b.dataset.payload = JSON.stringify(payload);
      td.appendChild(b);
    }
    tr.appendChild(td);
  });
}
document.addEventListener("click", async (e) => {
  const b = e.target.closest("#wb-agents button[data-kind]");
  if (!b) return;
  const out = document.getElementById("wb-action-result");
  const body = JSON.parse(b.dataset.payload);
  if (b.dataset.kind === "monitor") {
    const phone = document.getElementById("wb-my-phone");
    body.device = phone ? phone.value.trim() : "";
    try { localStorage.setItem("wb-my-phone", body.device); } catch (_) { /* private mode */ }
  }
  try {
    await api("POST", "/api/v1/supervisor/agents/" + encodeURIComponent(b.dataset.agent) + "/" + b.dataset.kind, body);
    if (out) out.textContent = b.dataset.agent + ": " + b.textContent + " ✓";
  } catch (err) {
    if (out) out.textContent = b.dataset.agent + ": " + err.message;
  }
});
{
  const phone = document.getElementById("wb-my-phone");
  try { if (phone) phone.value = localStorage.getItem("wb-my-phone") || ""; } catch (_) { /* private mode */ }
}
// Forms that talk to the REST API: <form data-api="/api/v1/…" data-method="POST|PUT|DELETE">.
// Fields become a JSON object; data-type="number" → number, "list" → array of numbers
// ("8, 15"), "criteria" → [{name, max}] ("Greeting:10, Resolution:20"). The answer (or the
// error message) goes into the form's [data-result]; a success reloads the page.
function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}
async function api(method, url, body) {
  const opts = { method, headers: { "x-csrf-token": csrfToken() } };
  if (body !== undefined) {
    opts.headers["content-type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(url, opts);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  if (!r.ok) throw new Error((data && data.error) || r.status + " " + r.statusText);
  return data;
}
function formJson(f) {
  const o = {};
  for (const el of f.elements) {
    if (!el.name) continue;
    const t = el.dataset.type, v = el.value;
    if (t === "number") o[el.name] = Number(v);
    else if (t === "words") o[el.name] = v.split(/[\s,]+/).filter((x) => x);
    else if (t === "list") o[el.name] = v.split(",").map((x) => x.trim()).filter((x) => x).map(Number);
    else if (t === "criteria") o[el.name] = v.split(",").map((x) => x.trim()).filter((x) => x)
      .map((x) => { const [n, m] = x.split(":"); return { name: (n || "").trim(), max: Number(m) }; });
    else o[el.name] = v;
  }
  return o;
}
document.addEventListener("submit", async (e) => {
  const f = e.target;
  if (!f.dataset.api || e.defaultPrevented) return;
  e.preventDefault();
  const out = f.querySelector("[data-result]");
  const method = f.dataset.method || "POST";
  try {
    await api(method, f.dataset.api, method === "DELETE" ? undefined : formJson(f));
    if (out) out.textContent = "✓";
    location.reload();
  } catch (err) {
    if (out) { out.textContent = err.message; out.className = "error"; }
  }
});

// Upload forms: <form data-upload="/api/v1/…"> posts the chosen file as the raw body.
document.addEventListener("submit", async (e) => {
  const f = e.target;
  if (!f.dataset.upload || e.defaultPrevented) return;
  e.preventDefault();
  const out = f.querySelector("[data-result]");
  const file = f.querySelector("input[type=file]").files[0];
  if (!file) return;
  const r = await fetch(f.dataset.upload, {
    method: "POST",
    headers: { "x-csrf-token": csrfToken(), "content-type": "application/octet-stream" },
    body: file,
  });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch (_) { data = { error: text }; }
  if (out) {
    out.textContent = r.ok ? "✓" : (data && data.error) || String(r.status);
    out.className = r.ok ? "" : "error";
  }
});

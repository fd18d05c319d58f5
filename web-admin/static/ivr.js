// The IVR flow editor: the flow is a JS object in the `ivr` crate's JSON format. The SVG
// shows nodes (boxes, by distance from the start node) and edges (next/choices); each node
// has a card: its edges as selects of node ids, menu options and condition branches as
// rows, and the remaining fields as JSON. Validate asks the server (the ivr crate's
// validator) and marks the nodes with problems; Save stores a new version; Activate makes
// that version answer calls (the server validates again).
"use strict";
(() => {
  const root = document.getElementById("ivr-editor");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const EDGES = {
    play: ["next"], say: ["next"], set: ["next"], survey: ["next"],
    collect: ["next", "on_fail"], lookup: ["on_found", "on_not_found", "on_error"],
    menu: ["on_invalid", "on_timeout"], condition: ["otherwise"], transfer: ["on_fail"],
    voicemail: [], hangup: [],
  };
  const OPTIONAL = ["on_fail", "on_invalid", "on_timeout"];
  const TEMPLATES = {
    play: { prompts: ["welcome"] },
    say: { var: "acct.balance_cents", as: "amount" },
    set: { var: "language", value: "en" },
    survey: { prompts: ["survey"] },
    collect: { prompts: ["enter-account"], var: "account", min_len: 4, max_len: 16 },
    lookup: { request: "account_balance", key: "${account}", var: "acct" },
    menu: { prompts: ["main-menu"], options: {} },
    condition: { branches: [] },
    transfer: { target: { queue: "701" } },
    voicemail: { mailbox: "2001" },
    hangup: { prompts: [] },
  };
  let flow = { version: 1, name: "main", start: "", language: "en", nodes: {} };
  let savedId = null;
  let problems = [];

  function csrf() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  async function call(method, url, body) {
    const r = await fetch(url, {
      method,
      headers: { "x-csrf-token": csrf(), "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = { error: text }; }
    return { ok: r.ok, status: r.status, data };
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k);
    return e;
  }
  function status(text, bad) {
    const s = $("ivr-status");
    s.textContent = text;
    s.className = bad ? "error" : "ok";
  }
  function ids() { return Object.keys(flow.nodes); }
  function nodeSelect(value, onChange, optional) {
    const s = el("select");
    if (optional) s.append(el("option", { value: "", text: "—" }));
    else if (!value || !flow.nodes[value]) s.append(el("option", { value: value || "", text: value ? value + " ?" : "…" }));
    for (const id of ids()) s.append(el("option", { value: id, text: id }));
    s.value = value || "";
    s.addEventListener("change", () => { onChange(s.value); changed(); });
    return s;
  }
  // Edges of a node, [label, target].
  function edges(n) {
    const out = [];
    for (const f of EDGES[n.type] || []) if (n[f]) out.push([f, n[f]]);
    if (n.type === "menu") for (const [d, t] of Object.entries(n.options || {})) out.push([d, t]);
    if (n.type === "condition") (n.branches || []).forEach((b, i) => out.push(["if " + (i + 1), b.next]));
    return out;
  }
  function bad(id) { return problems.some((p) => p.node === id); }

  function drawGraph() {
    const svg = $("ivr-graph");
    const NS = "http://www.w3.org/2000/svg";
    svg.replaceChildren();
    const depth = {};
    const order = [];
    const queue = flow.nodes[flow.start] ? [flow.start] : [];
    if (queue.length) depth[flow.start] = 0;
    for (let i = 0; i < queue.length && i < 1000; i++) {
      const id = queue[i];
      order.push(id);
      for (const [, t] of edges(flow.nodes[id])) {
        if (flow.nodes[t] && depth[t] === undefined) { depth[t] = depth[id] + 1; queue.push(t); }
      }
    }
    const maxd = order.reduce((m, id) => Math.max(m, depth[id]), 0);
    for (const id of ids()) if (depth[id] === undefined) { depth[id] = maxd + 1; order.push(id); }
    const rows = {};
    const pos = {};
    for (const id of order) {
      const d = depth[id];
      rows[d] = (rows[d] || 0) + 1;
      pos[id] = { x: 10 + d * 140, y: 10 + (rows[d] - 1) * 50 };
    }
    const h = Math.max(120, 20 + 50 * Math.max(0, ...Object.values(rows)));
    const w = Math.max(900, 160 + 140 * (maxd + 1));
    svg.setAttribute("height", h);
    svg.setAttribute("width", w);
    const mk = (tag, attrs) => {
      const e = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      svg.append(e);
      return e;
    };
    for (const id of order) {
      for (const [label, t] of edges(flow.nodes[id])) {
        if (!pos[t]) continue;
        const a = pos[id], b = pos[t];
        const line = mk("line", { x1: a.x + 110, y1: a.y + 16, x2: b.x, y2: b.y + 16, stroke: "#888", "data-edge": id + ">" + t });
        line.append(Object.assign(document.createElementNS(NS, "title"), { textContent: label }));
      }
    }
    for (const id of order) {
      const p = pos[id];
      const n = flow.nodes[id];
      const g = mk("g", { "data-node": id, class: bad(id) ? "invalid" : "" });
      const r = document.createElementNS(NS, "rect");
      for (const [k, v] of Object.entries({ x: p.x, y: p.y, width: 110, height: 32, rx: 4,
        fill: id === flow.start ? "#e9f5f3" : "#fff", stroke: bad(id) ? "#d62828" : "#2a9d8f", "stroke-width": bad(id) ? 3 : 1 })) r.setAttribute(k, v);
      const tx = document.createElementNS(NS, "text");
      tx.setAttribute("x", p.x + 5); tx.setAttribute("y", p.y + 20); tx.setAttribute("font-size", "11");
      tx.textContent = id + " (" + n.type + ")";
      g.append(r, tx);
      svg.append(g);
    }
  }

  function card(id) {
    const n = flow.nodes[id];
    const c = el("fieldset", { class: "ivr-node" + (bad(id) ? " invalid" : ""), "data-node": id });
    c.append(el("legend", { text: id + " · " + n.type }));
    const del = el("button", { type: "button", "data-delete": id, text: "✕" });
    del.addEventListener("click", () => { delete flow.nodes[id]; if (flow.start === id) flow.start = ""; changed(); });
    c.append(del);
    for (const f of EDGES[n.type] || []) {
      const s = nodeSelect(n[f], (v) => { if (v) n[f] = v; else delete n[f]; }, OPTIONAL.includes(f));
      s.dataset.field = f;
      c.append(el("label", {}, f + " ", s));
    }
    if (n.type === "menu") {
      n.options = n.options || {};
      const list = el("div", { class: "ivr-options" });
      for (const d of Object.keys(n.options)) {
        list.append(el("div", { "data-option": d }, el("span", { text: d + " → " }),
          nodeSelect(n.options[d], (v) => { n.options[d] = v; })));
      }
      const digit = el("input", { size: 2, placeholder: "1", "data-new-option": id });
      const add = el("button", { type: "button", "data-add-option": id, text: "+" });
      add.addEventListener("click", () => { if (digit.value) { n.options[digit.value] = ""; changed(); } });
      list.append(el("div", {}, digit, add));
      c.append(list);
    }
    if (n.type === "condition") {
      n.branches = n.branches || [];
      const list = el("div", { class: "ivr-branches" });
      n.branches.forEach((b, i) => {
        const when = el("input", { size: 40, value: JSON.stringify(b.when || {}), "data-when": i });
        when.addEventListener("change", () => {
          try { b.when = JSON.parse(when.value); when.className = ""; } catch (_) { when.className = "error"; }
          changed();
        });
        list.append(el("div", {}, "if ", when, " → ", nodeSelect(b.next, (v) => { b.next = v; })));
      });
      const add = el("button", { type: "button", "data-add-branch": id, text: "+ if" });
      add.addEventListener("click", () => { n.branches.push({ when: { time: { from: "09:00", to: "18:00" } }, next: "" }); changed(); });
      list.append(add);
      c.append(list);
    }
    // The other fields as JSON.
    const rest = {};
    for (const [k, v] of Object.entries(n)) {
      if (k === "type" || (EDGES[n.type] || []).includes(k) || (n.type === "menu" && k === "options") || (n.type === "condition" && k === "branches")) continue;
      rest[k] = v;
    }
    const ta = el("textarea", { rows: 2, cols: 60, "data-params": id });
    ta.value = JSON.stringify(rest);
    ta.addEventListener("change", () => {
      let v;
      try { v = JSON.parse(ta.value); } catch (e) { ta.className = "error"; status(id + ": " + e.message, true); return; }
      for (const k of Object.keys(rest)) delete n[k];
      Object.assign(n, v);
      changed();
    });
    c.append(el("label", {}, "fields ", ta));
    const mine = problems.filter((p) => p.node === id);
    if (mine.length) c.append(el("ul", { class: "error" }, ...mine.map((p) => el("li", { text: p.message }))));
    return c;
  }

  function render() {
    $("ivr-name").value = flow.name;
    const start = $("ivr-start");
    start.replaceChildren(el("option", { value: "", text: "…" }), ...ids().map((id) => el("option", { value: id, text: id })));
    start.value = flow.start;
    drawGraph();
    $("ivr-nodes").replaceChildren(...ids().map(card));
    const general = problems.filter((p) => !p.node);
    $("ivr-problems").replaceChildren(...general.map((p) => el("li", { class: "error", text: p.message })));
    $("ivr-activate").disabled = savedId === null;
    root.dataset.nodes = String(ids().length);
  }
  // Any edit: the checked state and the saved version no longer describe the flow.
  function changed() {
    savedId = null;
    root.dataset.valid = "";
    render();
  }

  $("ivr-name").addEventListener("change", () => { flow.name = $("ivr-name").value; changed(); });
  $("ivr-start").addEventListener("change", () => { flow.start = $("ivr-start").value; changed(); });
  $("ivr-new").addEventListener("click", () => {
    flow = { version: 1, name: $("ivr-name").value || "main", start: "", language: "en", nodes: {} };
    problems = [];
    changed();
  });
  $("ivr-add").addEventListener("click", () => {
    const id = $("ivr-new-id").value.trim();
    const type = $("ivr-new-type").value;
    if (!id) { status("id?", true); return; }
    if (flow.nodes[id]) { status(id + ": exists", true); return; }
    flow.nodes[id] = Object.assign({ type }, JSON.parse(JSON.stringify(TEMPLATES[type] || {})));
    if (!flow.start) flow.start = id;
    $("ivr-new-id").value = "";
    changed();
  });
  async function validate() {
    const r = await call("POST", "/api/v1/ivr/validate", flow);
    if (!r.ok) { status((r.data && r.data.error) || String(r.status), true); return false; }
    problems = r.data.problems;
    root.dataset.valid = r.data.valid ? "yes" : "no";
    render();
    status(r.data.valid ? root.dataset.msgValid : problems.length + " ✗", !r.data.valid);
    return r.data.valid;
  }
  $("ivr-validate").addEventListener("click", validate);
  $("ivr-save").addEventListener("click", async () => {
    const r = await call("POST", "/api/v1/ivr/flows", flow);
    if (!r.ok) { status(r.data.error, true); return; }
    savedId = r.data.id;
    root.dataset.saved = String(r.data.id);
    render();
    status(flow.name + " v" + r.data.version + " ✓", false);
  });
  $("ivr-activate").addEventListener("click", async () => {
    if (savedId === null) return;
    const r = await call("POST", "/api/v1/ivr/flows/" + savedId + "/activate");
    if (!r.ok) {
      problems = r.data.problems || [];
      render();
      status(r.data.error, true);
      return;
    }
    root.dataset.activated = String(savedId);
    status(flow.name + " v" + r.data.version + " → " + document.getElementById("ivr-activate").textContent + " ✓", false);
  });
  document.querySelectorAll("[data-edit]").forEach((b) => b.addEventListener("click", async () => {
    const r = await call("GET", "/api/v1/ivr/flows");
    const v = r.ok && r.data.find((f) => String(f.id) === b.dataset.edit);
    if (!v || !v.flow) { status("?", true); return; }
    flow = v.flow;
    problems = [];
    changed();
    savedId = v.id;
    render();
  }));
  render();
})();

// The agent desktop: CTI (JSON wire v1 of the cti crate) over the WebSocket
// /api/cti/v1/ws, screen pop, tickets, notes and disposition, KB search, click-to-dial and
// scheduled callbacks. Needs app.js (api(), csrfToken()).
"use strict";
(function () {
  const desk = document.getElementById("desk");
  if (!desk) return;
  const me = desk.dataset.agent;
  const $ = (id) => document.getElementById(id);
  let ws = null, invoke = 0;
  const pending = new Map();
  const calls = new Map(); // call id -> {number, state, rec}
  let lastCall = null; // the call notes and disposition go to
  let popCustomer = null;

  function showError(e) { $("cti-error").textContent = e ? String(e.message || e) : ""; }
  function cell(tr, text) { const td = document.createElement("td"); td.textContent = text == null ? "" : String(text); tr.appendChild(td); return td; }
  function fmtTime(us) { return new Date(us / 1000).toISOString().replace("T", " ").slice(0, 19); }

  function request(req) {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) { reject(new Error("CTI not connected")); return; }
      const id = ++invoke;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ v: 1, invokeId: id, request: req }));
    });
  }
  async function act(req) {
    showError(null);
    try { return await request(req); } catch (e) { showError(e); throw e; }
  }

  function setAgentState(st) {
    const label = st ? st.state + (st.reason != null ? " (" + st.reason + ")" : "") : "-";
    $("agent-state").textContent = label;
    desk.dataset.agentState = st ? st.state : "";
  }
  function renderCalls() {
    const rows = [...calls.entries()].map(([id, c]) => {
      const tr = document.createElement("tr");
      tr.dataset.call = id; tr.dataset.state = c.state;
      cell(tr, id); cell(tr, c.number); cell(tr, c.state);
      return tr;
    });
    $("call-list").replaceChildren(...rows);
    renderRecording();
  }
  function callIn(...states) {
    const found = [...calls.entries()].reverse().find(([, c]) => states.includes(c.state));
    return found ? { call: Number(found[0]), device: me } : null;
  }
  // The recording buttons act on the call callIn("connected", "hold") picks; they are enabled
  // by its recording's state as the model allows it: Start when it is not recording (none
  // yet, or stopped), Pause when recording, Resume when suspended, Stop when recording or
  // suspended. No connected or held call: all off.
  const recOps = {
    "rec-start": (r) => r == null || r === "stopped",
    "rec-pause": (r) => r === "recording",
    "rec-resume": (r) => r === "suspended",
    "rec-stop": (r) => r === "recording" || r === "suspended",
  };
  function renderRecording() {
    const c = callIn("connected", "hold");
    const rec = c ? calls.get(String(c.call)).rec : undefined;
    $("rec-state").textContent = rec || "-";
    if (rec) desk.dataset.recording = rec; else delete desk.dataset.recording;
    for (const [op, fits] of Object.entries(recOps)) {
      document.querySelector('button[data-op="' + op + '"]').disabled = !c || !fits(rec);
    }
  }
  // A call's recording state as the model knows it (after a reconnect, a transfer or a
  // conference, when the Recording events that set it went to another call id or were missed).
  async function syncRecording(id) {
    try {
      const r = await request({ service: "SnapshotCall", snapshotObject: Number(id) });
      const c = calls.get(String(id));
      if (c) { c.rec = r.snapshot.recording || undefined; renderRecording(); }
    } catch (_) { /* the call is gone */ }
  }

  const connKeys = ["connection", "initiatedConnection", "originatedConnection", "queuedConnection",
    "establishedConnection", "heldConnection", "retrievedConnection", "failedConnection", "droppedConnection"];
  function onEvent(r) {
    const ev = r.event;
    switch (ev.event) {
      case "AgentLoggedOn": setAgentState({ state: "notReady" }); return;
      case "AgentLoggedOff": setAgentState({ state: "loggedOff" }); return;
      case "AgentReady": setAgentState({ state: "ready" }); return;
      case "AgentNotReady": setAgentState({ state: "notReady", reason: ev.reason }); return;
      case "AgentWorkingAfterCall": setAgentState({ state: "workingAfterCall" }); return;
      case "Recording": {
        // The call's recording (policy, supervisor or this desk): recording, suspended, stopped.
        const c = calls.get(String(ev.call));
        if (c) c.rec = ev.recordingState;
        renderRecording();
        return;
      }
      case "Transferred": case "Conferenced": {
        for (const c of [ev.primaryOldCall, ev.secondaryOldCall]) if (c != null && c !== ev.resultingCall) calls.delete(String(c));
        if (r.localConnectionInfo == null || r.localConnectionInfo === "null") calls.delete(String(ev.resultingCall));
        else {
          const prev = calls.get(String(ev.primaryOldCall)) || { number: "" };
          calls.set(String(ev.resultingCall), { number: prev.number, state: r.localConnectionInfo });
          syncRecording(ev.resultingCall);
        }
        renderCalls(); return;
      }
    }
    const key = connKeys.find((k) => ev[k]);
    if (!key) return;
    const id = String(ev[key].call);
    const st = r.localConnectionInfo;
    if (st == null || st === "null") calls.delete(id);
    else {
      const prev = calls.get(id) || {};
      let number = prev.number;
      if (ev.event === "Delivered" && ev.alertingDevice === me) number = ev.callingDevice;
      if (ev.event === "Originated") number = ev.calledDevice;
      if (!number) number = ev.callingDevice === me ? ev.calledDevice : ev.callingDevice;
      calls.set(id, { number: number || "", state: st, rec: prev.rec });
    }
    if (ev.event === "Delivered" && ev.alertingDevice === me) {
      lastCall = Number(id);
      $("wrapup-saved").textContent = "";
      screenPop(ev);
    }
    if (ev.event === "Originated") lastCall = Number(id);
    renderCalls();
  }

  // ---------------------------------------------------------------- screen pop
  async function screenPop(ev) {
    const sp = ev.screenPop || {};
    $("screen-pop").hidden = false;
    $("pop-number").textContent = ev.callingDevice || "";
    $("pop-queue").textContent = sp.queue || "";
    $("pop-ivr").replaceChildren(...Object.entries(sp.ivrData || {}).map(([k, v]) => {
      const tr = document.createElement("tr"); cell(tr, k); cell(tr, v); return tr;
    }));
    $("pop-name").textContent = sp.customer ? sp.customer.name : "?";
    try {
      const url = sp.customer ? "/api/v1/desk/customers/" + sp.customer.id
        : "/api/v1/desk/lookup?number=" + encodeURIComponent(ev.callingDevice || "");
      showCustomer(await api("GET", url));
    } catch (_) { showCustomer(null); }
  }
  function showCustomer(c) {
    popCustomer = c;
    desk.dataset.customer = c ? String(c.id) : "";
    if (!c) { $("pop-profile").textContent = ""; $("pop-history").replaceChildren(); $("pop-tickets").replaceChildren(); return; }
    $("pop-name").textContent = c.name + (c.vip ? " ★VIP" : "");
    const prof = $("pop-profile");
    prof.replaceChildren();
    const p = document.createElement("p");
    p.textContent = [c.company, c.email, c.notes].filter((x) => x).join(" · ");
    prof.appendChild(p);
    for (const k of c.contacts) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "dial"; b.dataset.number = k.phone;
      b.textContent = "☎ " + k.name + " " + k.phone;
      b.addEventListener("click", () => act({ service: "MakeCall", callingDevice: me, calledDirectoryNumber: k.phone.replace(/[^0-9+*#]/g, "") }).catch(() => {}));
      prof.appendChild(b);
    }
    $("pop-history").replaceChildren(...c.history.map((i) => {
      const tr = document.createElement("tr");
      cell(tr, fmtTime(i.started_us)); cell(tr, i.direction); cell(tr, i.agent); cell(tr, i.queue);
      cell(tr, i.disposition); cell(tr, i.notes);
      return tr;
    }));
    $("pop-tickets").replaceChildren(...c.open_tickets.map((t) => {
      const tr = document.createElement("tr");
      tr.dataset.ticket = t.id;
      cell(tr, "#" + t.id); cell(tr, t.subject); cell(tr, "P" + t.priority);
      const td = cell(tr, "");
      const sel = document.createElement("select");
      for (const s of ["open", "pending", "resolved", "closed"]) {
        const o = document.createElement("option"); o.value = s; o.textContent = s; o.selected = s === t.status; sel.appendChild(o);
      }
      sel.addEventListener("change", async () => {
        try { await api("PUT", "/api/v1/desk/tickets/" + t.id, { status: sel.value }); await refreshCustomer(); } catch (e) { showError(e); }
      });
      td.appendChild(sel);
      return tr;
    }));
  }
  async function refreshCustomer() {
    if (popCustomer) showCustomer(await api("GET", "/api/v1/desk/customers/" + popCustomer.id));
  }
  $("ticket-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api("POST", "/api/v1/desk/tickets", {
        customer_id: popCustomer ? popCustomer.id : null, subject: f.subject.value, priority: Number(f.priority.value),
      });
      f.subject.value = "";
      await refreshCustomer();
    } catch (err) { showError(err); }
  });

  // ---------------------------------------------------------------- notes and disposition
  $("wrapup-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    if (lastCall == null) { showError("no call"); return; }
    try {
      await act({ service: "AssociateData", call: lastCall, disposition: f.disposition.value, notes: f.notes.value });
      $("wrapup-saved").textContent = "✓";
    } catch (_) { $("wrapup-saved").textContent = ""; }
  });

  // ---------------------------------------------------------------- state and call control
  for (const b of document.querySelectorAll("#desk-state button[data-state]")) {
    b.addEventListener("click", () => {
      const s = b.dataset.state;
      const req = s === "notReady" ? { state: s, reason: Number($("nr-reason").value) } : { state: s };
      act({ service: "SetAgentState", agent: me, requestedAgentState: req }).catch(() => {});
    });
  }
  const ops = {
    answer: () => { const c = callIn("alerting"); return c && { service: "AnswerCall", callToBeAnswered: c }; },
    hangup: () => { const c = callIn("connected", "initiated", "alerting", "hold", "fail"); return c && { service: "ClearConnection", connectionToBeCleared: c }; },
    hold: () => { const c = callIn("connected"); return c && { service: "HoldCall", callToBeHeld: c }; },
    retrieve: () => { const c = callIn("hold"); return c && { service: "RetrieveCall", callToBeRetrieved: c }; },
    blind: () => { const c = callIn("connected"); return c && { service: "SingleStepTransferCall", activeCall: c, transferredTo: $("xfer-to").value }; },
    consult: () => { const c = callIn("connected"); return c && { service: "ConsultationCall", existingCall: c, consultedDevice: $("xfer-to").value }; },
    transfer: () => { const h = callIn("hold"), a = callIn("connected"); return h && a && { service: "TransferCall", heldCall: h, activeCall: a }; },
    conference: () => { const h = callIn("hold"), a = callIn("connected"); return h && a && { service: "ConferenceCall", heldCall: h, activeCall: a }; },
    dtmf: () => { const c = callIn("connected"); return c && { service: "GenerateDigits", connectionToSendDigits: c, charToSend: $("dtmf").value }; },
    dial: () => ({ service: "MakeCall", callingDevice: me, calledDirectoryNumber: $("dial-number").value }),
    "rec-start": () => { const c = callIn("connected", "hold"); return c && { service: "StartRecording", callToBeRecorded: c }; },
    "rec-pause": () => { const c = callIn("connected", "hold"); return c && { service: "SuspendRecording", callToBeRecorded: c }; },
    "rec-resume": () => { const c = callIn("connected", "hold"); return c && { service: "ResumeRecording", callToBeRecorded: c }; },
    "rec-stop": () => { const c = callIn("connected", "hold"); return c && { service: "StopRecording", callToBeRecorded: c }; },
  };
  for (const b of document.querySelectorAll("button[data-op]")) {
    b.addEventListener("click", () => {
      const req = ops[b.dataset.op]();
      if (!req) { showError("no call in a state for this"); return; }
      act(req).catch(() => {});
    });
  }

  // ---------------------------------------------------------------- KB search
  $("kb-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const hits = await api("GET", "/api/v1/kb/search?q=" + encodeURIComponent(e.target.q.value));
      $("kb-hits").replaceChildren(...hits.map((h) => {
        const li = document.createElement("li");
        li.textContent = h.title + " (" + h.category + "): " + h.snippet;
        return li;
      }));
    } catch (err) { showError(err); }
  });

  // ---------------------------------------------------------------- callbacks
  async function loadCallbacks() {
    try {
      const list = await api("GET", "/api/v1/desk/callbacks");
      $("callback-list").replaceChildren(...list.map((c) => {
        const tr = document.createElement("tr");
        cell(tr, fmtTime(c.due_us)); cell(tr, c.number); cell(tr, c.note);
        const td = cell(tr, "");
        const call = document.createElement("button");
        call.type = "button"; call.textContent = "☎";
        call.addEventListener("click", () => act({ service: "MakeCall", callingDevice: me, calledDirectoryNumber: c.number }).catch(() => {}));
        const done = document.createElement("button");
        done.type = "button"; done.textContent = "✓";
        done.addEventListener("click", async () => { try { await api("POST", "/api/v1/desk/callbacks/" + c.id + "/close", { status: "done" }); loadCallbacks(); } catch (e) { showError(e); } });
        td.append(call, done);
        return tr;
      }));
    } catch (e) { showError(e); }
  }
  $("callback-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api("POST", "/api/v1/desk/callbacks", {
        number: f.number.value, due_us: new Date(f.due.value).getTime() * 1000, note: f.note.value,
        customer_id: popCustomer ? popCustomer.id : null,
      });
      f.reset();
      loadCallbacks();
    } catch (err) { showError(err); }
  });
  loadCallbacks();

  // ---------------------------------------------------------------- the CTI socket
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/api/cti/v1/ws");
    ws.onopen = async () => {
      $("cti-status").textContent = "CTI ✓";
      try {
        const r = await request({ service: "MonitorStart", monitorObject: me });
        setAgentState(r.snapshot.agentState);
        // The snapshot is the whole truth after a reconnect: calls that ended meanwhile go.
        const before = new Map(calls);
        calls.clear();
        for (const c of r.snapshot.calls) {
          const prev = before.get(String(c.call)) || {};
          calls.set(String(c.call), { number: prev.number || "", state: c.localConnectionState, rec: prev.rec });
        }
        renderCalls();
        for (const c of r.snapshot.calls) syncRecording(c.call);
        desk.dataset.monitor = String(r.monitorCrossRefId);
      } catch (e) { showError(e); }
    };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.kind === "response") {
        const p = pending.get(msg.invokeId);
        if (!p) return;
        pending.delete(msg.invokeId);
        if (msg.error) p.reject(new Error(msg.error)); else p.resolve(msg.result);
      } else if (msg.kind === "event") {
        onEvent(msg.report);
      } else if (msg.kind === "rejected") {
        showError(msg.error);
      }
    };
    ws.onclose = () => {
      $("cti-status").textContent = "CTI ✗";
      delete desk.dataset.monitor;
      for (const p of pending.values()) p.reject(new Error("CTI connection lost"));
      pending.clear();
      setTimeout(connect, 2000);
    };
  }

  // ---------------------------------------------------------------- web chat
  // The chat socket: offers appear in #chat-offers; an accepted chat gets its own box with
  // the transcript, a message field and close-with-disposition. The customer card pops for
  // the chat's customer. While the agent's phone rings or is on a call the server keeps the
  // agent out of chat routing ("one call or chats") and says so (state.on_call).
  let chatWs = null;
  function chatSend(m) { if (chatWs && chatWs.readyState === WebSocket.OPEN) chatWs.send(JSON.stringify(m)); }
  function chatLine(box, from, author, text) {
    const li = document.createElement("li");
    li.className = "chat-" + from;
    li.textContent = (author ? author + ": " : "") + text;
    box.querySelector("ol").appendChild(li);
  }
  function chatBox(msg) {
    let box = document.querySelector('#chat-list [data-chat="' + msg.chat + '"]');
    if (box) return box;
    box = document.createElement("div");
    box.className = "chat-conv"; box.dataset.chat = String(msg.chat);
    const h = document.createElement("h3");
    h.textContent = "Chat #" + msg.chat + " · " + (msg.name || "?") + (msg.email ? " · " + msg.email : "") + " · " + msg.queue;
    box.appendChild(h);
    box.appendChild(document.createElement("ol"));
    const typing = document.createElement("p"); typing.className = "chat-typing"; typing.hidden = true; typing.textContent = "typing…"; box.appendChild(typing);
    const f = document.createElement("form"); f.className = "chat-send";
    const input = document.createElement("input"); input.name = "text"; input.maxLength = 2000; input.autocomplete = "off";
    const b = document.createElement("button"); b.type = "submit"; b.textContent = "Send";
    f.append(input, b);
    let lastTyping = 0;
    input.addEventListener("input", () => { const n = Date.now(); if (n - lastTyping > 2000) { lastTyping = n; chatSend({ type: "typing", chat: msg.chat }); } });
    f.addEventListener("submit", (e) => { e.preventDefault(); if (input.value.trim()) { chatSend({ type: "send", chat: msg.chat, text: input.value }); input.value = ""; } });
    box.appendChild(f);
    const c = document.createElement("form"); c.className = "chat-close";
    const sel = document.createElement("select"); sel.name = "disposition";
    for (const d of ["resolved", "follow_up", "escalated", "spam"]) { const o = document.createElement("option"); o.value = d; o.textContent = d; sel.appendChild(o); }
    const notes = document.createElement("input"); notes.name = "notes"; notes.placeholder = "notes"; notes.maxLength = 2000;
    const cb = document.createElement("button"); cb.type = "submit"; cb.textContent = "Close chat";
    c.append(sel, notes, cb);
    c.addEventListener("submit", (e) => { e.preventDefault(); chatSend({ type: "close", chat: msg.chat, disposition: sel.value, notes: notes.value }); });
    box.appendChild(c);
    $("chat-list").appendChild(box);
    for (const l of msg.lines || []) chatLine(box, l.from, l.from === "system" ? "" : l.author, l.text);
    return box;
  }
  function chatOffer(msg) {
    const li = document.createElement("li");
    li.dataset.chat = String(msg.chat);
    li.textContent = "Chat from " + (msg.name || "?") + " (" + msg.queue + ") ";
    const acc = document.createElement("button"); acc.type = "button"; acc.dataset.op = "accept-chat"; acc.textContent = "Accept";
    acc.addEventListener("click", () => chatSend({ type: "accept", chat: msg.chat }));
    const dec = document.createElement("button"); dec.type = "button"; dec.textContent = "Decline";
    dec.addEventListener("click", () => chatSend({ type: "decline", chat: msg.chat }));
    li.append(acc, dec);
    $("chat-offers").appendChild(li);
  }
  function dropOffer(chat) { const li = document.querySelector('#chat-offers [data-chat="' + chat + '"]'); if (li) li.remove(); }
  async function chatPop(msg) {
    if (msg.customer == null) return;
    $("screen-pop").hidden = false;
    $("pop-number").textContent = msg.phone || msg.email || "";
    $("pop-queue").textContent = msg.queue || "";
    $("pop-ivr").replaceChildren();
    try { showCustomer(await api("GET", "/api/v1/desk/customers/" + msg.customer)); } catch (_) { showCustomer(null); }
  }
  function chatConnect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    chatWs = new WebSocket(proto + "//" + location.host + "/api/chat/v1/agent/ws");
    chatWs.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      $("chat-error").textContent = "";
      if (msg.type === "state") { $("chat-state").textContent = msg.ready ? "ready" : msg.on_call ? "not ready (on a call)" : "not ready"; desk.dataset.chatState = msg.ready ? "ready" : "notReady"; }
      else if (msg.type === "offer") chatOffer(msg);
      else if (msg.type === "withdrawn") dropOffer(msg.chat);
      else if (msg.type === "accepted") { dropOffer(msg.chat); chatBox(msg); chatPop(msg); }
      else if (msg.type === "message") { const box = chatBox(msg); box.querySelector(".chat-typing").hidden = true; chatLine(box, msg.from, msg.from === "agent" ? me : "", msg.text); }
      else if (msg.type === "typing") { const box = document.querySelector('#chat-list [data-chat="' + msg.chat + '"]'); if (box) { const t = box.querySelector(".chat-typing"); t.hidden = false; setTimeout(() => { t.hidden = true; }, 3000); } }
      else if (msg.type === "closed") { dropOffer(msg.chat); const box = document.querySelector('#chat-list [data-chat="' + msg.chat + '"]'); if (box) box.remove(); }
      else if (msg.type === "error") $("chat-error").textContent = msg.error;
    };
    chatWs.onopen = () => { desk.dataset.chat = "connected"; };
    chatWs.onclose = () => { delete desk.dataset.chat; setTimeout(chatConnect, 3000); };
  }
  $("chat-ready").addEventListener("click", () => chatSend({ type: "ready" }));
  $("chat-notready").addEventListener("click", () => chatSend({ type: "not_ready" }));
  chatConnect();
  connect();
})();

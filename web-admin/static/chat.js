// The customer's side of web chat (the /chat page, usually inside the iframe opened by
// chat-widget.js). Every text from the network is put in with textContent: no HTML.
"use strict";
(function () {
  const root = document.getElementById("chat");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  let ws = null;
  function line(from, text) {
    const li = document.createElement("li");
    li.className = "chat-" + from;
    li.textContent = text;
    $("chat-log").appendChild(li);
    li.scrollIntoView();
  }
  function status(t) { $("chat-status").textContent = t; }
  $("chat-start").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const q = new URLSearchParams({ queue: root.dataset.queue || "" });
    for (const k of ["name", "email", "phone"]) if (f.get(k)) q.set(k, f.get(k));
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/api/chat/v1/ws?" + q.toString());
    ws.onopen = () => { $("chat-start").hidden = true; $("chat-room").hidden = false; status("Connecting…"); };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === "queued") { root.dataset.chat = String(msg.chat); status(msg.position ? "Waiting for an agent (position " + msg.position + ")" : "Waiting for an agent"); }
      else if (msg.type === "joined") { root.dataset.state = "connected"; status("Agent " + msg.agent + " joined"); }
      else if (msg.type === "message") { $("chat-typing").hidden = true; line(msg.from, msg.text); }
      else if (msg.type === "typing") { $("chat-typing").hidden = false; setTimeout(() => { $("chat-typing").hidden = true; }, 3000); }
      else if (msg.type === "closed") { root.dataset.state = "closed"; status("Chat ended"); }
      else if (msg.type === "error") { $("chat-error").textContent = msg.error; }
    };
    ws.onclose = () => { if (root.dataset.state !== "closed") { root.dataset.state = "closed"; status("Chat ended"); } };
    ws.onerror = () => { $("chat-error").textContent = "Chat is not available right now."; };
  });
  let lastTyping = 0;
  $("chat-send").addEventListener("input", () => {
    const now = Date.now();
    if (ws && ws.readyState === WebSocket.OPEN && now - lastTyping > 2000) { lastTyping = now; ws.send(JSON.stringify({ type: "typing" })); }
  });
  $("chat-send").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = e.target.elements.text;
    const text = input.value;
    if (!text.trim() || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "send", text }));
    input.value = "";
  });
  $("chat-close").addEventListener("click", () => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "close" })); });
})();

// Embed web chat in any page:
//   <script src="https://APPLIANCE/static/chat-widget.js" data-queue="web" defer></script>
// Adds a "Chat" button; clicking it opens the appliance's /chat page in a small iframe.
"use strict";
(function () {
  const me = document.currentScript;
  if (!me) return;
  const base = new URL(me.src).origin;
  const queue = me.dataset.queue || "web";
  const btn = document.createElement("button");
  btn.type = "button";
  btn.id = "telco-chat-button";
  btn.textContent = me.dataset.label || "Chat";
  btn.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483647;padding:10px 16px;border-radius:20px;border:0;background:#1c5d99;color:#fff;font:14px sans-serif;cursor:pointer";
  let frame = null;
  btn.addEventListener("click", () => {
    if (frame) { frame.hidden = !frame.hidden; return; }
    frame = document.createElement("iframe");
    frame.id = "telco-chat-frame";
    frame.title = "Chat";
    frame.src = base + "/chat?queue=" + encodeURIComponent(queue);
    frame.style.cssText = "position:fixed;right:16px;bottom:64px;width:340px;height:460px;z-index:2147483647;border:1px solid #999;border-radius:8px;background:#fff";
    document.body.appendChild(frame);
  });
  document.body.appendChild(btn);
})();

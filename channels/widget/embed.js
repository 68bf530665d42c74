// One-line embed for partner sites: <script src="https://CHAT-HOST/widget/embed.js" defer></script>
// (optional data-lang="en"). Adds a chat button that opens the widget in an iframe from the chat
// host, and carries out the quick exit on the partner page too. Loads nothing else.
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "nl";
  var label = lang === "en" ? "Anonymous chat" : "Anonieme chat";
  var frame = null;

  var open = document.createElement("button");
  open.type = "button";
  open.textContent = label;
  open.setAttribute("aria-expanded", "false");
  open.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483646;padding:.7rem 1rem;" +
    "font:600 16px system-ui,sans-serif;color:#fff;background:#1d4f91;border:0;border-radius:2rem;min-height:44px;cursor:pointer";
  open.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = origin + "/widget?lang=" + lang;
      frame.title = label;
      frame.setAttribute("referrerpolicy", "no-referrer");
      frame.style.cssText = "position:fixed;right:1rem;bottom:4.5rem;z-index:2147483647;width:min(400px,calc(100vw - 2rem));" +
        "height:min(640px,calc(100vh - 6rem));border:1px solid #888;border-radius:.75rem;background:#fff";
      document.body.appendChild(frame);
      frame.focus();
    } else {
      frame.hidden = !frame.hidden;
    }
    open.setAttribute("aria-expanded", String(!frame.hidden));
  });
  document.body.appendChild(open);

  function leave(url) {
    document.documentElement.style.visibility = "hidden";
    document.body.innerHTML = "";
    window.location.replace(url);
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.type !== "exit-support:quick-exit") return;
    leave(event.data.url);
  });
  // Shift three times on the partner page itself, when the chat does not have the focus.
  var times = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat || !frame) return;
    var now = Date.now();
    times = times.filter(function (t) { return now - t < 1500; });
    times.push(now);
    if (times.length >= 3) frame.contentWindow.postMessage({ type: "exit-support:quick-exit-request" }, origin);
  });
})();

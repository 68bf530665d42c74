// One-line embed for partner sites: <script src="https://CHAT-HOST/widget/embed.js" defer></script>
// (optional data-lang="en"). Adds a chat button that opens the widget in an iframe from the chat
// host (full screen on phones), and carries out the quick exit on the partner page too. Loads
// nothing else and stores nothing on the partner's origin.
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "nl";
  var label = lang === "en" ? "Anonymous chat" : "Anonieme chat";
  var closeLabel = lang === "en" ? "Close chat" : "Sluit chat";
  // GOV.UK's "Exit this page" forgets the Shift presses after 5 s without one.
  var SHIFT_TIMEOUT_MS = 5000;
  var FLOATING = "position:fixed;right:1rem;bottom:4.5rem;z-index:2147483647;width:min(400px,calc(100vw - 2rem));" +
    "height:min(720px,calc(100vh - 6rem));border:1px solid #888;border-radius:.75rem;background:#fff";
  // On a phone the chat takes the whole screen: the answer's buttons and the input stay in view
  // without scrolling the page behind (the widget's × or the launcher closes it).
  var FULL_SCREEN = "position:fixed;top:0;left:0;z-index:2147483647;width:100%;height:100%;height:100dvh;" +
    "border:0;border-radius:0;background:#fff";
  var small = window.matchMedia("(max-width: 480px)");
  var frame = null;
  var pageOverflow = null;

  var open = document.createElement("button");
  open.type = "button";
  open.textContent = label;
  open.setAttribute("aria-expanded", "false");
  open.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483646;padding:.7rem 1rem;" +
    "font:600 16px system-ui,sans-serif;color:#fff;background:#1d4f91;border:0;border-radius:2rem;min-height:44px;cursor:pointer";

  function place() {
    if (!frame) return;
    var full = small.matches && !frame.hidden;
    frame.style.cssText = small.matches ? FULL_SCREEN : FLOATING;
    // The partner page must not scroll under a full-screen chat.
    if (full && pageOverflow === null) {
      pageOverflow = document.documentElement.style.overflow;
      document.documentElement.style.overflow = "hidden";
    } else if (!full && pageOverflow !== null) {
      document.documentElement.style.overflow = pageOverflow;
      pageOverflow = null;
    }
  }

  function show(visible) {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = origin + "/widget?lang=" + lang;
      frame.title = label;
      frame.setAttribute("referrerpolicy", "no-referrer");
      document.body.appendChild(frame);
    }
    frame.hidden = !visible;
    place();
    open.textContent = visible ? closeLabel : label;
    open.setAttribute("aria-expanded", String(visible));
    if (visible) frame.focus();
  }

  open.addEventListener("click", function () { show(!frame || frame.hidden); });
  document.body.appendChild(open);
  if (small.addEventListener) small.addEventListener("change", place);
  else if (small.addListener) small.addListener(place);  // Safari before 14

  function leave(url) {
    document.documentElement.style.visibility = "hidden";
    document.body.innerHTML = "";
    window.location.replace(url);
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow || !event.data) return;
    if (event.data.type === "exit-support:quick-exit") {
      leave(event.data.url);
    } else if (event.data.type === "exit-support:close") {
      show(false);
      open.focus();
    }
  });

  // Shift three times in a row on the partner page itself (when the chat does not have the focus),
  // with the widget's rule: any other key in between, Shift held for a capital letter, or 5 s
  // without a press starts the count again. The widget then carries out the exit.
  var count = 0;
  var forCapital = false;
  var timer = null;
  function reset() {
    count = 0;
    clearTimeout(timer);
    timer = null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") return;
    if (event.shiftKey) forCapital = true;
    reset();
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { reset(); return; }
    if (forCapital) { forCapital = false; reset(); return; }
    count += 1;
    clearTimeout(timer);
    timer = setTimeout(reset, SHIFT_TIMEOUT_MS);
    if (count >= 3 && frame) {
      reset();
      frame.contentWindow.postMessage({ type: "exit-support:quick-exit-request" }, origin);
    }
  });
})();

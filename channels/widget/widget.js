// The chat widget: talks to the gateway over a websocket, stores nothing on the device
// (no cookies, no storage; a reload starts a new conversation), and has a quick exit.
(function () {
  "use strict";
  var TEXT = {
    nl: { title: "Anonieme chat", language: "English", forget: "Wis gesprek", quickExit: "Snel weg",
          hint: "Snel weg: klik op de rode knop of druk 3 keer op Shift. Je browsergeschiedenis wordt niet gewist.",
          historyTitle: "Hoe wis ik mijn geschiedenis?",
          historyText: "Deze chat bewaart niets op je apparaat. Je browser onthoudt wel welke website je bezocht. Gebruik een privévenster, of wis je geschiedenis via het menu van je browser (Geschiedenis, Wissen).",
          typing: "Aan het typen…", inputLabel: "Je bericht", send: "Stuur", messages: "Berichten",
          offline: "De verbinding is weg. Ik probeer opnieuw te verbinden… In gevaar? Bel 112." },
    en: { title: "Anonymous chat", language: "Nederlands", forget: "Delete chat", quickExit: "Quick exit",
          hint: "Quick exit: click the red button or press Shift 3 times. Your browser history is not erased.",
          historyTitle: "How do I clear my history?",
          historyText: "This chat stores nothing on your device. Your browser does remember which website you visited. Use a private window, or clear your history in your browser's menu (History, Clear).",
          typing: "Typing…", inputLabel: "Your message", send: "Send", messages: "Messages",
          offline: "The connection was lost. Trying to reconnect… In danger? Call 112." }
  };
  var body = document.body;
  var quickExitUrl = body.getAttribute("data-quick-exit");
  var lang = body.getAttribute("data-lang") === "en" ? "en" : "nl";
  var messages = document.getElementById("messages");
  var typing = document.getElementById("typing");
  var input = document.getElementById("input");
  var socket = null;
  var session = null;
  var exited = false;

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = TEXT[lang][node.getAttribute("data-i18n")];
    });
    messages.setAttribute("aria-label", TEXT[lang].messages);
    document.getElementById("language").setAttribute("lang", lang === "nl" ? "en" : "nl");
  }

  function bubble(text, who) {
    var node = document.createElement("div");
    node.className = "bubble " + who;
    node.textContent = text;  // never HTML: answers and echoes are plain text
    messages.appendChild(node);
    node.scrollIntoView({ block: "end" });
  }

  function buttons(list) {
    if (!list || !list.length) return;
    var row = document.createElement("div");
    row.className = "buttons";
    list.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () {
        row.remove();
        send(b.payload, b.title);
      });
      row.appendChild(button);
    });
    messages.appendChild(row);
  }

  function send(text, shown) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (shown) bubble(shown, "user");
    typing.hidden = false;
    socket.send(JSON.stringify({ type: "message", text: text }));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/chat?lang=" + lang);
    socket.addEventListener("open", function () { send("/greet"); });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "session") { session = data.id; return; }
      if (data.type === "typing") { typing.hidden = false; return; }
      if (data.type === "bot") {
        typing.hidden = true;
        data.messages.forEach(function (m) {
          if (m.text) bubble(m.text, "bot");
          buttons(m.buttons);
        });
      }
    });
    socket.addEventListener("close", function () {
      if (exited) return;
      typing.hidden = true;
      bubble(TEXT[lang].offline, "bot");
      setTimeout(connect, 3000);
    });
  }

  function quickExit() {
    if (exited) return;
    exited = true;
    // Blank first, in the same frame: nothing of the chat stays on screen.
    document.documentElement.classList.add("blank");
    body.innerHTML = "";
    if (session && navigator.sendBeacon) navigator.sendBeacon("/api/v1/chat/end", session);
    if (socket) socket.close();
    try { window.parent.postMessage({ type: "exit-support:quick-exit", url: quickExitUrl }, "*"); } catch (e) {}
    try { window.top.location.replace(quickExitUrl); } catch (e) {}
    window.location.replace(quickExitUrl);
  }

  var shiftTimes = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) return;
    var now = Date.now();
    shiftTimes = shiftTimes.filter(function (t) { return now - t < 1500; });
    shiftTimes.push(now);
    if (shiftTimes.length >= 3) quickExit();
  });
  document.getElementById("quick-exit").addEventListener("click", quickExit);
  // Shift three times on the partner page (embed.js asks): harmless from anyone, so any origin.
  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "exit-support:quick-exit-request") quickExit();
  });
  document.getElementById("forget").addEventListener("click", function () {
    send("/forget_me", TEXT[lang].forget);
  });
  document.getElementById("language").addEventListener("click", function () {
    lang = lang === "nl" ? "en" : "nl";
    applyLanguage();
    send('/change_language{"language": "' + lang + '"}', TEXT[lang].title);
  });
  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });

  applyLanguage();
  connect();
})();

// The chat widget: talks to the gateway over a websocket and has a quick exit. On the device it
// keeps only the conversation token and the highest message id shown, in sessionStorage of its
// own origin (never cookies or localStorage), so a dropped connection or a reload resumes the
// same conversation. Quick exit and a deleted conversation ("Wis gesprek") wipe both.
(function () {
  "use strict";
  var TEXT = {
    nl: { title: "Anonieme chat", language: "English", forget: "Wis gesprek", quickExit: "Snel weg",
          close: "Sluit chat",
          hint: "Snel weg: klik op de rode knop of druk 3 keer op Shift. Je browsergeschiedenis wordt niet gewist.",
          historyTitle: "Hoe wis ik mijn geschiedenis?",
          historyText: "Deze chat bewaart alleen een code in dit tabblad, zodat je gesprek niet kwijtraakt als de verbinding even wegvalt. Snel weg en Wis gesprek wissen die code. Je browser onthoudt wel welke website je bezocht. Gebruik een privévenster, of wis je geschiedenis via het menu van je browser (Geschiedenis, Wissen).",
          typing: "Aan het typen…", inputLabel: "Je bericht", placeholder: "Typ je bericht…", send: "Stuur",
          messages: "Berichten",
          you: "Jij", assistant: "Assistent", worker: "PMW'er", notice: "Melding",
          automatic: "Automatisch bericht van de assistent",
          cleared: "Je gesprek is gewist. Hieronder begint een nieuw gesprek.",
          pressMore: ["", "Shift: druk nog 2 keer om snel weg te gaan.", "Shift: druk nog 1 keer om snel weg te gaan."],
          offline: "De verbinding is weg. Ik probeer opnieuw te verbinden… In gevaar? Bel 112." },
    en: { title: "Anonymous chat", language: "Nederlands", forget: "Delete chat", quickExit: "Quick exit",
          close: "Close chat",
          hint: "Quick exit: click the red button or press Shift 3 times. Your browser history is not erased.",
          historyTitle: "How do I clear my history?",
          historyText: "This chat only keeps a code in this tab, so your conversation is not lost if the connection drops for a moment. Quick exit and Delete chat erase that code. Your browser does remember which website you visited. Use a private window, or clear your history in your browser's menu (History, Clear).",
          typing: "Typing…", inputLabel: "Your message", placeholder: "Type your message…", send: "Send",
          messages: "Messages",
          you: "You", assistant: "Assistant", worker: "PMW worker", notice: "Notice",
          automatic: "Automatic message from the assistant",
          cleared: "Your chat has been deleted. A new chat starts below.",
          pressMore: ["", "Shift: press 2 more times to exit quickly.", "Shift: press 1 more time to exit quickly."],
          offline: "The connection was lost. Trying to reconnect… In danger? Call 112." }
  };
  var STORED_SESSION = "exit-support:session";
  var STORED_LAST = "exit-support:last";
  var RETRY_FIRST_MS = 1000;
  var RETRY_MAX_MS = 15000;
  // GOV.UK's "Exit this page" forgets the Shift presses after 5 s without one.
  var SHIFT_TIMEOUT_MS = 5000;

  var body = document.body;
  var quickExitUrl = body.getAttribute("data-quick-exit");
  var lang = body.getAttribute("data-lang") === "en" ? "en" : "nl";
  var messages = document.getElementById("messages");
  var typing = document.getElementById("typing");
  var input = document.getElementById("input");
  var statusBar = document.getElementById("status");
  var socket = null;
  var session = stored(STORED_SESSION);
  var lastId = Number(stored(STORED_LAST)) || 0;
  var shown = {};  // ids of the messages on this screen
  var exited = false;
  var retryDelay = RETRY_FIRST_MS;
  var retryTimer = null;
  var offlineShown = false;
  var stickToEnd = true;
  var lastPointer = "";

  // sessionStorage can throw (blocked storage in an iframe); the chat then works without resuming.
  function stored(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { window.sessionStorage.setItem(key, String(value)); } catch (e) { /* memory only */ }
  }
  function forgetStored() {
    try {
      window.sessionStorage.removeItem(STORED_SESSION);
      window.sessionStorage.removeItem(STORED_LAST);
    } catch (e) { /* nothing stored */ }
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = TEXT[lang][node.getAttribute("data-i18n")];
    });
    document.querySelectorAll("[data-i18n-label]").forEach(function (node) {
      node.setAttribute("aria-label", TEXT[lang][node.getAttribute("data-i18n-label")]);
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", TEXT[lang][node.getAttribute("data-i18n-placeholder")]);
    });
    messages.setAttribute("aria-label", TEXT[lang].messages);
    document.getElementById("language").setAttribute("lang", lang === "nl" ? "en" : "nl");
  }

  // Dutch phone numbers as the answers write them: 112 and 113; 0800/0900 numbers (4 or 7 digits
  // after the prefix); other numbers of 10 digits that start with 0 (033 448 11 86, 088-123 65 55,
  // 06-12345678); +31 numbers. Years, amounts (€ 1.369,06) and dates (01-01-2026) have none of
  // these shapes. No lookbehind: older Safari cannot parse it, and then no script runs at all.
  var PHONE = new RegExp(
    "(?:\\+31[ \\u00a0-]?(?:\\(0\\)[ \\u00a0-]?)?[1-9](?:[ \\u00a0-]?\\d){8}" +
    "|0[89]0\\d(?:[ \\u00a0-]?\\d){7}|0[89]0\\d(?:[ \\u00a0-]?\\d){4}" +
    "|0[1-9](?:[ \\u00a0-]?\\d){8}|11[23])(?![\\dA-Za-z]|[.,-]\\d|\\.[A-Za-z])", "g");
  var NOT_BEFORE_PHONE = /(?:[\w+€.,\/-]|€\s)$/;

  // The text cut into pieces; a piece with `tel` is a phone number.
  function phoneParts(text) {
    var parts = [];
    var from = 0;
    var match;
    PHONE.lastIndex = 0;
    while ((match = PHONE.exec(text)) !== null) {
      if (NOT_BEFORE_PHONE.test(text.slice(Math.max(0, match.index - 2), match.index))) {
        PHONE.lastIndex = match.index + 1;
        continue;
      }
      if (match.index > from) parts.push({ text: text.slice(from, match.index) });
      var digits = match[0].replace("(0)", "").replace(/[^\d+]/g, "");
      parts.push({ text: match[0], tel: digits });
      from = PHONE.lastIndex;
    }
    if (from < text.length) parts.push({ text: text.slice(from) });
    return parts;
  }
  // For the browser tests of the matcher.
  window.exitSupport = Object.freeze({ phoneParts: phoneParts });

  function fillWithPhoneLinks(node, text) {
    phoneParts(text).forEach(function (part) {
      if (!part.tel) {
        node.appendChild(document.createTextNode(part.text));
        return;
      }
      var link = document.createElement("a");
      link.href = "tel:" + part.tel;
      link.textContent = part.text;
      node.appendChild(link);
    });
  }

  function kindOf(m) {
    if (m.sender === "worker") return "worker";
    if (m.sender === "notice") return "notice";
    return m.automatic ? "automatic" : "assistant";
  }

  // Who speaks, said before every message (screen readers) and shown where colour alone would tell.
  function speaker(kind, name) {
    var t = TEXT[lang];
    var named = typeof name === "string" && name.trim() ? name.trim() : "";
    if (kind === "user") return { spoken: t.you };
    if (kind === "worker") {
      return { spoken: named ? named + " (" + t.worker + ")" : t.worker,
               shown: named ? named + " · " + t.worker : t.worker };
    }
    if (kind === "notice") return { spoken: t.notice };
    if (kind === "automatic") return { spoken: t.automatic, shown: t.automatic };
    return { spoken: t.assistant };
  }

  var BUBBLE_CLASS = { user: "bubble user", assistant: "bubble bot", automatic: "bubble bot automatic",
                       worker: "bubble bot worker", notice: "bubble bot notice" };

  function addMessage(text, kind, name) {
    var who = speaker(kind, name);
    var item = document.createElement("div");
    item.className = "message from-" + kind;
    var prefix = document.createElement("span");
    prefix.className = "visually-hidden";
    prefix.textContent = who.spoken + ": ";
    item.appendChild(prefix);
    if (who.shown) {
      var label = document.createElement("div");
      label.className = "sender";
      label.setAttribute("aria-hidden", "true");  // the prefix already says it
      label.textContent = who.shown;
      item.appendChild(label);
    }
    var node = document.createElement("div");
    node.className = BUBBLE_CLASS[kind];
    // Never HTML: answers and echoes are plain text; only phone numbers become links.
    if (kind === "user") node.textContent = text;
    else fillWithPhoneLinks(node, String(text));
    item.appendChild(node);
    messages.appendChild(item);
  }

  function scrollToEnd() {
    // The log's own scroll, to the end: the newest bubble and its buttons, never the page behind.
    messages.scrollTop = messages.scrollHeight;
    stickToEnd = true;
  }

  function removeButtonRows() {
    var hadFocus = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest(".buttons");
    messages.querySelectorAll(".buttons").forEach(function (row) { row.remove(); });
    if (hadFocus) input.focus({ preventScroll: true });
  }

  function afterReplyButton() {
    // A tap on a phone would pop up the keyboard over the next answer's buttons: the log
    // takes the focus then; otherwise the input, ready for typing.
    if (lastPointer === "touch") messages.focus({ preventScroll: true });
    else input.focus({ preventScroll: true });
    lastPointer = "";
  }

  function buttons(list) {
    if (!list || !list.length) return;
    var row = document.createElement("div");
    row.className = "buttons";
    list.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; });
      button.addEventListener("click", function () {
        if (!send(b.payload, b.title)) return;
        row.remove();
        afterReplyButton();
      });
      row.appendChild(button);
    });
    messages.appendChild(row);
  }

  function isOpen() {
    return socket !== null && socket.readyState === WebSocket.OPEN;
  }

  // Typed while the connection was gone (a tunnel, a locked phone): shown at once and sent, in
  // order, as soon as the conversation is back, so nothing the user wrote is lost.
  var outbox = [];

  function send(text, shownText, keepIfOffline) {
    if (!isOpen()) {
      if (!keepIfOffline) return false;
      addMessage(shownText, "user");
      outbox.push(text);
      scrollToEnd();
      return true;
    }
    if (shownText) addMessage(shownText, "user");
    typing.hidden = false;
    scrollToEnd();
    socket.send(JSON.stringify({ type: "message", text: text }));
    return true;
  }

  function showBotMessages(list) {
    typing.hidden = true;
    var fresh = (list || []).filter(function (m) {
      return m && !(m.id !== undefined && m.id !== null && shown[String(m.id)]);
    });
    // A new answer (or a notice with its own buttons) makes older buttons stale: they leave the
    // log and the tab order. A worker's line keeps them ("Gesprek beëindigen" must stay).
    var replaces = fresh.some(function (m) {
      var kind = kindOf(m);
      return kind === "assistant" || (kind === "notice" && m.buttons && m.buttons.length);
    });
    if (replaces) removeButtonRows();
    fresh.forEach(function (m) {
      if (m.id !== undefined && m.id !== null) {
        shown[String(m.id)] = true;
        var id = Number(m.id);
        if (isFinite(id) && id > lastId) {
          lastId = id;
          store(STORED_LAST, lastId);
        }
      }
      if (m.text) addMessage(m.text, kindOf(m), m.name);
      buttons(m.buttons);
    });
    scrollToEnd();
  }

  function setStatus(state, text) {
    var active = (state === "waiting" || state === "live") && typeof text === "string";
    statusBar.className = "status" + (state === "live" ? " live" : "");
    statusBar.textContent = active ? text : "";
  }

  function startedConversation(token, resumed) {
    session = token;
    store(STORED_SESSION, token);
    retryDelay = RETRY_FIRST_MS;
    offlineShown = false;
    // No `resumed` (a server that does not resume yet) is a new conversation too.
    if (resumed !== true) {
      lastId = 0;
      shown = {};
      try { window.sessionStorage.removeItem(STORED_LAST); } catch (e) { /* nothing stored */ }
      send("/greet");
    }
    while (outbox.length && isOpen()) {
      typing.hidden = false;
      socket.send(JSON.stringify({ type: "message", text: outbox.shift() }));
    }
  }

  function cleared() {
    // The server deleted the conversation: nothing of it stays on screen or in the tab.
    messages.textContent = "";
    setStatus("none");
    typing.hidden = true;
    forgetStored();
    session = null;
    lastId = 0;
    shown = {};
    var old = socket;
    socket = null;
    if (old) old.close();
    addMessage(TEXT[lang].cleared, "notice");
    if (document.activeElement === document.body) input.focus({ preventScroll: true });
    connect(false);
  }

  function receive(data) {
    if (!data || typeof data !== "object") return;
    if (data.type === "session" && typeof data.id === "string") startedConversation(data.id, data.resumed);
    else if (data.type === "typing") { typing.hidden = false; if (stickToEnd) scrollToEnd(); }
    else if (data.type === "bot") showBotMessages(data.messages);
    else if (data.type === "status") setStatus(data.state, data.text);
    else if (data.type === "cleared") cleared();
  }

  function dropped() {
    typing.hidden = true;
    if (!offlineShown) {  // once per drop, not once per attempt
      offlineShown = true;
      addMessage(TEXT[lang].offline, "notice");
      scrollToEnd();
    }
    retryTimer = setTimeout(function () { connect(false); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  // fresh: the screen is empty (a reload), so the server also sends what was shown before.
  function connect(fresh) {
    clearTimeout(retryTimer);
    retryTimer = null;
    var query = "lang=" + lang;
    if (session) {
      query += "&session=" + encodeURIComponent(session) + "&last=" + lastId + (fresh ? "&fresh=1" : "");
    }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/ws/chat?" + query);
    socket = ws;
    ws.addEventListener("message", function (event) {
      if (ws !== socket) return;
      var data = null;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      receive(data);
    });
    ws.addEventListener("close", function () {
      if (ws !== socket || exited) return;
      dropped();
    });
  }

  function retryNow() {
    if (retryTimer !== null && !exited) connect(false);
  }

  function quickExit() {
    if (exited) return;
    exited = true;
    // Blank first, in the same frame: nothing of the chat stays on screen.
    document.documentElement.classList.add("blank");
    body.innerHTML = "";
    clearTimeout(retryTimer);
    if (session && navigator.sendBeacon) navigator.sendBeacon("/api/v1/chat/end", session);
    session = null;
    try { window.sessionStorage.clear(); } catch (e) { /* nothing stored */ }
    if (socket) socket.close();
    try { window.parent.postMessage({ type: "exit-support:quick-exit", url: quickExitUrl }, "*"); } catch (e) {}
    try { window.top.location.replace(quickExitUrl); } catch (e) {}
    window.location.replace(quickExitUrl);
  }

  // Shift pressed three times in a row, as GOV.UK's "Exit this page": any other key in between,
  // Shift held for a capital letter, or 5 s without a press starts the count again.
  var shiftCount = 0;
  var shiftForCapital = false;
  var shiftTimer = null;
  var presses = document.getElementById("exit-presses");
  var announce = document.getElementById("exit-announce");

  function showPresses(count) {
    presses.classList.toggle("counting", count > 0);
    presses.querySelectorAll("i").forEach(function (light, index) {
      light.classList.toggle("on", index < count);
    });
    announce.textContent = TEXT[lang].pressMore[count] || "";
  }
  function resetShift() {
    clearTimeout(shiftTimer);
    shiftTimer = null;
    if (shiftCount) {
      shiftCount = 0;
      showPresses(0);
    }
  }
  document.addEventListener("keydown", function (event) {
    lastPointer = "";
    if (event.key === "Shift") return;
    if (event.shiftKey) shiftForCapital = true;
    resetShift();
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      resetShift();
      return;
    }
    if (shiftForCapital) {
      shiftForCapital = false;
      resetShift();
      return;
    }
    shiftCount += 1;
    if (shiftCount >= 3) {
      resetShift();
      quickExit();
      return;
    }
    clearTimeout(shiftTimer);
    shiftTimer = setTimeout(resetShift, SHIFT_TIMEOUT_MS);
    showPresses(shiftCount);
  });

  document.getElementById("quick-exit").addEventListener("click", quickExit);
  // The partner page counted three Shifts (embed.js asks). Only the page embedding the widget may
  // ask, and only from a site allowed to embed it (WIDGET_ALLOWED_ORIGINS, a CSP frame-ancestors
  // list the server puts in data-embedders): an ad or another script's frame on that page must
  // not end someone's conversation and navigate them away.
  var embedders = (body.getAttribute("data-embedders") || "").split(/\s+/).filter(Boolean);
  function defaultPort(scheme) { return scheme === "https" ? "443" : "80"; }
  function allowedBy(source, origin) {
    if (source === "'self'") return origin === window.location.origin;
    if (source === "*") return /^https?:\/\//.test(origin);
    if (/^[a-z][a-z0-9+.-]*:$/i.test(source)) return origin.indexOf(source.toLowerCase() + "//") === 0;
    var part = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^\/:*]+)(?::(\d+|\*))?(?:\/.*)?$/i.exec(source);
    var url;
    try { url = new URL(origin); } catch (e) { return false; }
    if (!part || origin === "null") return false;
    var scheme = url.protocol.slice(0, -1);
    var ownScheme = window.location.protocol.slice(0, -1);
    // No scheme in the source: the widget's own, or https (CSP's rule).
    if (part[1] ? part[1].toLowerCase() !== scheme : !(scheme === ownScheme || scheme === "https")) return false;
    var host = part[3].toLowerCase();
    if (part[2] ? url.hostname.slice(-host.length - 1) !== "." + host : url.hostname !== host) return false;
    return part[4] === "*" || (part[4] || defaultPort(scheme)) === (url.port || defaultPort(scheme));
  }
  window.addEventListener("message", function (event) {
    if (!event.data || event.data.type !== "exit-support:quick-exit-request") return;
    if (window.parent === window || event.source !== window.parent) return;
    if (embedders.some(function (source) { return allowedBy(source, event.origin); })) quickExit();
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
    if (send(text, text, true)) input.value = "";
  });
  if (window.parent !== window) {
    // Embedded: the × hides the widget (embed.js does it); the launcher opens it again.
    var close = document.getElementById("close");
    close.hidden = false;
    close.addEventListener("click", function () {
      window.parent.postMessage({ type: "exit-support:close" }, "*");
    });
  }
  messages.addEventListener("scroll", function () {
    stickToEnd = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  });
  // The phone's keyboard opening shrinks the log: keep the newest message in view.
  window.addEventListener("resize", function () { if (stickToEnd) scrollToEnd(); });
  // Back online or back in the tab (a locked phone): no need to wait for the backoff.
  window.addEventListener("online", retryNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") retryNow();
  });

  applyLanguage();
  connect(Boolean(session));
})();

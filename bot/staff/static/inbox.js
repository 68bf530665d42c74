// The staff inbox in the browser. The queue: live refresh, waiting times, a title badge and opt-in
// alerts (sound, notification) for new handovers. An opened handover: live messages in a box of
// their own, the composer (Enter sends), ending with a confirm step, the user's presence.
// Text is always inserted with textContent, never as HTML.
(function () {
  "use strict";
  var page = document.body.dataset.page;
  if (page !== "queue" && page !== "handover") return;
  var id = document.body.dataset.id;
  var senders = { user: "Gebruiker", worker: "Hulpverlener", notice: "Melding",
                  assistant: "Assistent (automatisch)", system: "Melding (alleen voor jou)" };
  // Only in this tab's sessionStorage on the staff origin; nothing about users is kept there.
  var ALERTS_KEY = "inbox.alerts";  // "on": sound and notification for new handovers
  var UNSEEN_KEY = "inbox.unseen";  // new handovers since the worker last looked at the page
  // Staff read Dutch time, whatever zone the computer is set to (the server renders the same).
  var clock = new Intl.DateTimeFormat("nl-NL", { timeZone: "Europe/Amsterdam", hour: "2-digit",
                                                 minute: "2-digit", hourCycle: "h23" });

  // Reloads and fetches the page makes by itself (not the worker) are marked, so they do not
  // count as activity: an unattended inbox is still logged out after the idle time.
  var AUTOMATIC = "auto";

  function autoReload() {
    var url = new URL(location.href);
    url.searchParams.set(AUTOMATIC, "1");
    location.replace(url.toString());
  }

  (function forgetAutomaticMark() {
    // The mark is for the one automatic load: the worker's own reload (F5) counts again.
    var url = new URL(location.href);
    if (!url.searchParams.has(AUTOMATIC)) return;
    url.searchParams.delete(AUTOMATIC);
    history.replaceState(history.state, "", url.toString());
  })();

  function parseTime(iso) {
    // Stored in UTC; SQLite hands times back without a zone, and JavaScript would read those as
    // the browser's local time. More than milliseconds is not valid for Date either.
    var text = String(iso || "").replace(/(\.\d{3})\d+/, "$1");
    if (!/(Z|[+-]\d\d:?\d\d)$/i.test(text)) text += "Z";
    return new Date(text);
  }

  function dutchTime(iso) {
    var moment = parseTime(iso);
    return isNaN(moment.getTime()) ? "" : clock.format(moment);
  }

  function stored(key) {
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }

  function store(key, value) {
    try {
      if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value);
    } catch (e) { /* storage switched off: the alert still works until the next reload */ }
  }

  // ---- The queue ----

  var baseTitle = document.title;

  function showBadge() {
    var count = Number(stored(UNSEEN_KEY)) || 0;
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }

  function seen() {
    if (stored(UNSEEN_KEY) === null) return;
    store(UNSEEN_KEY, null);
    showBadge();
  }

  var audio = null;

  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!audio) audio = new Context();
    // Browsers let a page play sound only after a click or key press on it.
    if (audio.state === "suspended") audio.resume();
    return audio;
  }

  function chime() {
    // A short two-tone chime made here, so there is no sound file to fetch.
    var context = audioContext();
    if (!context) return;
    var start = context.currentTime + 0.02;
    [880, 660].forEach(function (frequency, index) {
      var tone = context.createOscillator();
      var volume = context.createGain();
      var at = start + index * 0.18;
      tone.type = "sine";
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, at);
      volume.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      tone.connect(volume);
      volume.connect(context.destination);
      tone.start(at);
      tone.stop(at + 0.17);
    });
  }

  function regionName(regionId) {
    var items = document.querySelectorAll("#region-names li");
    for (var i = 0; i < items.length; i++) {
      if (items[i].dataset.region === regionId) return items[i].textContent;
    }
    return regionId || "jouw regio";
  }

  function notify(event) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      // Region and urgency only: a notification can show on a locked or shared screen.
      var shown = new Notification("Nieuwe overdracht in " + regionName(event.region_id), {
        body: event.urgent ? "urgent" : "", tag: "handover-" + event.handover_id });
      shown.onclick = function () { window.focus(); shown.close(); };
    } catch (e) { /* e.g. Chrome on Android shows notifications only from a service worker */ }
  }

  function setUpAlerts() {
    var button = document.getElementById("alerts");
    var state = document.getElementById("alerts-state");
    if (!button) return;
    function render() {
      var on = stored(ALERTS_KEY) === "on";
      button.textContent = on ? "Meldingen uitzetten" : "Meldingen aanzetten";
      if (!on) {
        state.textContent = "";
      } else if ("Notification" in window && Notification.permission === "granted") {
        state.textContent = "Meldingen staan aan: bij een nieuwe overdracht hoor je een geluid en krijg je een melding.";
      } else {
        state.textContent = "Geluid staat aan. De browser laat geen meldingen zien; " +
          "dat kun je aanzetten in de instellingen van de browser.";
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (stored(ALERTS_KEY) === "on") {
        store(ALERTS_KEY, null);
        render();
        return;
      }
      store(ALERTS_KEY, "on");
      chime();  // now, in the click: it unlocks sound for this page, and the worker hears it once
      if ("Notification" in window && Notification.permission === "default") {
        var asked = Notification.requestPermission(render);
        if (asked && asked.then) asked.then(render, render);
      }
      render();
    });
    render();
  }

  function waited(since) {
    var minutes = Math.max(0, Math.floor((Date.now() - parseTime(since).getTime()) / 60000));
    if (isNaN(minutes)) return "";
    if (minutes < 1) return "wacht < 1 min";
    if (minutes < 60) return "wacht " + minutes + " min";
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return "wacht " + hours + " u " + (minutes % 60) + " min";
    var days = Math.floor(hours / 24);
    return "wacht " + days + (days === 1 ? " dag" : " dagen");
  }

  function showWaits() {
    var cells = document.querySelectorAll(".waited[data-since]");
    for (var i = 0; i < cells.length; i++) cells[i].textContent = waited(cells[i].dataset.since);
  }

  var arrived = {};  // handover ids that came in while this page was open: marked in the list
  var refreshing = false;
  var again = false;

  function markArrived() {
    var rows = document.querySelectorAll("#queue tr[data-id]");
    for (var i = 0; i < rows.length; i++) {
      if (arrived[rows[i].dataset.id]) rows[i].classList.add("new");
    }
  }

  function refreshQueue() {
    // The list is fetched and swapped in rather than the page reloaded, so sound still plays
    // (a reloaded page may not play sound until it is clicked) and the badge count survives.
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch("/staff/", { credentials: "same-origin",
                       headers: { Accept: "text/html", "X-Automatic-Refresh": "1" } })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("reload");  // e.g. logged out
        return response.text();
      })
      .then(function (html) {
        // Our own server-rendered (autoescaped) page; the CSP allows no inline script.
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue-list");
        var current = document.getElementById("queue-list");
        if (!fresh || !current) throw new Error("reload");
        current.replaceWith(document.adoptNode(fresh));
        markArrived();
        showWaits();
      })
      .catch(function () { autoReload(); })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refreshQueue(); }
      });
  }

  function onQueueEvent(event) {
    if (event.action === "new") {
      arrived[String(event.handover_id)] = true;
      store(UNSEEN_KEY, String((Number(stored(UNSEEN_KEY)) || 0) + 1));
      showBadge();
      if (stored(ALERTS_KEY) === "on") {
        chime();
        notify(event);
      }
    }
    refreshQueue();
  }

  // ---- An opened handover ----

  function shown(messageId) {
    return document.querySelector('#messages li[data-id="' + messageId + '"]') !== null;
  }

  function toBottom(list) {
    list.scrollTop = list.scrollHeight;
  }

  function append(message) {
    var list = document.getElementById("messages");
    if (!list || shown(message.id)) return;
    // Follow the conversation, unless the worker scrolled up to read back.
    var following = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var item = document.createElement("li");
    item.className = "msg " + message.sender + (message.crisis ? " crisis" : "");
    item.dataset.id = message.id;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = senders[message.sender] || message.sender;
    item.appendChild(who);
    if (message.crisis) {
      var tag = document.createElement("span");
      tag.className = "tag urgent";
      tag.textContent = "crisiswoorden";
      item.appendChild(document.createTextNode(" "));
      item.appendChild(tag);
    }
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = message.text;
    item.appendChild(text);
    var time = document.createElement("time");
    time.textContent = dutchTime(message.at);
    item.appendChild(time);
    list.appendChild(item);
    if (following || message.sender === "worker") toBottom(list);
  }

  function showPresence(event) {
    var line = document.getElementById("presence");
    if (!line || (event.state !== "online" && event.state !== "offline")) return;
    line.dataset.state = event.state;
    line.dataset.since = event.since || "";
    if (event.state === "online") {
      line.textContent = "De gebruiker is verbonden.";
    } else {
      // The same words as the server renders (handover.html), so a reload changes nothing.
      var since = event.since ? dutchTime(event.since) : "";
      var days = line.dataset.retention;
      line.textContent = "De gebruiker is niet verbonden" + (since ? " sinds " + since : "") +
        ". Je berichten wachten tot de gebruiker terug is" +
        (days ? " (het gesprek wordt " + days + " dagen na het laatste bericht gewist)." : ".");
    }
  }

  function setUpComposer() {
    var form = document.getElementById("send");
    if (!form) return;
    var field = form.querySelector("textarea");
    var hint = document.getElementById("send-hint");
    var sending = false;
    if (hint) hint.hidden = false;

    function send() {
      var text = field.value;
      if (!text.trim() || sending) return;
      sending = true;
      fetch("/api/v1/staff/handovers/" + encodeURIComponent(id) + "/messages", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": document.body.dataset.csrf },
        body: JSON.stringify({ text: text })
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (message) {
        sending = false;
        // Only what was sent: the worker may have typed on meanwhile.
        field.value = field.value.indexOf(text) === 0 ? field.value.slice(text.length) : field.value;
        append(message);
        field.focus();
      }).catch(function () { form.submit(); });  // the plain form post shows the reason
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
    field.addEventListener("keydown", function (event) {
      // Shift+Enter keeps its new line; Enter while an input method composes a word is not ours.
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      send();
    });
  }

  function setUpEnding() {
    var end = document.getElementById("end");
    var ask = document.getElementById("end-confirm");
    var no = document.getElementById("end-no");
    if (!end || !ask || !no) return;
    end.addEventListener("click", function (event) {
      event.preventDefault();
      end.hidden = true;
      ask.hidden = false;
      no.focus();  // the safe answer has the focus
    });
    no.addEventListener("click", function () {
      ask.hidden = true;
      end.hidden = false;
      end.focus();
    });
  }

  // ---- The socket ----

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/staff/ws" +
      (page === "handover" ? "?handover=" + encodeURIComponent(id) : "");
    var socket = new WebSocket(url);
    var opened = false;
    socket.onopen = function () { opened = true; document.body.dataset.live = "1"; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.kind === "message" && page === "handover" && String(data.handover_id) === id) {
        append(data.message);
      } else if (data.kind === "presence" && page === "handover" && String(data.handover_id) === id) {
        showPresence(data);
      } else if (data.kind === "handover") {
        if (page === "queue") onQueueEvent(data);
        else if (String(data.handover_id) === id) autoReload();
      }
    };
    // After a drop, the page reloads: it shows everything stored meanwhile.
    socket.onclose = function () { if (opened) setTimeout(function () { autoReload(); }, 2000); };
  }

  if (page === "queue") {
    showBadge();
    setUpAlerts();
    showWaits();
    setInterval(showWaits, 60000);
    // Looking at the page again clears the badge; a click or key also unlocks sound.
    window.addEventListener("focus", seen);
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, function () {
        seen();
        if (stored(ALERTS_KEY) === "on") audioContext();
      });
    });
  } else {
    var list = document.getElementById("messages");
    if (list) toBottom(list);
    var presence = document.getElementById("presence");
    if (presence && !presence.textContent.trim() && presence.dataset.state) {
      showPresence({ state: presence.dataset.state, since: presence.dataset.since });
    }
    setUpComposer();
    setUpEnding();
  }
  connect();
})();

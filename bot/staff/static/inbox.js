// The staff inbox's live updates. Text is always inserted with textContent, never as HTML.
(function () {
  "use strict";
  var page = document.body.dataset.page;
  if (page !== "queue" && page !== "handover") return;
  var id = document.body.dataset.id;
  var senders = { user: "Gebruiker", worker: "Hulpverlener", notice: "Melding" };

  function shown(messageId) {
    return document.querySelector('#messages li[data-id="' + messageId + '"]') !== null;
  }

  function append(message) {
    var list = document.getElementById("messages");
    if (!list || shown(message.id)) return;
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
    time.textContent = new Date(message.at).toTimeString().slice(0, 5);
    item.appendChild(time);
    list.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/staff/ws" +
      (page === "handover" ? "?handover=" + encodeURIComponent(id) : "");
    var socket = new WebSocket(url);
    var opened = false;
    socket.onopen = function () { opened = true; document.body.dataset.live = "1"; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.kind === "message") {
        append(data.message);
      } else if (data.kind === "handover") {
        if (page === "queue" || String(data.handover_id) === id) location.reload();
      }
    };
    // After a drop, the page reloads: it shows everything stored meanwhile.
    socket.onclose = function () { if (opened) setTimeout(function () { location.reload(); }, 2000); };
  }

  var form = document.getElementById("send");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var field = form.querySelector("textarea");
      var text = field.value;
      if (!text.trim()) return;
      fetch("/api/v1/staff/handovers/" + encodeURIComponent(id) + "/messages", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": document.body.dataset.csrf },
        body: JSON.stringify({ text: text })
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (message) {
        field.value = "";
        append(message);
      }).catch(function () { form.submit(); });  // the plain form post shows the reason
    });
  }
  connect();
})();

// The training page's progress: while a retrain runs, its status is fetched every 2 s and shown.
// Text is always inserted with textContent, never as HTML. An idle page does not poll, so it
// cannot keep a staff session alive on its own.
(function () {
  "use strict";
  if (document.body.dataset.page !== "training") return;
  var panel = document.getElementById("retrain");
  if (!panel || panel.dataset.running !== "true") return;
  var POLL_MS = 2000;

  function show(id, text) {
    var element = document.getElementById(id);
    if (element) element.textContent = text;
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleString("nl-NL") : "–";
  }

  function poll() {
    fetch("/staff/training/status", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (status) {
        show("retrain-phase", status.label);
        show("retrain-message", status.message || "–");
        show("retrain-started", time(status.started_at));
        show("retrain-finished", time(status.finished_at));
        var button = panel.querySelector("button[type=submit]");
        if (button) button.disabled = status.running;
        if (status.running) window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        show("retrain-message", "De stand kon niet opgehaald worden; herlaad de pagina.");
      });
  }

  window.setTimeout(poll, POLL_MS);
})();

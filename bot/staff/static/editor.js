// The content editor's live preview: the answer as a chat bubble with its buttons, as the widget
// shows it, in the chosen language. Text is always inserted with textContent, never as HTML.
(function () {
  "use strict";
  if (document.body.dataset.page !== "editor-answer") return;
  var form = document.getElementById("answer");
  var choice = document.getElementById("preview-language");
  var bubble = document.getElementById("preview-text");
  var row = document.getElementById("preview-buttons");

  function value(name) {
    var field = form.elements[name];
    return field ? field.value.trim() : "";
  }

  function render() {
    var language = choice.value;
    var fallback = value("fallback");
    var text = value("text_" + language) || (fallback ? value("text_" + fallback) : "");
    bubble.textContent = text || "(geen tekst)";
    while (row.firstChild) row.removeChild(row.firstChild);
    var rows = parseInt(value("button_rows"), 10) || 0;
    for (var i = 0; i < rows; i++) {
      var removed = form.elements["b" + i + "_remove"];
      var title = value("b" + i + "_title_" + language);
      if (!title || (removed && removed.checked)) continue;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = title;
      row.appendChild(button);
    }
    document.querySelectorAll(".count").forEach(function (count) {
      count.textContent = String(value(count.dataset.for).length);
    });
  }

  form.addEventListener("input", render);
  form.addEventListener("change", render);
  choice.addEventListener("change", render);
  render();
})();

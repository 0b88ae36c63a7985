// The contributor's pages: a small rich-text editor over the body's text area (the server
// sanitizes whatever it receives), the repost fields shown only for reposts, and a
// confirmation before withdrawing.
(function () {
  "use strict";

  function editor(textarea) {
    var toolbar = textarea.parentNode.querySelector(".editor-toolbar");
    var area = document.createElement("div");
    area.className = "editor-area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-label", textarea.labels && textarea.labels[0] ? textarea.labels[0].textContent : "");
    // The text area holds HTML the server already sanitized.
    area.innerHTML = textarea.value || "<p><br></p>";
    textarea.hidden = true;
    textarea.parentNode.insertBefore(area, textarea);
    if (toolbar) toolbar.hidden = false;
    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* old browsers */ }

    function sync() { textarea.value = area.innerHTML; }
    area.addEventListener("input", sync);
    textarea.form.addEventListener("submit", sync);
    if (!toolbar) return;
    toolbar.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the selection
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-command]");
      if (!button) return;
      var command = button.dataset.command, value = button.dataset.value || null;
      area.focus();
      if (command === "createLink") {
        value = window.prompt(button.dataset.prompt, "https://");
        if (!value || !/^(https?:\/\/|mailto:)/i.test(value)) return;
      }
      if (command === "formatBlock" && value) value = "<" + value + ">";
      document.execCommand(command, false, value);
      sync();
    });
  }

  function repostFields(form) {
    var box = form.querySelector(".repost-fields");
    if (!box) return;
    function update() {
      var checked = form.querySelector("input[name=origin]:checked");
      box.hidden = !checked || checked.value !== "repost";
    }
    form.addEventListener("change", function (event) { if (event.target.name === "origin") update(); });
    update();
  }

  document.querySelectorAll("textarea[data-rich-editor]").forEach(editor);
  document.querySelectorAll("form.submission-form").forEach(repostFields);
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();

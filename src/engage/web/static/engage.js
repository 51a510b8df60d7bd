// Progressive enhancement only: every link here also works as a plain page without JS.
// Links with data-dialog="ID" open that <dialog> instead of navigating.
document.addEventListener("click", function (event) {
  var opener = event.target.closest("[data-dialog]");
  if (opener) {
    var dialog = document.getElementById(opener.getAttribute("data-dialog"));
    if (dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      dialog.showModal();
      var first = dialog.querySelector("input, select, textarea, button");
      if (first) { first.focus(); }
    }
    return;
  }
  var closer = event.target.closest("[data-close-dialog]");
  if (closer && closer.closest("dialog")) {
    event.preventDefault();
    closer.closest("dialog").close();
  }
});

// Commands in rendered Markdown get a Copy button (the text stays selectable without JS).
function addCopyButtons(root) {
  root.querySelectorAll(".md pre").forEach(function (pre) {
    if (pre.querySelector("button.copy") || !navigator.clipboard) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy secondary";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy this command");
    button.addEventListener("click", function () {
      var code = pre.querySelector("code") || pre;
      navigator.clipboard.writeText(code.textContent).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      });
    });
    pre.appendChild(button);
  });
}
document.addEventListener("DOMContentLoaded", function () { addCopyButtons(document); });
document.addEventListener("htmx:afterSwap", function (event) { addCopyButtons(event.target); });

// Slow forms (data-busy="Uploading…") disable their button and say what is happening,
// so nobody clicks twice or wonders whether anything happened.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) { return; }
  if (typeof form.checkValidity === "function" && !form.checkValidity()) { return; }
  var button = form.querySelector("button[type=submit], button:not([type])");
  if (button) {
    setTimeout(function () { button.disabled = true; }, 0);  // after the browser reads its value
    button.setAttribute("aria-busy", "true");
  }
  if (!form.querySelector(".busy-note")) {
    var note = document.createElement("span");
    note.className = "busy-note";
    note.setAttribute("aria-live", "polite");
    note.textContent = form.getAttribute("data-busy");
    (button && button.parentNode ? button.parentNode : form).appendChild(note);
  }
});
// Coming back with the browser's Back button must not leave a form stuck as busy.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-busy] button[aria-busy]").forEach(function (b) {
    b.disabled = false; b.removeAttribute("aria-busy");
  });
  document.querySelectorAll(".busy-note").forEach(function (n) { n.remove(); });
});

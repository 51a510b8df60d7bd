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

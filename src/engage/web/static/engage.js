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

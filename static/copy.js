// Copy buttons, as progressive enhancement: a button with data-copy="ID" copies
// the text of the element #ID and says so in the element #data-status. The
// buttons are hidden in the page; this script shows them only where the browser
// can copy, so without it the text is simply there to select.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var source = document.getElementById(button.dataset.copy);
  var status = document.getElementById(button.dataset.status);
  if (!source || !status || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.textContent.trim()).then(
      function () {
        status.textContent = button.dataset.copied;
      },
      function () {
        status.textContent = button.dataset.failed;
      }
    );
  });
});

// Copy buttons, as a convenience only: every text they copy is also on the page
// in a read-only field a person can select. A button names the field it copies
// (`data-copy="id"`) and carries the page's words for what happened
// (`data-copied`, `data-copy-failed`); it stays hidden where the clipboard
// cannot be written.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    const status = document.createElement("span");
    status.className = "copied";
    status.setAttribute("role", "status");
    button.after(status);
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = button.dataset.copied || "";
      } catch {
        field.select();
        status.textContent = button.dataset.copyFailed || "";
      }
      setTimeout(() => { status.textContent = ""; }, 4000);
    });
  }
});

// Copy buttons, as a convenience only: every text they copy is also on the page
// in a read-only field a person can select. A button names the field it copies
// (`data-copy="id"`); it stays hidden where the clipboard cannot be written.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    const label = button.textContent;
    const status = document.createElement("span");
    status.className = "copied";
    status.setAttribute("role", "status");
    button.after(status);
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = "Copied.";
      } catch {
        field.select();
        status.textContent = "Select the text and copy it.";
      }
      setTimeout(() => { status.textContent = ""; button.textContent = label; }, 4000);
    });
  }
});

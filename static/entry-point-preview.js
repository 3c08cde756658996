// The entry point form's live preview (progressive enhancement): while the code
// or the prefilled text is typed, it asks the server for the same preview the
// "Preview the link" button asks for, and shows the link that comes back. The
// rules stay on the server; without this script the button does the same.
(function () {
  'use strict';
  var form = document.querySelector('form.entry-point');
  var area = document.getElementById('preview-area');
  if (!form || !area || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var timer = null;
  var asked = 0;
  function refresh() {
    var body = new URLSearchParams(new FormData(form));
    body.set('intent', 'preview');
    var n = ++asked;
    fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        // Only the answer to the latest question is shown.
        if (html === null || n !== asked) { return; }
        var page = new DOMParser().parseFromString(html, 'text/html');
        var fresh = page.getElementById('preview-area');
        if (fresh) { area.innerHTML = fresh.innerHTML; }
      })
      .catch(function () { /* The button still works. */ });
  }
  form.addEventListener('input', function (e) {
    if (e.target.name !== 'code' && e.target.name !== 'prefilled_text') { return; }
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();

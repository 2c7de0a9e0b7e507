// NOMS-CDS SMART app: shows the recomputed assessment as soon as a field of the completion form
// changes, without a page reload (the "Show the result" button does the same without script).
// Nothing is saved here: the preview route writes nothing; "Save to chart" stays a normal post.
(function () {
  "use strict";
  var form = document.querySelector("form.complete");
  if (!form || !window.fetch || !window.DOMParser) return;
  var status = document.getElementById("preview-status");
  var pending = null;
  var counter = 0;

  function announce(text) {
    if (status) status.textContent = text;
  }

  function preview(changed, mine) {
    announce("Recomputing…");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== counter) return; // a field changed since: its own preview follows
        var next = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (!next || !main) { form.submit(); return; }
        main.innerHTML = next.innerHTML;
        var again = changed && document.getElementById(changed);
        if (again) again.focus();
        form = document.querySelector("form.complete");
        if (form) listen(form);
        announce("Result updated with what you entered. Not saved yet.");
      })
      .catch(function () { if (form) form.submit(); });
  }

  function listen(target) {
    target.addEventListener("change", function (event) {
      var id = event.target && event.target.id;
      var mine = ++counter;
      clearTimeout(pending);
      pending = setTimeout(function () { preview(id, mine); }, 250);
    });
  }

  listen(form);
})();

// Printing for the tumour board: every detail (score items, the reasoning) on paper.
window.addEventListener("beforeprint", function () {
  Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
});

// Refreshes the progress bar of a batch import by polling its status; the
// page reloads once the import has ended, to show the result link's page.
(function () {
  "use strict";
  var bar = document.getElementById("batch-progress");
  if (!bar) { return; }
  var label = document.getElementById("batch-percent");
  function poll() {
    fetch(bar.dataset.status, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.percent;
        bar.textContent = s.percent + "%";
        if (label) { label.textContent = s.percent + "%"; }
        if (s.state !== "importing") { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();

// Reloads a running import's or background job's progress page every two seconds
// (without this the page has a "reload" link). location.reload() adds no entry to the browser's history.
(function () {
  "use strict";
  if (!document.querySelector("[data-running='true']")) { return; }
  window.setTimeout(function () { window.location.reload(); }, 2000);
}());

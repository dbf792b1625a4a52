// Hides a revealed number again after a short time (the page works without this:
// the number then stays until "隠す / Hide" is followed, on a page no cache keeps).
(function () {
  "use strict";
  var shown = document.querySelector("[data-reveal-seconds]");
  if (!shown) { return; }
  var seconds = parseInt(shown.getAttribute("data-reveal-seconds"), 10) || 30;
  var counter = shown.querySelector("[data-countdown]");
  var hide = function () {
    var secret = shown.querySelector(".number-secret");
    if (secret) { secret.textContent = shown.getAttribute("data-mask"); secret.classList.remove("number-secret"); }
    var done = shown.querySelector("[data-hidden-note]");
    if (done) { done.classList.remove("hidden"); }
    if (counter) { counter.classList.add("hidden"); }
    shown.classList.remove("revealed");
    shown.setAttribute("data-hidden", "true");
    // Back/forward must not bring the number back from memory.
    window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });
  };
  var left = seconds;
  var tick = function () {
    left -= 1;
    if (counter) { counter.querySelector("span").textContent = String(left); }
    if (left <= 0) { hide(); } else { window.setTimeout(tick, 1000); }
  };
  if (counter) { counter.classList.remove("hidden"); counter.querySelector("span").textContent = String(left); }
  window.setTimeout(tick, 1000);
  var button = shown.querySelector("[data-hide-now]");
  if (button) { button.addEventListener("click", function (event) { event.preventDefault(); hide(); }); }
}());

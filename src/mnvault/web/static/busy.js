// A long action (a report, a disposal run, a verification) says it is under way once its
// form is sent: the form marked data-busy="処理中…" gets aria-busy and a status line with
// that text, and a second press sends nothing. The next page ends the state. (A file of
// its own: the Content-Security-Policy allows no inline script.)
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    var note = document.createElement("span");
    note.className = "busy-note";
    note.setAttribute("role", "status");
    note.textContent = form.getAttribute("data-busy");
    form.appendChild(note);
  });
}());

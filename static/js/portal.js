/* Small enhancements shared by the citizen pages. */
(function () {
  "use strict";

  // After a failed submit the error summary is the first thing read and focused.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      // Show the field's label or legend too, not only the input under the fold.
      var context = field.closest("fieldset") || field;
      context.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();

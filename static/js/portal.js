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
      // Show the field with its label above it: the label of a text field or a select,
      // the legend of a group of radio buttons (a fieldset can be taller than the screen).
      var label = document.querySelector("label[for='" + field.id + "']");
      var grouped = field.type === "radio" && field.closest("fieldset");
      var context = (grouped && grouped.querySelector("legend")) || label || field;
      context.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
      var box = field.getBoundingClientRect();
      if (box.bottom > window.innerHeight) { field.scrollIntoView({ block: "center" }); }
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();

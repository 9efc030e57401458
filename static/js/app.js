// Progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Disable a form's submit buttons once it is sent, so a double click posts once.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset.once === undefined) return;
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.disabled = true;
      b.setAttribute("aria-busy", "true");
    });
  });
})();

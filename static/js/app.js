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

  // On a phone the sections scroll sideways: bring the current one (and a sliver of the
  // next) into view, without moving the page itself.
  document.addEventListener("DOMContentLoaded", function () {
    const nav = document.querySelector(".main-nav");
    const current = nav && nav.querySelector("[aria-current=page]");
    if (!current || nav.scrollWidth <= nav.clientWidth) return;
    const overflow = current.getBoundingClientRect().right - nav.getBoundingClientRect().right;
    if (overflow > 0) nav.scrollLeft += overflow + 24;
  });
})();

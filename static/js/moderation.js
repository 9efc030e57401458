// The moderation queue: keyboard shortcuts, bulk selection and focus that follows the work.
// Every action is a plain form first; htmx swaps a decided card for what happened.
(function () {
  "use strict";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
  }

  function current() {
    const active = document.activeElement;
    return active && active.closest ? active.closest("[data-queue-item]") : null;
  }

  function focusItem(item) {
    if (!item) return;
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function move(step) {
    const list = items();
    if (!list.length) return;
    const here = current();
    const index = here ? list.indexOf(here) : -1;
    const next = list[Math.min(Math.max(index + step, 0), list.length - 1)];
    focusItem(next);
  }

  function updateBulkCount() {
    const counter = document.querySelector("[data-bulk-count]");
    if (!counter) return;
    const n = document.querySelectorAll("[data-select]:checked").length;
    counter.textContent = n ? n + " selected" : "None selected";
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (!document.querySelector("[data-queue-item], [data-queue-done]")) return;
    const key = event.key;
    if (key === "?") {
      const toggle = document.querySelector("[data-shortcuts-toggle]");
      if (toggle) toggle.click();
      event.preventDefault();
      return;
    }
    if (key === "j") { move(1); event.preventDefault(); return; }
    if (key === "k") { move(-1); event.preventDefault(); return; }
    const item = current() || items()[0];
    if (!item) return;
    if (key === "x") {
      const box = item.querySelector("[data-select]");
      if (box && !box.disabled) { box.checked = !box.checked; updateBulkCount(); }
      event.preventDefault();
      return;
    }
    if (key === "o" || key === "Enter") {
      const link = item.querySelector("[data-open]");
      if (link && (key === "o" || event.target === item)) { link.click(); event.preventDefault(); }
      return;
    }
    if (key === "r") {
      const reason = item.querySelector("[data-reason]");
      if (reason) { reason.focus(); event.preventDefault(); }
      return;
    }
    const button = item.querySelector('[data-key="' + key + '"]');
    if (button) {
      event.preventDefault();
      focusItem(item);
      button.click();
    }
  });

  // After htmx replaces a decided card, carry on with the next one.
  document.addEventListener("htmx:afterSettle", function () {
    const done = document.querySelectorAll("[data-queue-done]:not([data-seen])");
    if (!done.length) return;
    done.forEach(function (card) { card.dataset.seen = "1"; });
    const last = done[done.length - 1];
    const list = items();
    const after = list.find(function (item) {
      return last.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    focusItem(after || list[list.length - 1] || last);
    updateBulkCount();
  });

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll("[data-select]").forEach(function (box) {
        if (!box.disabled) box.checked = target.checked;
      });
    }
    if (target.matches("[data-select], [data-select-all]")) updateBulkCount();
  });

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest && event.target.closest("[data-shortcuts-toggle]");
    if (!toggle) return;
    const panel = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!panel) return;
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
  });

  // Plain (non-htmx) submissions that deserve a second thought.
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();

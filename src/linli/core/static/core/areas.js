/* Area pages: open and close tree nodes loaded by htmx. */
(function () {
  "use strict";

  function toggleFor(list) {
    return document.querySelector('[data-area-toggle][aria-controls="' + list.id + '"]');
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!list || !list.classList || !list.classList.contains("area-tree")) return;
    var toggle = toggleFor(list);
    if (!toggle) return;
    toggle.dataset.loaded = "1";
    toggle.setAttribute("aria-expanded", "true");
    list.hidden = false;
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-area-toggle]");
    if (!toggle || !toggle.dataset.loaded) return;
    event.preventDefault();
    var list = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!list) return;
    var open = toggle.getAttribute("aria-expanded") === "true";
    list.hidden = open;
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
  });

})();

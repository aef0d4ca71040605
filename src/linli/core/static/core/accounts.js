/* Account pages: count down the wait before a new code may be asked for, select a new token. */
(function () {
  "use strict";

  function countdown(button) {
    var left = parseInt(button.getAttribute("data-wait-seconds"), 10) || 0;
    if (left <= 0) return;
    var label = button.textContent;
    var note = document.querySelector("[data-wait-note]");
    button.disabled = true;
    function tick() {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = label;
        if (note) note.hidden = true;
        return;
      }
      button.textContent = label + " (" + left + ")";
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function init() {
    document.querySelectorAll("[data-wait-seconds]").forEach(countdown);
    var token = document.getElementById("new-token-value");
    if (token) {
      token.addEventListener("focus", function () { token.select(); });
      token.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

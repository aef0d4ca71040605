/*
 * Volunteer activities: the check-in QR page can fill the screen (the button is shown only
 * where the browser can do it). The page works without this file.
 */
(function () {
  "use strict";

  document.querySelectorAll("[data-va-fullscreen]").forEach(function (button) {
    var page = button.closest(".va-qr");
    if (!page || typeof page.requestFullscreen !== "function") {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      page.requestFullscreen().catch(function () {
        button.hidden = true;
      });
    });
  });
})();

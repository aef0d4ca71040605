/*
 * Appeals, resident pages: "use my location" on the appeal form. The form works without it
 * (the map point is optional); with it, the browser's position fills the hidden lat/lng
 * fields, and an event tells the similar-appeals list to look again.
 */
(function () {
  "use strict";

  function setup(box) {
    var form = box.closest("form");
    var use = box.querySelector("[data-locate-button]");
    var clear = box.querySelector("[data-locate-clear]");
    var status = box.querySelector("[data-locate-status]");
    var lat = form && form.querySelector("input[name=lat]");
    var lng = form && form.querySelector("input[name=lng]");
    if (!use || !clear || !status || !lat || !lng || !("geolocation" in navigator)) {
      return;
    }
    var text = {
      asking: use.getAttribute("data-asking") || "",
      added: use.getAttribute("data-added") || "",
      refused: use.getAttribute("data-refused") || "",
      failed: use.getAttribute("data-failed") || "",
    };

    function shown(hasPoint) {
      use.hidden = false;
      clear.hidden = !hasPoint;
    }

    function changed() {
      document.body.dispatchEvent(new CustomEvent("located", { bubbles: true }));
    }

    shown(lat.value !== "" && lng.value !== "");

    use.addEventListener("click", function () {
      status.textContent = text.asking;
      use.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lng.value = position.coords.longitude.toFixed(6);
          use.disabled = false;
          status.textContent = text.added;
          shown(true);
          changed();
        },
        function (error) {
          use.disabled = false;
          status.textContent = error && error.code === 1 ? text.refused : text.failed;
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });

    clear.addEventListener("click", function () {
      lat.value = "";
      lng.value = "";
      status.textContent = "";
      shown(false);
      use.focus();
      changed();
    });
  }

  function init() {
    document.querySelectorAll("[data-locate]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

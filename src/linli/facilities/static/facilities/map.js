/*
 * Facility maps (Leaflet, vendored). Each element with data-map gets a map of the points in the
 * JSON block its data-points names: [{id, name, kind_label, lat, lng, short_hours,
 * min_daily_hours, url}, …]. The tile URL template comes in data-tiles (the LINLI_MAP_TILES
 * setting); when it is empty the markers stand on a plain background. Pages work without this
 * file: the list shows the same facilities.
 */
(function () {
  "use strict";

  var CHINA = [35.5, 104.5];
  var OK = "#2f7d4f";
  var BAD = "#b3261e";

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) {
      el.className = className;
    }
    return el;
  }

  function escaped(value) {
    var div = document.createElement("div");
    div.textContent = value || "";
    return div.innerHTML;
  }

  function popup(point, labels) {
    var box = document.createElement("div");
    box.className = "fac-popup";
    var title;
    if (point.url) {
      title = text("a", point.name, "fac-popup-title");
      title.href = point.url;
    } else {
      title = text("strong", point.name, "fac-popup-title");
    }
    box.appendChild(title);
    if (point.kind_label) {
      box.appendChild(text("span", point.kind_label));
    }
    if (point.short_hours) {
      box.appendChild(text("span", labels.short, "fac-popup-short"));
    } else if (typeof point.min_daily_hours === "number" && labels.hours) {
      box.appendChild(text("span", labels.hours.replace("%(hours)s", point.min_daily_hours)));
    }
    return box;
  }

  function draw(el) {
    if (el.dataset.drawn === "1" || typeof window.L === "undefined") {
      return;
    }
    var source = document.getElementById(el.dataset.points || "");
    var points = [];
    try {
      points = source ? JSON.parse(source.textContent) : [];
    } catch (err) {
      return;
    }
    el.dataset.drawn = "1";
    el.textContent = "";
    var tiles = el.dataset.tiles || "";
    var map = window.L.map(el, { attributionControl: Boolean(tiles), scrollWheelZoom: false });
    if (tiles) {
      window.L.tileLayer(tiles, {
        attribution: escaped(el.dataset.attribution),
        maxZoom: 18,
      }).addTo(map);
    }
    var labels = { hours: el.dataset.labelHours || "", short: el.dataset.labelShort || "" };
    var bounds = [];
    points.forEach(function (point) {
      if (typeof point.lat !== "number" || typeof point.lng !== "number") {
        return;
      }
      var colour = point.short_hours ? BAD : OK;
      var marker = window.L.circleMarker([point.lat, point.lng], {
        radius: 9,
        color: colour,
        weight: 2,
        fillColor: colour,
        fillOpacity: 0.75,
      });
      marker.bindPopup(popup(point, labels));
      marker.bindTooltip(escaped(point.name));
      marker.addTo(map);
      bounds.push([point.lat, point.lng]);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 16);
    } else if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    } else {
      map.setView(CHINA, 4);
    }
    el.classList.add("fac-map-ready");
  }

  function drawAll(root) {
    root.querySelectorAll("[data-map]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      drawAll(document);
    });
  } else {
    drawAll(document);
  }
  // A filter refreshed in place by htmx brings a new map element: draw what is new.
  document.addEventListener("htmx:afterSettle", function () {
    drawAll(document);
  });
})();

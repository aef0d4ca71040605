/*
 * The capacity page: one figure of every child area as a bar chart (web/area_bars.js, loaded
 * before this file), with the plans' target as a dashed line. A bar opens that area's own
 * figures.
 *
 * The numbers come from the JSON block #capacity-data (Django's json_script): each figure's
 * values, unit and target by its key; the page shows every one of them in its table.
 */
(function () {
  "use strict";

  var PALETTE = ["#1f6feb", "#c93c37"];
  var SUFFIX = { percent: "%", square_metres: " m²", hours: " h" };

  if (!window.LinliAreaBars) {
    return;
  }
  window.LinliAreaBars.start({
    name: "capacity",
    grid: { right: 56, top: 32 }, // room above for the target's label
    first: function (data) {
      return data.keys[0];
    },
    figure: function (data, key) {
      var unit = data.units[key];
      var suffix = SUFFIX[unit] || "";
      var target = data.targets[key];
      return {
        values: data.values[key],
        palette: PALETTE,
        suffix: suffix,
        percent: unit === "percent",
        target: target,
        targetLabel: data.text.target + " " + target + suffix
      };
    }
  });
})();

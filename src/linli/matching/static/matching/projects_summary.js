/*
 * The livelihood projects by area: one figure of every child area (average progress, budget,
 * projects or milestones overdue) as a bar chart (web/area_bars.js, loaded before this file).
 * A bar opens that area.
 *
 * The numbers come from the JSON block #summary-data (Django's json_script), each figure's
 * values by its key; the page shows every one of them in its table.
 */
(function () {
  "use strict";

  var BLUE = "#0b4a6b";
  var RED = "#b3261e";

  if (window.LinliAreaBars) {
    window.LinliAreaBars.start({
      name: "summary",
      first: "progress",
      grid: { right: 64, top: 16 },
      figure: figure
    });
  }

  function figure(data, key) {
    return {
      values: data[key],
      palette: [key === "overdue" ? RED : BLUE],
      suffix: key === "progress" ? "%" : "",
      percent: key === "progress",
      minInterval: key === "budget" ? 0 : 1
    };
  }
})();

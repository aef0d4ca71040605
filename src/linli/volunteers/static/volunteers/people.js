/*
 * The staff overview of volunteers: the bar chart of volunteers by star level, drawn from the
 * page's JSON (#vl-chart-data) with the shared chart helpers (web/charts.js). The table under
 * the chart holds the same figures for those who read tables or have no JavaScript.
 */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("vl-chart-data");
    if (!source || !window.echarts || !window.LinliCharts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = window.LinliCharts;
    var page = charts.page();
    charts.draw(
      {
        stars: function () {
          var total = data.counts.reduce(function (sum, n) {
            return sum + n;
          }, 0);
          if (!total) {
            return null;
          }
          return {
            height: page.elderly ? 360 : 280,
            option: charts.base(["#0b4a6b"], page.font, {
              grid: { left: 48, right: 16, top: 24, bottom: 56 },
              tooltip: { trigger: "axis", renderMode: "richText" },
              xAxis: {
                type: "category",
                data: data.stars,
                inverse: page.rtl,
                axisLabel: { fontSize: page.font, interval: 0, rotate: page.elderly ? 30 : 0 }
              },
              yAxis: {
                type: "value",
                minInterval: 1,
                position: page.rtl ? "right" : "left",
                axisLabel: { fontSize: page.font }
              },
              series: [{ type: "bar", name: data.labels.volunteers, data: data.counts }]
            })
          };
        }
      },
      page.locale
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/*
 * The training coverage page: draws the bar chart of the child areas' coverage (培训覆盖率)
 * with Apache ECharts (vendored).
 *
 * The numbers come from the JSON block #training-coverage-data (Django's json_script); the
 * page shows the same numbers in its table, so it says everything without this file. What
 * chart pages share (options, drawing, resizing) is in web/charts.js, loaded before this file.
 */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("training-coverage-data");
    if (!source || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var font = page.font;
    var elderly = page.elderly;

    var builders = {
      coverage: function () {
        if (!data.names.length) {
          return null;
        }
        var limit = elderly ? 12 : data.names.length;
        var names = data.names.slice(0, limit);
        return {
          height: Math.max(200, names.length * (elderly ? 48 : 30) + 70),
          option: charts.base(["#1f6feb"], font, {
            tooltip: {
              trigger: "axis",
              renderMode: "richText",
              confine: true,
              textStyle: { fontSize: font }
            },
            grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
            xAxis: charts.percentAxis("", font),
            yAxis: {
              type: "category",
              inverse: true,
              data: names,
              axisLabel: { fontSize: font, width: elderly ? 140 : 180, overflow: "truncate" }
            },
            series: [
              {
                name: data.labels.rate,
                type: "bar",
                data: data.rates.slice(0, limit),
                label: {
                  show: true,
                  position: page.rtl ? "left" : "right",
                  fontSize: font,
                  formatter: "{c}%"
                }
              }
            ]
          })
        };
      }
    };

    charts.draw(builders, page.locale);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/*
 * The reporting rates page of the task ledger: draws the bar chart of the child areas'
 * reporting rate and on-time rate with Apache ECharts (vendored).
 *
 * The numbers come from the JSON block #ledger-rates-data (Django's json_script); the page
 * shows the same numbers in its table, so it says everything without this file. What chart
 * pages share (options, drawing, resizing) is in web/charts.js, loaded before this file.
 */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("ledger-rates-data");
    if (!source || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var font = page.font;
    var elderly = page.elderly;

    var builders = {
      rates: function () {
        if (!data.names.length) {
          return null;
        }
        var limit = elderly ? 12 : data.names.length;
        var names = data.names.slice(0, limit);
        var label = {
          show: true,
          position: page.rtl ? "left" : "right",
          fontSize: font,
          formatter: "{c}%"
        };
        return {
          height: Math.max(220, names.length * (elderly ? 80 : 50) + 90),
          option: charts.base(["#1f6feb", "#1a7f37"], font, {
            legend: { top: 0, textStyle: { fontSize: font } },
            tooltip: {
              trigger: "axis",
              renderMode: "richText",
              confine: true,
              textStyle: { fontSize: font }
            },
            grid: { left: 8, right: 40, top: 36, bottom: 8, containLabel: true },
            xAxis: charts.percentAxis("", font),
            yAxis: {
              type: "category",
              inverse: true,
              data: names,
              axisLabel: { fontSize: font, width: elderly ? 140 : 180, overflow: "truncate" }
            },
            series: [
              {
                name: data.labels.reporting,
                type: "bar",
                data: data.reporting.slice(0, limit),
                label: label
              },
              {
                name: data.labels.on_time,
                type: "bar",
                data: data.on_time.slice(0, limit),
                label: label
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

/*
 * The visit rate page: draws the bar chart of the child areas and the line of the last 12
 * months with Apache ECharts (vendored).
 *
 * The numbers come from the JSON block #care-rate-data (Django's json_script); the page shows
 * the same numbers in its tables, so it says everything without this file. What chart pages
 * share (options, drawing, resizing) is in web/charts.js, loaded before this file.
 */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("care-rate-data");
    if (!source || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var elderly = page.elderly;
    var rtl = page.rtl;
    var font = page.font;
    var palette = ["#1a7f37", "#1f6feb", "#c9d1d9"];

    function base(extra) {
      return charts.merge(
        charts.base(palette, font, {
          tooltip: { trigger: "axis", renderMode: "richText", confine: true, textStyle: { fontSize: font } },
          grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true }
        }),
        extra
      );
    }

    function percentAxis(named) {
      return charts.percentAxis(named ? data.labels.rate : "", font);
    }

    var builders = {
      areas: function () {
        var block = data.areas;
        if (!block.names.length) {
          return null;
        }
        var limit = elderly ? 12 : block.names.length;
        var names = block.names.slice(0, limit);
        var rates = block.rates.slice(0, limit);
        return {
          height: Math.max(200, names.length * (elderly ? 48 : 30) + 70),
          option: base({
            legend: { show: false },
            xAxis: percentAxis(false),
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
                data: rates,
                label: {
                  show: true,
                  position: rtl ? "left" : "right",
                  fontSize: font,
                  formatter: "{c}%"
                }
              }
            ]
          })
        };
      },
      trend: function () {
        var block = data.trend;
        if (!block.months.length) {
          return null;
        }
        return {
          height: elderly ? 400 : 320,
          option: base({
            legend: { top: 0, textStyle: { fontSize: font } },
            xAxis: { type: "category", data: block.months, axisLabel: { fontSize: font } },
            yAxis: [
              percentAxis(true),
              {
                type: "value",
                minInterval: 1,
                name: data.labels.roster,
                nameTextStyle: { fontSize: font },
                axisLabel: { fontSize: font },
                splitLine: { show: false }
              }
            ],
            series: [
              {
                name: data.labels.rate,
                type: "line",
                data: block.rates,
                connectNulls: false,
                z: 3
              },
              {
                name: data.labels.visited,
                type: "bar",
                yAxisIndex: 1,
                data: block.visited,
                z: 2
              },
              {
                name: data.labels.roster,
                type: "bar",
                yAxisIndex: 1,
                data: block.roster,
                z: 1
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

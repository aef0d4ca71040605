/*
 * The visit rate page: draws the bar chart of the child areas and the line of the last 12
 * months with Apache ECharts (vendored).
 *
 * The numbers come from the JSON block #care-rate-data (Django's json_script); the page shows
 * the same numbers in its tables, so it says everything without this file. The
 * Content-Security-Policy forbids inline styles: charts use the canvas renderer and tooltips
 * drawn on the canvas (renderMode "richText"); sizes are set through the DOM.
 */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("care-rate-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var root = document.documentElement;
    var elderly = root.classList.contains("elderly");
    var rtl = root.getAttribute("dir") === "rtl";
    var locale = (root.getAttribute("lang") || "").indexOf("zh") === 0 ? "ZH" : "EN";
    var font = elderly ? 16 : 12;
    var palette = ["#1a7f37", "#1f6feb", "#c9d1d9"];
    var charts = [];

    function base(extra) {
      var option = {
        color: palette,
        aria: { enabled: true },
        animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
        textStyle: { fontSize: font },
        tooltip: { trigger: "axis", renderMode: "richText", confine: true, textStyle: { fontSize: font } },
        grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true }
      };
      Object.keys(extra).forEach(function (key) {
        option[key] = extra[key];
      });
      return option;
    }

    function percentAxis(named) {
      return {
        type: "value",
        min: 0,
        max: 100,
        name: named ? data.labels.rate : "",
        nameTextStyle: { fontSize: font },
        axisLabel: { fontSize: font, formatter: "{value}%" }
      };
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

    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      var spec = build ? build() : null;
      if (!spec) {
        el.hidden = true;
        return;
      }
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", el.getAttribute("data-label") || "");
      el.style.width = "100%";
      el.style.height = spec.height + "px";
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: locale });
      chart.setOption(spec.option);
      charts.push(chart);
    });

    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) {
        window.clearTimeout(pending);
      }
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) {
          chart.resize();
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/*
 * The livelihood projects by area: one figure of every child area (average progress, budget,
 * projects or milestones overdue) as a bar chart with Apache ECharts (vendored). A select
 * (shown only when this file runs) chooses the figure; a bar opens that area.
 *
 * The numbers come from the JSON block #summary-data (Django's json_script); the page shows
 * every one of them in its table, so it says everything without this file. What chart pages
 * share is in web/charts.js, loaded before this file.
 */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("summary-data");
    var el = document.getElementById("summary-chart");
    if (!source || !el || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var font = page.font;
    var picker = document.querySelector("[data-chart-picker]");
    var select = document.getElementById("summary-chart-key");
    var key = el.getAttribute("data-key") || "progress";
    var palette = ["#0b4a6b", "#b3261e"];

    function option(chosen) {
      var limit = page.elderly ? 12 : data.names.length;
      var names = data.names.slice(0, limit);
      var values = (data[chosen] || []).slice(0, limit);
      var percent = chosen === "progress";
      var xAxis = percent
        ? charts.percentAxis("", font)
        : { type: "value", minInterval: chosen === "budget" ? 0 : 1, axisLabel: { fontSize: font } };
      return {
        height: Math.max(200, names.length * (page.elderly ? 48 : 30) + 80),
        option: charts.base(chosen === "overdue" ? [palette[1]] : [palette[0]], font, {
          tooltip: {
            trigger: "axis",
            renderMode: "richText",
            confine: true,
            textStyle: { fontSize: font }
          },
          grid: { left: 8, right: 64, top: 16, bottom: 8, containLabel: true },
          xAxis: xAxis,
          yAxis: {
            type: "category",
            inverse: true,
            data: names,
            axisLabel: { fontSize: font, width: page.elderly ? 140 : 180, overflow: "truncate" }
          },
          series: [{
            name: data.labels[chosen],
            type: "bar",
            data: values,
            cursor: "pointer",
            label: {
              show: true,
              position: page.rtl ? "left" : "right",
              fontSize: font,
              formatter: function (p) {
                if (p.value === null || p.value === undefined) {
                  return "—";
                }
                return percent ? p.value + "%" : String(p.value);
              }
            }
          }]
        })
      };
    }

    var drawn = charts.draw({ areas: function () {
      return data.names.length ? option(key) : null;
    } }, page.locale);
    var chart = drawn[0];
    if (!chart) {
      return;
    }
    chart.on("click", function (params) {
      var url = data.urls[params.dataIndex];
      if (url) {
        window.location.assign(url);
      }
    });
    if (picker && select) {
      picker.hidden = false;
      select.addEventListener("change", function () {
        key = select.value;
        var spec = option(key);
        el.style.height = spec.height + "px";
        chart.setOption(spec.option, true);
        chart.resize();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

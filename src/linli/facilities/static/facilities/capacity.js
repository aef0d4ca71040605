/*
 * The capacity page: draws one figure of every child area as a bar chart with Apache ECharts
 * (vendored), with the plans' target as a line. A select (shown only when this file runs)
 * chooses the figure; a bar opens that area's own figures.
 *
 * The numbers come from the JSON block #capacity-data (Django's json_script); the page shows
 * every one of them in its table, so it says everything without this file. What chart pages
 * share is in web/charts.js, loaded before this file.
 */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("capacity-data");
    var el = document.getElementById("capacity-chart");
    if (!source || !el || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var font = page.font;
    var picker = document.querySelector("[data-chart-picker]");
    var select = document.getElementById("capacity-chart-key");
    var key = el.getAttribute("data-key") || data.keys[0];
    var palette = ["#1f6feb", "#c93c37"];

    function suffix(unit) {
      if (unit === "percent") {
        return "%";
      }
      if (unit === "square_metres") {
        return " m²";
      }
      if (unit === "hours") {
        return " h";
      }
      return "";
    }

    function option(chosen) {
      var unit = data.units[chosen];
      var values = data.values[chosen] || [];
      var limit = page.elderly ? 12 : data.names.length;
      var target = data.targets[chosen];
      var series = {
        name: data.labels[chosen],
        type: "bar",
        data: values.slice(0, limit),
        cursor: "pointer",
        label: {
          show: true,
          position: page.rtl ? "left" : "right",
          fontSize: font,
          formatter: function (p) {
            return p.value === null || p.value === undefined ? "—" : p.value + suffix(unit);
          }
        }
      };
      if (target !== null && target !== undefined) {
        series.markLine = {
          symbol: "none",
          silent: true,
          lineStyle: { color: palette[1], type: "dashed", width: 2 },
          label: {
            position: "start",
            formatter: data.text.target + " " + target + suffix(unit),
            fontSize: font
          },
          data: [{ xAxis: target }]
        };
      }
      var xAxis = unit === "percent"
        ? charts.percentAxis("", font)
        : { type: "value", axisLabel: { fontSize: font } };
      var names = data.names.slice(0, limit);
      return {
        height: Math.max(200, names.length * (page.elderly ? 48 : 30) + 80),
        option: charts.base(palette, font, {
          tooltip: {
            trigger: "axis",
            renderMode: "richText",
            confine: true,
            textStyle: { fontSize: font }
          },
          grid: { left: 8, right: 56, top: 32, bottom: 8, containLabel: true },
          xAxis: xAxis,
          yAxis: {
            type: "category",
            inverse: true,
            data: names,
            axisLabel: { fontSize: font, width: page.elderly ? 140 : 180, overflow: "truncate" }
          },
          series: [series]
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

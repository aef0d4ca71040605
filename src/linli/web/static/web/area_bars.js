/*
 * One figure of every child area as a bar chart (Apache ECharts, vendored), for the pages that
 * compare the areas under one: a select (shown only when this file runs) chooses the figure;
 * a bar opens that area. Elderly mode shows the first 12 areas, in larger type.
 *
 * The numbers come from the page's JSON block (Django's json_script): the areas' ``names`` and
 * ``urls``, and each figure's name in ``labels``; the page shows every number in its table, so
 * it says everything without this file. Load after web/charts.js; the page's own script calls
 * LinliAreaBars.start(spec), where spec names
 *   name                   the ids' prefix: NAME-data (the JSON block), NAME-chart (the chart)
 *                          and NAME-chart-key (the figure's select);
 *   first                  the figure shown when the chart names none (its data-key), or
 *                          first(data) that gives it;
 *   grid                   { right, top }: room beside the bars for their labels;
 *   figure(data, key)      the figure: { values, palette, suffix (after each value),
 *                          percent (a 0–100 axis), minInterval, target, targetLabel } — a
 *                          target is drawn as a dashed line in the palette's second colour.
 */
(function () {
  "use strict";

  function draw(spec) {
    var source = document.getElementById(spec.name + "-data");
    var el = document.getElementById(spec.name + "-chart");
    if (!source || !el || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var font = page.font;
    var picker = document.querySelector("[data-chart-picker]");
    var select = document.getElementById(spec.name + "-chart-key");
    var first = typeof spec.first === "function" ? spec.first(data) : spec.first;
    var key = el.getAttribute("data-key") || first;

    function bars(chosen, figure, limit) {
      var suffix = figure.suffix || "";
      var series = {
        name: data.labels[chosen],
        type: "bar",
        data: (figure.values || []).slice(0, limit),
        cursor: "pointer",
        label: {
          show: true,
          position: page.rtl ? "left" : "right",
          fontSize: font,
          formatter: function (p) {
            return p.value === null || p.value === undefined ? "—" : p.value + suffix;
          }
        }
      };
      if (figure.target !== null && figure.target !== undefined) {
        series.markLine = {
          symbol: "none",
          silent: true,
          lineStyle: { color: figure.palette[1], type: "dashed", width: 2 },
          label: { position: "start", formatter: figure.targetLabel, fontSize: font },
          data: [{ xAxis: figure.target }]
        };
      }
      return series;
    }

    function option(chosen) {
      var figure = spec.figure(data, chosen);
      var limit = page.elderly ? 12 : data.names.length;
      var names = data.names.slice(0, limit);
      var xAxis = figure.percent
        ? charts.percentAxis("", font)
        : { type: "value", axisLabel: { fontSize: font } };
      if (!figure.percent && figure.minInterval !== undefined) {
        xAxis.minInterval = figure.minInterval;
      }
      return {
        height: Math.max(200, names.length * (page.elderly ? 48 : 30) + 80),
        option: charts.base(figure.palette, font, {
          tooltip: {
            trigger: "axis",
            renderMode: "richText",
            confine: true,
            textStyle: { fontSize: font }
          },
          grid: { left: 8, right: spec.grid.right, top: spec.grid.top, bottom: 8, containLabel: true },
          xAxis: xAxis,
          yAxis: {
            type: "category",
            inverse: true,
            data: names,
            axisLabel: { fontSize: font, width: page.elderly ? 140 : 180, overflow: "truncate" }
          },
          series: [bars(chosen, figure, limit)]
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
        var next = option(key);
        el.style.height = next.height + "px";
        chart.setOption(next.option, true);
        chart.resize();
      });
    }
  }

  window.LinliAreaBars = {
    start: function (spec) {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () {
          draw(spec);
        });
      } else {
        draw(spec);
      }
    }
  };
})();

/*
 * Appeal figures: draws the charts of the figures page with Apache ECharts (vendored).
 *
 * The numbers come from the JSON block #appeal-figures-data (Django's json_script); every
 * chart has its table in a <details> beside it, so the page says everything without this file.
 * What chart pages share (options, drawing, resizing) is in web/charts.js, loaded before this
 * file.
 */
(function () {
  "use strict";

  var source = document.getElementById("appeal-figures-data");
  if (!source || typeof window.echarts === "undefined" || !window.LinliCharts) {
    return;
  }
  var charts = window.LinliCharts;
  var data = JSON.parse(source.textContent);
  var page = charts.page();
  var elderly = page.elderly;
  var rtl = page.rtl;
  var font = page.font;
  var narrow = window.innerWidth < 560; // the legend wraps to a second line
  var palette = ["#1f6feb", "#1a7f37", "#bf5700", "#8250df", "#cf222e"];

  function base(extra) {
    return charts.merge(
      charts.base(palette, font, {
        tooltip: { renderMode: "richText", confine: true, textStyle: { fontSize: font } },
        legend: { top: 0, textStyle: { fontSize: font } },
        grid: { left: 8, right: 16, top: elderly || narrow ? 64 : 40, bottom: 8, containLabel: true }
      }),
      extra
    );
  }

  function percentAxis(name) {
    return charts.percentAxis(name, font);
  }

  function rateSeries(block, type) {
    return ["response", "resolution", "satisfaction"].map(function (key) {
      return {
        name: data.labels[key],
        type: type,
        data: block[key],
        connectNulls: false,
        label: { show: false }
      };
    });
  }

  var builders = {
    units: function () {
      var block = data.units;
      if (!block.names.length) {
        return null;
      }
      var limit = elderly ? 8 : block.names.length;
      var cut = function (list) {
        return list.slice(0, limit);
      };
      var trimmed = { names: cut(block.names) };
      ["response", "resolution", "satisfaction"].forEach(function (key) {
        trimmed[key] = cut(block[key]);
      });
      return {
        height: Math.max(280, trimmed.names.length * (elderly ? 64 : 40) + 80),
        option: base({
          tooltip: { trigger: "axis", renderMode: "richText", confine: true },
          xAxis: percentAxis(data.labels.rate),
          yAxis: {
            type: "category",
            inverse: true,
            data: trimmed.names,
            axisLabel: { fontSize: font, width: elderly ? 140 : 160, overflow: "truncate" }
          },
          series: rateSeries(trimmed, "bar")
        })
      };
    },
    trend: function () {
      var block = data.trend;
      var series = rateSeries(block, "line");
      series.push({
        name: data.labels.received,
        type: "bar",
        yAxisIndex: 1,
        data: block.received,
        itemStyle: { color: "#c9d1d9" },
        z: 1
      });
      return {
        height: elderly ? 420 : 340,
        option: base({
          tooltip: { trigger: "axis", renderMode: "richText", confine: true },
          xAxis: { type: "category", data: block.months, axisLabel: { fontSize: font } },
          yAxis: [
            percentAxis(data.labels.rate),
            {
              type: "value",
              name: data.labels.appeals,
              minInterval: 1,
              nameTextStyle: { fontSize: font },
              axisLabel: { fontSize: font },
              splitLine: { show: false }
            }
          ],
          series: series
        })
      };
    },
    categories: function () {
      var block = data.categories;
      if (!block.names.length) {
        return null;
      }
      return {
        height: Math.max(240, block.names.length * (elderly ? 48 : 30) + 60),
        option: base({
          legend: { show: false },
          grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
          xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: font } },
          yAxis: {
            type: "category",
            inverse: true,
            data: block.names,
            axisLabel: { fontSize: font, width: 160, overflow: "truncate" }
          },
          series: [
            {
              name: data.labels.received,
              type: "bar",
              data: block.received,
              label: { show: true, position: rtl ? "left" : "right", fontSize: font }
            }
          ]
        })
      };
    },
    hotspots: function () {
      var block = data.hotspots;
      if (!block.places.length) {
        return null;
      }
      return {
        height: Math.max(260, block.categories.length * (elderly ? 56 : 40) + 140),
        option: base({
          legend: { show: false },
          grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
          xAxis: {
            type: "category",
            data: block.places,
            axisLabel: { fontSize: font, rotate: 30, interval: 0 },
            splitArea: { show: true }
          },
          yAxis: {
            type: "category",
            inverse: true,
            data: block.categories,
            axisLabel: { fontSize: font, width: 140, overflow: "truncate" },
            splitArea: { show: true }
          },
          visualMap: {
            min: 0,
            max: Math.max(1, block.max),
            calculable: false,
            orient: "horizontal",
            left: "center",
            bottom: 0,
            itemHeight: 120,
            textStyle: { fontSize: font },
            inRange: { color: ["#f0f6ff", "#1f6feb", "#0b2f6b"] }
          },
          series: [
            {
              name: data.labels.received,
              type: "heatmap",
              data: block.cells,
              label: { show: true, fontSize: font },
              emphasis: { itemStyle: { borderColor: "#000", borderWidth: 1 } }
            }
          ]
        })
      };
    }
  };

  charts.draw(builders, page.locale);
})();

/*
 * The plan dashboard's charts (Apache ECharts, vendored), drawn from the JSON block
 * #plans-chart-data (Django's json_script):
 *
 * - "children": the areas below, each a bar of its targets counted by status (met, at risk,
 *   not met, no data), stacked; a bar opens that area's own dashboard.
 * - "drill": one target's value in each area below, coloured by status, with the plan's target
 *   as a dashed line; a bar opens the area one level down (a community: its own dashboard).
 * - "trend": one small chart per target, a line over the snapshots and the live values, with
 *   the target as a dashed line.
 *
 * Every number is also in the page's table, so the page says everything without this file.
 * What chart pages share (reading settings, the common option, drawing and resizing) is in
 * web/charts.js, loaded before this file.
 */
(function () {
  "use strict";

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

  function valueAxis(charts, unit, font) {
    if (unit === "percent") {
      return charts.percentAxis("", font);
    }
    return { type: "value", axisLabel: { fontSize: font } };
  }

  function tooltip(font) {
    return {
      trigger: "axis",
      renderMode: "richText",
      confine: true,
      textStyle: { fontSize: font }
    };
  }

  function openOnClick(chart, urls) {
    chart.on("click", function (params) {
      var url = urls[params.dataIndex];
      if (url) {
        window.location.assign(url);
      }
    });
  }

  // The areas below: a stacked bar of each area's targets by status.
  function children(charts, data, page) {
    var font = page.font;
    var limit = page.elderly ? 12 : data.names.length;
    var names = data.names.slice(0, limit);
    var series = data.statuses.map(function (status) {
      return {
        name: status.label,
        type: "bar",
        stack: "targets",
        cursor: "pointer",
        itemStyle: { color: status.colour },
        label: {
          show: true,
          fontSize: font,
          color: "#ffffff",
          formatter: function (p) {
            return p.value ? String(p.value) : "";
          }
        },
        data: status.values.slice(0, limit)
      };
    });
    return {
      height: Math.max(200, names.length * (page.elderly ? 52 : 34) + 100),
      option: charts.base(
        data.statuses.map(function (s) {
          return s.colour;
        }),
        font,
        {
          tooltip: tooltip(font),
          legend: { top: 0, textStyle: { fontSize: font } },
          grid: { left: 8, right: 24, top: page.elderly ? 56 : 40, bottom: 8, containLabel: true },
          xAxis: {
            type: "value",
            minInterval: 1,
            name: data.text.targets,
            nameTextStyle: { fontSize: font },
            axisLabel: { fontSize: font }
          },
          yAxis: {
            type: "category",
            inverse: true,
            data: names,
            axisLabel: { fontSize: font, width: page.elderly ? 140 : 180, overflow: "truncate" }
          },
          series: series
        }
      )
    };
  }

  // One target in each area below, against the target line.
  function drill(charts, data, page) {
    var font = page.font;
    var limit = page.elderly ? 12 : data.names.length;
    var names = data.names.slice(0, limit);
    var unit = data.unit;
    var values = data.values.slice(0, limit).map(function (value, index) {
      return { value: value, itemStyle: { color: data.colours[index] } };
    });
    var series = {
      name: data.label,
      type: "bar",
      cursor: "pointer",
      data: values,
      label: {
        show: true,
        position: page.rtl ? "left" : "right",
        fontSize: font,
        formatter: function (p) {
          var status = data.statuses[p.dataIndex] || "";
          var shown = p.value === null || p.value === undefined ? "—" : p.value + suffix(unit);
          return shown + "  " + status;
        }
      },
      markLine: {
        symbol: "none",
        silent: true,
        lineStyle: { color: "#1b2631", type: "dashed", width: 2 },
        label: {
          position: "start",
          fontSize: font,
          formatter: data.text.target + " " + data.target + suffix(unit)
        },
        data: [{ xAxis: data.target }]
      }
    };
    return {
      height: Math.max(200, names.length * (page.elderly ? 48 : 30) + 80),
      option: charts.base(["#0b4a6b"], font, {
        tooltip: tooltip(font),
        grid: { left: 8, right: 120, top: 32, bottom: 8, containLabel: true },
        xAxis: valueAxis(charts, unit, font),
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

  // One target over the snapshots and the live values.
  function trendOf(charts, data, item, page) {
    var font = page.font;
    return {
      height: page.elderly ? 320 : 240,
      option: charts.base(["#0b4a6b"], font, {
        tooltip: tooltip(font),
        grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
        xAxis: {
          type: "category",
          data: data.labels,
          axisLabel: { fontSize: font, overflow: "truncate", width: 90 }
        },
        yAxis: valueAxis(charts, item.unit, font),
        series: [
          {
            name: item.label,
            type: "line",
            connectNulls: false,
            symbolSize: page.elderly ? 12 : 8,
            data: item.values,
            label: {
              show: true,
              fontSize: font,
              formatter: function (p) {
                return p.value === null || p.value === undefined ? "" : p.value + suffix(item.unit);
              }
            },
            markLine: {
              symbol: "none",
              silent: true,
              lineStyle: { color: "#b3261e", type: "dashed", width: 2 },
              label: {
                position: "insideEndTop",
                fontSize: font,
                formatter: data.text.target + " " + item.target + suffix(item.unit)
              },
              data: [{ yAxis: item.target }]
            }
          }
        ]
      })
    };
  }

  function start() {
    var source = document.getElementById("plans-chart-data");
    if (!source || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var builders = {};
    if (data.kind === "children") {
      builders.children = function () {
        return data.names.length ? children(charts, data, page) : null;
      };
    } else if (data.kind === "drill") {
      builders.drill = function () {
        return data.names.length ? drill(charts, data, page) : null;
      };
    } else if (data.kind === "trend") {
      data.targets.forEach(function (item) {
        builders["trend-" + item.id] = function () {
          return data.labels.length ? trendOf(charts, data, item, page) : null;
        };
      });
    }
    var drawn = charts.draw(builders, page.locale);
    if (data.kind === "children" || data.kind === "drill") {
      drawn.forEach(function (chart) {
        openOnClick(chart, data.urls);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

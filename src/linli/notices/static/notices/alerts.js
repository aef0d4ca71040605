/*
 * The live page of an emergency alert: draws the checks per area (safe, needs help, not reached,
 * awaiting a check: each person counts once) as a stacked bar chart (Apache ECharts, vendored) from the JSON block #alert-live-data, and draws it again
 * each time htmx refreshes the live section. The table below the chart says everything
 * without this file. The Content-Security-Policy forbids inline styles: sizes are set through
 * the DOM and tooltips drawn on the canvas.
 */
(function () {
  "use strict";

  var chart = null;
  var colours = {
    checked_safe: "#2f7d4f",
    checked_help: "#8c1d17",
    not_reached: "#c2410c",
    awaiting: "#b7860b"
  };

  function draw() {
    var el = document.querySelector("[data-alert-chart]");
    var source = document.getElementById("alert-live-data");
    if (chart) {
      chart.dispose();
      chart = null;
    }
    if (!el || !source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.names.length) {
      el.hidden = true;
      return;
    }
    var elderly = document.documentElement.classList.contains("elderly");
    var rtl = document.documentElement.getAttribute("dir") === "rtl";
    var lang = document.documentElement.getAttribute("lang") || "";
    var font = elderly ? 16 : 12;
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", el.getAttribute("data-label") || "");
    el.style.width = "100%";
    el.style.height = Math.max(220, data.names.length * (elderly ? 48 : 32) + 90) + "px";
    chart = window.echarts.init(el, null, {
      renderer: "canvas",
      locale: lang.indexOf("zh") === 0 ? "ZH" : "EN"
    });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      textStyle: { fontSize: font },
      tooltip: { trigger: "axis", renderMode: "richText", confine: true },
      legend: { top: 0, textStyle: { fontSize: font } },
      grid: { left: 8, right: 16, top: elderly ? 72 : 48, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, inverse: rtl, axisLabel: { fontSize: font } },
      yAxis: {
        type: "category",
        inverse: true,
        position: rtl ? "right" : "left",
        data: data.names,
        axisLabel: { fontSize: font, width: 140, overflow: "truncate" }
      },
      series: data.series.map(function (s) {
        return {
          name: s.label,
          type: "bar",
          stack: "people",
          data: s.data,
          itemStyle: { color: colours[s.key] || "#5d6b77" }
        };
      })
    });
  }

  function start() {
    draw();
    // The live section is swapped whole every few seconds: draw the new one.
    document.body.addEventListener("htmx:afterSettle", function () {
      draw();
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) {
        window.clearTimeout(pending);
      }
      pending = window.setTimeout(function () {
        if (chart) {
          chart.resize();
        }
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

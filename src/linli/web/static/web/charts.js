/*
 * What the chart pages share (Apache ECharts, vendored): the page's reading settings, the
 * common option of a chart, the percent axis, and the drawing of every [data-chart] element
 * from a page's builders, redrawn when the window is resized.
 *
 * The Content-Security-Policy forbids inline styles: charts use the canvas renderer and
 * tooltips drawn on the canvas (renderMode "richText"); sizes are set through the DOM.
 * Load after echarts.min.js and before the page's own script.
 */
(function () {
  "use strict";

  // Large type ("elderly"), writing direction and language of the page.
  function page() {
    var root = document.documentElement;
    var elderly = root.classList.contains("elderly");
    return {
      elderly: elderly,
      rtl: root.getAttribute("dir") === "rtl",
      locale: (root.getAttribute("lang") || "").indexOf("zh") === 0 ? "ZH" : "EN",
      font: elderly ? 16 : 12
    };
  }

  // The option every chart starts from, with ``extra`` (a page's own defaults) over it.
  function base(palette, font, extra) {
    var option = {
      color: palette,
      aria: { enabled: true },
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      textStyle: { fontSize: font }
    };
    return merge(option, extra);
  }

  // ``option`` with the keys of ``extra`` put over it (a shallow merge).
  function merge(option, extra) {
    Object.keys(extra).forEach(function (key) {
      option[key] = extra[key];
    });
    return option;
  }

  function percentAxis(name, font) {
    return {
      type: "value",
      min: 0,
      max: 100,
      name: name,
      nameTextStyle: { fontSize: font },
      axisLabel: { fontSize: font, formatter: "{value}%" }
    };
  }

  // Draws each [data-chart] element with builders[its data-chart]() ({height, option}, or null
  // to hide the element); returns the charts.
  function draw(builders, locale) {
    var charts = [];
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
    return charts;
  }

  window.LinliCharts = {
    page: page,
    base: base,
    merge: merge,
    percentAxis: percentAxis,
    draw: draw
  };
})();

/*
 * Venue bookings, two small enhancements (every page works without this file):
 *
 * - The booking form: choosing a start slot and a length shows the whole range chosen, and
 *   lengths that would run into a taken slot or past the opening are disabled.
 * - The usage page: the bar chart of utilisation per venue (Apache ECharts, vendored), from the
 *   JSON block #usage-data; the page shows the same figures in its table. What chart pages
 *   share is in web/charts.js, loaded before this file.
 */
(function () {
  "use strict";

  function enhanceBookingForm() {
    var form = document.querySelector("form.bk-form");
    if (!form) {
      return;
    }
    var length = form.querySelector("select[name=slots]");
    var radios = Array.prototype.slice.call(form.querySelectorAll("input[name=start]"));
    if (!radios.length) {
      return;
    }
    var cells = Array.prototype.slice.call(form.querySelectorAll(".bk-slots > li > *"));

    // How many slots in a row are free from cell ``index`` on, in the same opening.
    function freeRun(index) {
      var opening = cells[index].getAttribute("data-opening");
      var run = 0;
      for (var i = index; i < cells.length; i += 1) {
        var cell = cells[i];
        if (!cell.querySelector("input[name=start]") || cell.getAttribute("data-opening") !== opening) {
          break;
        }
        run += 1;
      }
      return run;
    }

    function update() {
      cells.forEach(function (cell) {
        cell.classList.remove("in-range");
      });
      var chosen = radios.filter(function (radio) {
        return radio.checked;
      })[0];
      if (!chosen) {
        return;
      }
      var start = parseInt(chosen.getAttribute("data-index"), 10);
      var run = freeRun(start);
      if (length) {
        Array.prototype.forEach.call(length.options, function (option) {
          option.disabled = parseInt(option.value, 10) > run;
        });
        if (parseInt(length.value, 10) > run) {
          length.value = "1";
        }
      }
      var count = length ? parseInt(length.value, 10) || 1 : 1;
      for (var i = start; i < start + count && i < cells.length; i += 1) {
        cells[i].classList.add("in-range");
      }
    }

    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    if (length) {
      length.addEventListener("change", update);
    }
    update();
  }

  function drawUsage() {
    var source = document.getElementById("usage-data");
    if (!source || typeof window.echarts === "undefined" || !window.LinliCharts) {
      return;
    }
    var charts = window.LinliCharts;
    var data = JSON.parse(source.textContent);
    var page = charts.page();
    var font = page.font;
    var limit = page.elderly ? 12 : 40;
    var builders = {
      usage: function () {
        if (!data.names.length) {
          return null;
        }
        var names = data.names.slice(0, limit);
        var axis = charts.percentAxis(data.labels.rate, font);
        axis.nameLocation = "middle";
        axis.nameGap = font * 2 + 4;
        return {
          height: Math.max(220, names.length * (page.elderly ? 64 : 44) + 80),
          option: charts.base(["#0b4a6b", "#2f7d4f"], font, {
            tooltip: {
              trigger: "axis",
              renderMode: "richText",
              confine: true,
              textStyle: { fontSize: font }
            },
            legend: { top: 0, textStyle: { fontSize: font } },
            grid: { left: 8, right: 40, top: 36, bottom: font * 2 + 12, containLabel: true },
            xAxis: axis,
            yAxis: {
              type: "category",
              inverse: true,
              data: names,
              axisLabel: { fontSize: font, width: page.elderly ? 140 : 180, overflow: "truncate" }
            },
            series: [
              {
                name: data.labels.utilisation,
                type: "bar",
                data: data.utilisation.slice(0, limit),
                label: {
                  show: true,
                  position: page.rtl ? "left" : "right",
                  fontSize: font,
                  formatter: "{c}%"
                }
              },
              {
                name: data.labels.use,
                type: "bar",
                data: data.use.slice(0, limit)
              }
            ]
          })
        };
      }
    };
    charts.draw(builders, page.locale);
  }

  function start() {
    enhanceBookingForm();
    drawUsage();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

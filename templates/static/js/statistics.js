// Draws the statistics charts with Apache ECharts (static/vendor/echarts, no CDN).
// Each chart's data is a JSON attribute on its element (the CSP allows no inline script):
// {type: "line"|"bar", title, categories: [...], series: [{name, kind, data}], axes}.
// Counts (or days) have the left axis, money (yuan) or days beside counts the right one.
(function () {
  "use strict";

  function draw(el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    // The right axis holds money (yuan) or, beside counts, days (a queue's ages).
    var kinds = spec.series.map(function (s) { return s.kind; });
    var has = function (k) { return kinds.indexOf(k) >= 0; };
    var right = has("money") ? "money" : (has("count") && has("days") ? "days" : null);
    var hasMoney = right !== null;
    var hasOther = kinds.some(function (k) { return k !== right; });
    var yAxis = [];
    if (hasOther) {
      var allDays = kinds.every(function (k) { return k === "days" || k === right; });
      yAxis.push({ type: "value", name: allDays ? spec.axes.days : spec.axes.count, minInterval: allDays ? 0 : 1 });
    }
    if (right) {
      yAxis.push({ type: "value", name: spec.axes[right], position: hasOther ? "right" : "left" });
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 56, right: hasMoney && hasOther ? 72 : 24, top: 48, bottom: 24, containLabel: true },
      xAxis: {
        type: "category",
        data: spec.categories,
        axisLabel: {
          interval: spec.categories.length > 16 ? "auto" : 0,
          rotate: spec.categories.length > 4 ? 30 : 0,
          hideOverlap: true,
        },
      },
      yAxis: yAxis,
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: spec.type,
          data: s.data,
          yAxisIndex: s.kind === right && hasOther ? 1 : 0,
          connectNulls: true,
        };
      }),
    });
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    if (typeof echarts === "undefined") {
      return;
    }
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) {
      draw(charts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

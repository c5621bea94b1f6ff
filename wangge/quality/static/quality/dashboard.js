// The trend chart of the progress dashboard (ECharts from npm, served from /static/vendor/). The table under it
// holds the same figures, so the page says everything without JavaScript too.
(function () {
  "use strict";
  var holder = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!holder || !source || !window.echarts) {
    return;
  }
  var trend = JSON.parse(source.textContent);
  var screen = !!holder.closest(".dash.screen");
  var chart = window.echarts.init(holder, null, { renderer: "canvas" });

  function shown(value) {
    return value === null || value === undefined ? "—" : value.toFixed(1) + trend.unit;
  }

  chart.setOption({
    animation: !screen,
    tooltip: { trigger: "axis", valueFormatter: shown },
    legend: { type: "scroll", top: 0, textStyle: { fontSize: screen ? 18 : 12 } },
    grid: { left: 8, right: 16, top: screen ? 48 : 36, bottom: 8, containLabel: true },
    // Month-day is enough on the axis (a campaign runs weeks, not years); the tooltip has the whole date.
    xAxis: {
      type: "category",
      boundaryGap: false,
      data: trend.days,
      axisLabel: {
        formatter: function (day) {
          return day.slice(5);
        },
      },
    },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}" + trend.unit } },
    series: trend.series.map(function (line) {
      return {
        name: line.name,
        type: "line",
        data: line.data,
        connectNulls: false,
        symbolSize: screen ? 9 : 6,
        showSymbol: trend.days.length <= 31,
      };
    }),
  });
  holder.setAttribute("data-rendered", "1");

  // The table stays one click away for whoever prefers numbers (and for screen readers).
  var table = document.querySelector(".trend-table");
  if (table) {
    table.removeAttribute("open");
  }
  window.addEventListener("resize", function () {
    chart.resize();
  });
})();

/* Draws the monitoring dashboard charts from the page's JSON data block (no inline scripts: CSP). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  var percent = { callback: function (v) { return v + "%"; } };

  var trend = document.getElementById("chart-trend");
  if (trend) {
    new Chart(trend, {
      type: "line",
      data: { labels: data.months, datasets: [
        { label: "一户一人覆盖率", data: data.coverage, borderColor: "#0b5cad", backgroundColor: "#0b5cad", yAxisID: "rate", tension: 0.2 },
        { label: "劳动力就业率", data: data.employment_rate, borderColor: "#1e7a3c", backgroundColor: "#1e7a3c", yAxisID: "rate", tension: 0.2 },
        { type: "bar", label: "零就业家庭（户）", data: data.zero, backgroundColor: "rgba(178,34,34,0.35)", yAxisID: "count" },
        { type: "bar", label: "省外务工（人）", data: data.out_of_province, backgroundColor: "rgba(11,92,173,0.2)", yAxisID: "count" },
        { type: "bar", label: "公益性岗位（人）", data: data.public_welfare, backgroundColor: "rgba(30,122,60,0.2)", yAxisID: "count" }
      ] },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { rate: { position: "left", beginAtZero: true, ticks: percent, title: { display: true, text: "比例" } },
                  count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "户 / 人" } } } }
    });
    trend.setAttribute("data-drawn", "1");
  }
  var areas = document.getElementById("chart-areas");
  if (areas) {
    new Chart(areas, {
      type: "bar",
      data: { labels: data.areas, datasets: [{ label: "一户一人覆盖率", data: data.area_coverage, backgroundColor: "#0b5cad" }] },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100, ticks: percent } } }
    });
    areas.setAttribute("data-drawn", "1");
  }
}());

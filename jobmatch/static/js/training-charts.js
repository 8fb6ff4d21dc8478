/* Draws the training progress charts from the page's JSON data block (no inline scripts: CSP). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  var percent = { callback: function (v) { return v + "%"; } };

  function line(id) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var datasets = [
      { label: "培训率", data: data.training_rate, borderColor: "#0b5cad", backgroundColor: "#0b5cad", yAxisID: "rate", tension: 0.2 },
      { label: "持证率", data: data.certificate_rate, borderColor: "#1e7a3c", backgroundColor: "#1e7a3c", yAxisID: "rate", tension: 0.2 },
      { type: "bar", label: "当月结业人次", data: data.completions, backgroundColor: "rgba(11,92,173,0.25)", yAxisID: "count" },
      { type: "bar", label: "当月发证数", data: data.awards, backgroundColor: "rgba(30,122,60,0.25)", yAxisID: "count" }
    ];
    if (data.target_training !== null) {
      datasets.push({ label: "培训率目标", data: data.months.map(function () { return data.target_training; }),
        borderColor: "#0b5cad", borderDash: [6, 4], pointRadius: 0, yAxisID: "rate" });
    }
    if (data.target_certificate !== null) {
      datasets.push({ label: "持证率目标", data: data.months.map(function () { return data.target_certificate; }),
        borderColor: "#1e7a3c", borderDash: [6, 4], pointRadius: 0, yAxisID: "rate" });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: data.months, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { rate: { position: "left", beginAtZero: true, ticks: percent, title: { display: true, text: "比例" } },
                  count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "人次" } } } }
    });
    canvas.setAttribute("data-drawn", "1");
  }

  function bars(id) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.areas, datasets: [
        { label: "培训率", data: data.area_training, backgroundColor: "#0b5cad" },
        { label: "持证率", data: data.area_certificate, backgroundColor: "#1e7a3c" }
      ] },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: percent } } }
    });
    canvas.setAttribute("data-drawn", "1");
  }

  line("chart-monthly");
  bars("chart-areas");
})();

/* Draws the charts of the stats pages from the JSON data block; each chart has a table beside it with the
   same figures (for screen readers, copying and CSV). Loaded as a file: the CSP forbids inline script.
   Every word shown (legends, labels, the axis unit) comes translated in the data block; numbers in the
   tooltips and on the axis follow the page's language (<html lang>). */
(function () {
  "use strict";
  var block = document.getElementById("chart-data");
  if (!block || typeof window.Chart === "undefined") { return; }
  var data;
  try { data = JSON.parse(block.textContent); } catch (e) { return; }
  var colours = ["#2f6f4f", "#7aa95c", "#c9a227", "#8a5a9e", "#3d7ea6"];
  var locale = document.documentElement.lang || undefined;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = data[canvas.getAttribute("data-chart")];
    if (!spec) { return; }
    var datasets = spec.datasets.map(function (d, i) {
      return { label: d.label, data: d.data, backgroundColor: colours[i % colours.length],
               borderColor: colours[i % colours.length], fill: false, spanGaps: true };
    });
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, locale: locale,
        scales: { y: { beginAtZero: true, title: { display: true, text: spec.unit } } },
        plugins: { legend: { display: datasets.length > 1 } }
      }
    });
  });
})();

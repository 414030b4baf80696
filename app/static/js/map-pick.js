// The coordinate map in "pick a point" mode (/map?pick=1): a click or tap anywhere on the map goes back to
// the search with that point as where distances are measured from. The SVG carries its projection
// (app/web/offline_map.py): x = width/2 + (lon - lon0) * cos(lat0) * scale, y = height/2 - (lat - lat0) * scale.
(function () {
  var svg = document.getElementById("hub-svg");
  if (!svg || !svg.dataset.pickUrl) { return; }
  var d = svg.dataset;
  var lat0 = parseFloat(d.centreLat), lon0 = parseFloat(d.centreLon), scale = parseFloat(d.scale);
  var width = parseFloat(d.width), height = parseFloat(d.height);
  var squeeze = Math.cos(lat0 * Math.PI / 180);
  svg.classList.add("picking");
  svg.addEventListener("click", function (event) {
    if (event.target.closest("a")) { return; }  // a hub's own link picks that hub
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(svg.getScreenCTM().inverse());
    var lat = lat0 + (height / 2 - p.y) / scale;
    var lon = lon0 + (p.x - width / 2) / (squeeze * scale);
    var url = d.pickUrl + (d.pickUrl.indexOf("?") >= 0 ? "&" : "?") +
      "lat=" + lat.toFixed(5) + "&lon=" + lon.toFixed(5);
    window.location.assign(url);
  });
}());

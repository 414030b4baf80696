// Leaflet map of the hubs; only loaded when the server has a tile server configured.
(function () {
  var el = document.getElementById("map");
  var raw = document.getElementById("map-data");
  if (!el || !raw || !window.L) { return; }
  var data = JSON.parse(raw.textContent);
  var map = L.map(el);
  L.tileLayer(data.tiles, {maxZoom: 19, attribution: data.attribution}).addTo(map);
  var bounds = [];
  data.hubs.forEach(function (hub) {
    var marker = L.marker([hub.lat, hub.lon]).addTo(map);
    var text = document.createElement("span");  // text nodes, never HTML: hub names are user input
    text.textContent = hub.popup;  // translated by the server
    marker.bindPopup(text);
    bounds.push([hub.lat, hub.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, {padding: [30, 30], maxZoom: 15}); } else { map.setView([0, 0], 2); }
}());

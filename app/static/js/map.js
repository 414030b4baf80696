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
  if (data.home) {
    var home = L.circleMarker([data.home.lat, data.home.lon], {radius: 8, color: "#7a4a00", fillColor: "#f2b705",
                                                              fillOpacity: 1}).addTo(map);
    home.bindTooltip(data.home.label, {permanent: true, direction: "bottom"});
    bounds.push([data.home.lat, data.home.lon]);
  }
  if (data.pick_url) {
    map.on("click", function (event) {
      window.location.assign(data.pick_url + (data.pick_url.indexOf("?") >= 0 ? "&" : "?") +
        "lat=" + event.latlng.lat.toFixed(5) + "&lon=" + event.latlng.lng.toFixed(5));
    });
  }
  if (bounds.length) { map.fitBounds(bounds, {padding: [30, 30], maxZoom: 15}); } else { map.setView([0, 0], 2); }
}());

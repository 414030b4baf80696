// The search's "Distance from" choices: choosing a hub in the list, or typing coordinates under "other
// place", selects that choice too (without JavaScript the radio button is ticked by hand).
(function () {
  var hub = document.getElementById("near_hub");
  var hubChoice = document.querySelector("input[name=near][value=hub]");
  var pointChoice = document.querySelector("input[name=near][value=point]");
  if (hub && hubChoice) {
    hub.addEventListener("change", function () { if (hub.value) { hubChoice.checked = true; } });
  }
  ["lat", "lon"].forEach(function (id) {
    var field = document.getElementById(id);
    if (field && pointChoice) {
      field.addEventListener("input", function () { pointChoice.checked = true; });
    }
  });
}());

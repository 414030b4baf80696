// The booking form's price: asks the server for the estimate of the chosen range and shows it beside the form.
// Without this script the form's "Show the price" button gives the same figures.
(function () {
  "use strict";
  var form = document.getElementById("booking-form");
  if (!form) { return; }
  var out = document.getElementById("price-estimate");
  var start = form.querySelector("[name=start]");
  var end = form.querySelector("[name=end]");
  var pending = null;

  function update() {
    if (!start.value || !end.value) { return; }
    var url = form.getAttribute("data-price-url") + "?start=" + encodeURIComponent(start.value) +
      "&end=" + encodeURIComponent(end.value);
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", signal: pending.signal})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        // The server renders the text escaped (a template); only our own markup comes back.
        out.innerHTML = data.error ? "" : data.text;
        if (data.error) { out.textContent = data.error; }
      })
      .catch(function () { /* keep what is shown; the button still works */ });
  }

  start.addEventListener("change", update);
  end.addEventListener("change", update);
})();

// The asset page's week grid: a tap on a free hour fills the booking form in place (without JavaScript the
// same link reloads the page with the form filled in). A later tap on a free hour extends the booking up to
// that hour when nothing taken lies in between; any other tap starts again from the tapped hour.
(function () {
  var grid = document.querySelector(".slot-grid");
  var start = document.getElementById("start");
  var end = document.getElementById("end");
  var picked = document.getElementById("picked");
  if (!grid || !start || !end) { return; }
  var cells = Array.prototype.slice.call(grid.querySelectorAll("td[data-at]"));
  cells.sort(function (a, b) { return a.dataset.at < b.dataset.at ? -1 : (a.dataset.at > b.dataset.at ? 1 : 0); });
  var first = null;
  var last = null;

  function label(cell) {
    var link = cell.querySelector("a .sr-only");
    return link ? link.textContent.replace(/:[^:]*$/, "") : cell.dataset.slotStart.replace("T", " ");
  }

  function blockedBetween(a, b) {
    var i = cells.indexOf(a);
    var j = cells.indexOf(b);
    for (var k = i; k <= j; k++) {
      if (cells[k].classList.contains("slot-busy") || cells[k].classList.contains("slot-past")) { return true; }
    }
    return false;
  }

  function show() {
    cells.forEach(function (cell) { cell.classList.remove("picked"); });
    var i = cells.indexOf(first);
    var j = cells.indexOf(last);
    for (var k = i; k <= j; k++) { cells[k].classList.add("picked"); }
    var href = first.querySelector("a").getAttribute("href");
    var query = new URLSearchParams(href.split("?")[1].split("#")[0]);
    start.value = first.dataset.slotStart;
    end.value = last === first ? query.get("end") : last.dataset.slotEnd;
    // as if typed: whatever listens to the fields (the price estimate) updates too
    start.dispatchEvent(new Event("change", {bubbles: true}));
    end.dispatchEvent(new Event("change", {bubbles: true}));
    if (picked) {
      picked.textContent = picked.dataset.template
        .replace("%(start)s", start.value.replace("T", " "))
        .replace("%(end)s", end.value.replace("T", " "));
    }
  }

  grid.addEventListener("click", function (event) {
    var link = event.target.closest("td.slot-free a");
    if (!link) { return; }
    event.preventDefault();
    var cell = link.parentNode;
    if (first && last === first && cell.dataset.at > first.dataset.at && !blockedBetween(first, cell)) {
      last = cell;
    } else {
      first = cell;
      last = cell;
    }
    show();
  });
}());

// safetensors report: expanding the tree, sorting and filtering the table. The page reads fine without it.
(function () {
  "use strict";
  function setAll(open) {
    document.querySelectorAll("#structure details").forEach(function (d) { d.open = open; });
  }
  document.querySelectorAll("button[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { setAll(b.dataset.action === "expand"); });
  });

  var table = document.getElementById("stats-table");
  if (table) {
    var body = table.tBodies[0];
    table.querySelectorAll("th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var numeric = th.classList.contains("n");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
          var c;
          if (numeric) {
            // Cells without a value (not read, no finite values) sort last either way.
            var nx = x === undefined || x === "" ? NaN : Number(x), ny = y === undefined || y === "" ? NaN : Number(y);
            if (isNaN(nx) || isNaN(ny)) { return isNaN(nx) - isNaN(ny); }
            c = nx - ny;
          } else {
            c = a.cells[col].textContent.localeCompare(b.cells[col].textContent);
          }
          return descending ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    var filter = document.getElementById("filter");
    var shown = document.getElementById("shown");
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase(), n = 0;
      Array.prototype.forEach.call(body.rows, function (r) {
        var hit = r.cells[0].textContent.toLowerCase().indexOf(q) >= 0;
        r.hidden = !hit;
        n += hit ? 1 : 0;
      });
      shown.textContent = n + " of " + body.rows.length;
    });
  }
  document.documentElement.dataset.ready = "1";
})();

/* The statistics pages: sortable tables (the figures are server-rendered with their number
   in data-sort; withheld cells carry an empty data-sort and always sort last; text cells
   sort by their text) and the indicator chooser submitting on change. Works as plain links
   and forms without this script. */
(function () {
  "use strict";

  /* The cell covering column `col` (colspans counted). */
  function cellAt(row, col) {
    let i = 0;
    for (const c of row.cells) {
      i += c.colSpan || 1;
      if (col < i) return c;
    }
    return null;
  }

  function sortTable(table, col, type, dir) {
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const collator = new Intl.Collator(G.locale(), { sensitivity: "base", numeric: true });
    const key = function (r) {
      const c = cellAt(r, col);
      if (!c) return "";
      // figures carry their number (empty when withheld); text cells sort by their text
      return c.hasAttribute("data-sort") ? c.getAttribute("data-sort") : c.textContent.trim();
    };
    rows.sort(function (a, b) {
      const ka = key(a), kb = key(b);
      if (ka === "" || kb === "") return (ka === "") - (kb === "");  // withheld last
      const d = type === "number" ? Number(ka) - Number(kb) : collator.compare(ka, kb);
      return dir === "ascending" ? d : -d;
    });
    rows.forEach(function (r) { body.append(r); });
  }

  function initTable(table) {
    const heads = table.tHead.rows[0].cells;
    table.querySelectorAll("button[data-sort-col]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        const th = btn.closest("th");
        const next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        Array.from(heads).forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", next);
        sortTable(table, Number(btn.getAttribute("data-sort-col")),
          btn.getAttribute("data-type"), next);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(initTable);
    const ind = document.getElementById("indicator");
    if (ind && ind.form) {
      ind.addEventListener("change", function () { ind.form.requestSubmit(); });
    }
  });
})();

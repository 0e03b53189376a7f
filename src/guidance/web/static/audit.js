/* The admin's audit view (/admin/audit): filters (dates, role, route, request id) over
   GET /api/v1/audit, keyset paging (next_cursor), and the same filters as a CSV file from
   GET /api/v1/audit.csv (formula-safe cells, written by the server: guidance/csvsafe.py). */
"use strict";
(function () {
  const G = window.G;
  const ROLE = "admin";
  const PAGE = 50;
  let cursor = null;
  function $(id) { return document.getElementById(id); }
  function iso(d) { return d.toISOString().slice(0, 10); }

  function filters() {
    const p = new URLSearchParams();
    p.set("start", $("a-start").value);
    p.set("end", $("a-end").value);
    if ($("a-role").value) p.set("role", $("a-role").value);
    if ($("a-route").value.trim()) p.set("route", $("a-route").value.trim());
    if ($("a-rid").value.trim()) p.set("request_id", $("a-rid").value.trim());
    return p;
  }
  function valid() {
    let ok = true;
    ["a_start", "a_end"].forEach(function (n) { G.fieldError(n, null); });
    $("err-audit").hidden = true;
    if (!$("a-start").value) { G.fieldError("a_start", G.T("error.required")); ok = false; }
    if (!$("a-end").value) { G.fieldError("a_end", G.T("error.required")); ok = false; }
    if (ok && $("a-end").value < $("a-start").value) { G.fieldError("a_end", G.T("auditv.bad_range")); ok = false; }
    return ok;
  }
  function fail(err) {
    const e = err && err.body && err.body.error;
    $("err-audit").textContent = (e && G.lang === "vi" && e.message_vi) || (e && e.message) || G.T("error.server");
    $("err-audit").hidden = false;
  }

  async function load(after) {
    if (!valid()) return;
    const p = filters();
    p.set("limit", String(PAGE));
    if (after) p.set("cursor", after);
    let page;
    try { page = await G.api("/api/v1/audit?" + p.toString(), { role: ROLE }); } catch (err) {
      fail(err); return;
    }
    cursor = page.next_cursor;
    $("audit-count").textContent = page.items.length
      ? G.T("auditv.count", { n: G.num(page.items.length) }) : G.T("auditv.none");
    const rows = page.items.map(function (a) {
      return [G.datetime(a.created_at), a.route, G.texts["role." + a.role] ? G.T("role." + a.role) : a.role,
        G.num(a.status), a.model_version, a.demand_period ? G.month(a.demand_period) : "—",
        a.latency_ms == null ? "—" : G.num(a.latency_ms, 1), a.request_id];
    });
    $("audit-out").replaceChildren(rows.length ? G.table([G.T("auditv.col.time"),
      G.T("auditv.col.route"), G.T("auditv.col.role"), G.T("auditv.col.status"),
      G.T("auditv.col.model"), G.T("auditv.col.period"), G.T("auditv.col.latency"),
      G.T("auditv.col.request")], rows, G.T("auditv.h1")) : "");
    $("audit-next").disabled = !cursor;
    $("audit-first").disabled = !after;
  }

  function ready() {
    const today = new Date();
    $("a-end").value = iso(today);
    $("a-start").value = iso(new Date(today.getTime() - 6 * 86400e3));
    $("audit-filters").addEventListener("submit", function (ev) { ev.preventDefault(); load(null); });
    $("audit-next").addEventListener("click", function () { if (cursor) load(cursor); });
    $("audit-first").addEventListener("click", function () { load(null); });
    $("audit-csv").addEventListener("click", async function () {
      if (!valid()) return;
      try {
        const f = await G.fetchFile("/api/v1/audit.csv?" + filters().toString(), ROLE, "audit.csv");
        G.saveBlob(f.name, f.blob);
      } catch (err) { fail(err); }
    });
    document.addEventListener("langchange", function () { load(null); });
    load(null);
  }

  document.addEventListener("DOMContentLoaded", function () {
    // an admin-only route checks the key (a counsellor's key also reads /api/v1/audit,
    // but only its own requests: not this view)
    G.login(ROLE, function () { return "/api/v1/models"; }, ready);
  });
})();

/* Admin: models (active alias, metrics), reload, evaluation summary with the model card,
   national tracer coverage (missing submissions highlighted, filter by cohort/status),
   demand upload with its row/column error report. */
"use strict";
(function () {
  const G = window.G;
  G.role = "admin";
  function $(id) { return document.getElementById(id); }
  let models = null;

  function metricsText(m) {
    return Object.keys(m || {}).sort().map(function (k) { return k + " = " + G.num(m[k], 3); }).join("; ");
  }

  async function loadModels() {
    try {
      models = await G.api("/api/v1/models", { role: G.role });
    } catch (e) {
      $("models-active").textContent = G.T("error.server");
      return;
    }
    renderModels();
  }

  function renderModels() {
    const a = models.active;
    G.setStatus(a.version, a.demand_period);
    const dl = G.el("dl", { class: "facts" });
    [["models.active", a.version], ["models.ready", G.T(a.ready ? "models.yes" : "models.no")],
     ["models.loaded_at", a.loaded_at ? new Date(a.loaded_at).toLocaleString(G.locale()) : null],
     ["models.sha", a.sha256 ? a.sha256.slice(0, 12) : null],
     ["models.demand", a.demand_period], ["models.last_error", a.last_error]]
      .forEach(function (r) {
        dl.append(G.el("dt", { text: G.T(r[0]) }), G.el("dd", { text: r[1] == null ? "—" : String(r[1]) }));
      });
    $("models-active").textContent = "";
    $("models-active").append(dl);
    $("models-table").textContent = "";
    if (models.versions_error) $("models-table").append(G.el("p", { class: "error", text: models.versions_error }));
    $("models-table").append(G.table(
      [G.T("models.version"), G.T("models.aliases"), G.T("models.created"), G.T("models.metrics")],
      models.versions.map(function (v) {
        return [v.version, (v.aliases || []).join(", "), v.created, metricsText(v.metrics)]; }),
      G.T("models.caption")));
    const active = models.versions.filter(function (v) {
      return (v.aliases || []).some(function (x) { return x === "active" || x === "champion"; }); })[0];
    $("models-eval").textContent = "";
    if (!active) { $("models-eval").append(G.el("p", { text: G.T("models.no_eval") })); return; }
    const keys = Object.keys(active.metrics || {}).sort();
    if (!keys.length) $("models-eval").append(G.el("p", { text: G.T("models.no_metrics") }));
    else $("models-eval").append(G.table([G.T("models.metric"), G.T("models.value")],
      keys.map(function (k) { return [k, G.num(active.metrics[k], 4)]; }),
      G.T("models.eval_caption", { version: active.version })));
  }

  /* The model card is Markdown from the server: shown as plain text (textContent), never
     parsed into HTML. */
  let card = null;  // { status: "ok" | "none" | "error", text, version, why }
  async function loadCard() {
    card = null;
    renderCard();
    const headers = { Accept: "text/markdown" };
    if (G.key(G.role)) headers["X-API-Key"] = G.key(G.role);
    try {
      const r = await fetch("/api/v1/models/card", { headers: headers });
      const text = await r.text();
      if (r.ok) card = { status: "ok", text: text, version: models && models.active.version };
      else if (r.status === 404) card = { status: "none" };
      else {
        let why = String(r.status);
        try { why = JSON.parse(text).error.message || why; } catch (e) { /* not JSON */ }
        card = { status: "error", why: why };
      }
    } catch (e) {
      card = { status: "error", why: e.message };
    }
    renderCard();
  }

  function renderCard() {
    const status = $("card-status"), pre = $("model-card");
    if (!card) { status.textContent = G.T("models.card_loading"); pre.hidden = true; return; }
    pre.hidden = card.status !== "ok";
    pre.textContent = card.status === "ok" ? card.text : "";
    status.textContent = card.status === "ok" ? G.T("models.card_shown", { version: card.version || "—" })
      : card.status === "none" ? G.T("models.card_none") : G.T("models.card_error", { why: card.why });
  }

  /* National tracer coverage: one row per institution × cohort × wave, with its status. */
  let natcov = null, natcovError = null;
  async function loadNatCov() {
    try {
      const r = await G.api("/api/v1/tracer/coverage", { role: G.role });
      natcov = Array.isArray(r) ? r : (r && (r.items || r.coverage)) || [];
      natcovError = null;
    } catch (e) {
      natcov = null;
      natcovError = e.status ? String(e.status) + " " + e.message : e.message;
    }
    fillCohorts();
    drawNatCov();
  }

  function fillCohorts() {
    const sel = $("nc-cohort"), keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    const cohorts = Array.from(new Set((natcov || []).map(function (c) { return c.cohort; })))
      .sort().reverse();
    cohorts.forEach(function (c) { sel.append(G.el("option", { value: c, text: G.month(c) })); });
    sel.value = cohorts.indexOf(keep) >= 0 ? keep : "";
  }

  function drawNatCov() {
    const out = $("natcov-out"), count = $("natcov-count");
    out.textContent = "";
    count.textContent = "";
    if (natcovError) {
      out.append(G.el("p", { class: "error", text: G.T("natcov.failed", { why: natcovError }) }));
      return;
    }
    if (!natcov) return;
    Array.from($("nc-cohort").options).slice(1).forEach(function (o) { o.textContent = G.month(o.value); });
    const cohort = $("nc-cohort").value, status = $("nc-status").value;
    const rows = natcov.filter(function (c) {
      return (!cohort || c.cohort === cohort) && (!status || c.status === status); });
    const missing = rows.filter(function (c) { return c.status === "missing"; }).length;
    count.textContent = G.T("natcov.count", { shown: G.num(rows.length), n: G.num(natcov.length),
      missing: G.num(missing) });
    if (!rows.length) { out.append(G.el("p", { text: G.T("natcov.none") })); return; }
    function label(prefix, v) { return G.texts[prefix + v] === undefined ? v : G.T(prefix + v); }
    const t = G.table([G.T("inst.col.institution"), G.T("inst.col.cohort"), G.T("inst.col.wave"),
      G.T("natcov.status"), G.T("inst.col.graduates"), G.T("inst.col.surveyed"),
      G.T("inst.col.responded"), G.T("inst.col.rate")],
      rows.map(function (c) {
        const name = c.institution_name ? c.institution_name + " (" + c.institution_id + ")"
          : c.institution_id;
        return [name, G.month(c.cohort), label("inst.short.", c.wave),
          label("natcov.status.", c.status), G.num(c.graduates_known), G.num(c.surveyed),
          G.num(c.responded), G.rate(c.response_rate)];
      }), G.T("natcov.caption"),
      { rowClass: function (i) { return rows[i].status === "missing" ? "missing" : null; } });
    t.id = "natcov-table";
    out.append(t);
  }

  async function loadAll() {
    await loadModels();
    loadCard();
    loadNatCov();
  }

  async function reload() {
    const msg = $("reload-msg");
    msg.textContent = G.T("models.reloading");
    try {
      const r = await G.api("/api/v1/models/reload", { method: "POST", role: G.role });
      msg.textContent = G.T(r.swapped ? "models.swapped" : "models.same", { version: r.version });
      loadAll();
    } catch (e) {
      msg.textContent = G.T("models.reload_failed", { why: e.message });
    }
  }

  /* An upload is a job: PUT answers 202 with a status URL, which is polled (progress,
     then the result or the errors) until the job ends. */
  function ruleText(rule) {
    const k = "rule." + rule;
    return G.texts[k] === undefined ? rule : G.T(k);
  }

  function issueTable(list, caption) {
    return G.table([G.T("report.row"), G.T("report.column"), G.T("report.message"),
      G.T("report.value"), G.T("report.rule")],
      list.slice(0, 200).map(function (d) {
        return [d.row, d.column, d.message, Array.isArray(d.value) ? d.value.join(", ") : d.value,
          ruleText(d.rule)]; }), caption);
  }

  function showIssues(out, job) {
    if (job.warnings && job.warnings.length) {
      out.append(G.el("p", { class: "warning", text: G.T("upload.warnings", { n: job.warning_count }) }));
      const w = G.el("div", { class: "table-wrap", id: "upload-warnings" });
      w.append(issueTable(job.warnings, G.T("upload.warnings_caption")));
      out.append(w);
    }
    if (job.errors && job.errors.length) {
      const e = G.el("div", { class: "table-wrap", id: "upload-errors" });
      e.append(issueTable(job.errors, G.T("upload.report_caption")));
      out.append(e);
      if (job.error_count > job.errors.length)
        out.append(G.el("p", { class: "hint", text: G.T("upload.more_errors",
          { shown: job.errors.length, n: job.error_count }) }));
    }
  }

  let pollTimer = null;
  async function poll(url, out, bar, cancelBtn) {
    let job;
    try {
      job = await G.api(url, { role: G.role });
    } catch (e) {
      out.append(G.el("p", { class: "error", text: G.T("error.server") }));
      return;
    }
    if (job.progress_total) { bar.max = job.progress_total; bar.value = job.progress_done; }
    $("upload-progress-text").textContent = G.T("upload.progress", {
      done: G.num(job.progress_done), total: job.progress_total == null ? "?" : G.num(job.progress_total) });
    if (job.status === "queued" || job.status === "running") {
      pollTimer = setTimeout(function () { poll(url, out, bar, cancelBtn); }, 300);
      return;
    }
    cancelBtn.hidden = true;
    $("upload-progress").hidden = true;
    if (job.status === "succeeded") {
      const r = job.result;
      out.append(G.el("p", { class: "ok", text: G.T("upload.done", { rows: r.row_count,
        period: r.period, serving: r.serving_demand_period || "—" }) }));
      G.setStatus(null, r.serving_demand_period);
    } else if (job.status === "cancelled") {
      out.append(G.el("p", { class: "error", text: G.T("upload.cancelled") }));
    } else if (job.errors && job.errors.length) {
      out.append(G.el("p", { class: "error", text: G.T("upload.rejected", { n: job.error_count }) }));
    } else {
      out.append(G.el("p", { class: "error", text: G.T("upload.failed", { why: job.message || "" }) }));
    }
    showIssues(out, job);
  }

  async function upload(ev) {
    ev.preventDefault();
    const out = $("upload-out");
    out.textContent = "";
    if (pollTimer) clearTimeout(pollTimer);
    const period = $("u-period").value.trim();
    const errs = {};
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) errs.u_period = G.T("upload.bad_period");
    const file = $("u-file").files && $("u-file").files[0];
    if (!file || !file.size) errs.u_file = G.T("upload.no_file");
    G.fieldError("u_period", errs.u_period || null);
    G.fieldError("u_file", errs.u_file || null);
    if (Object.keys(errs).length) return;
    const bar = $("upload-bar"), cancelBtn = $("upload-cancel");
    try {
      // the file itself as the body: the browser streams it, never read whole into a string
      const r = await G.api("/api/v1/demand/" + period, { method: "PUT", role: G.role,
        headers: { "Content-Type": "text/csv" }, body: file });
      $("upload-progress").hidden = false;
      bar.removeAttribute("value");
      cancelBtn.hidden = false;
      cancelBtn.onclick = async function () {
        try { await G.api(r.status_url + "/cancel", { method: "POST", role: G.role }); }
        catch (e) { /* 409: it already committed; the poll shows the result */ }
      };
      poll(r.status_url, out, bar, cancelBtn);
    } catch (e) {
      const det = (e.body && e.body.error && e.body.error.details) || [];
      out.append(G.el("p", { class: "error", text: e.status === 422
        ? G.T("upload.rejected", { n: Array.isArray(det) ? det.length : 0 })
        : e.status === 413 ? G.T("upload.too_large") : G.T("error.server") }));
      if (Array.isArray(det) && det.length) out.append(issueTable(det, G.T("upload.report_caption")));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("reload").addEventListener("click", reload);
    $("upload-form").addEventListener("submit", upload);
    document.addEventListener("langchange", function () {
      if (models) renderModels();
      renderCard();
      drawNatCov();
    });
    $("natcov-form").addEventListener("submit", function (ev) { ev.preventDefault(); });
    $("nc-cohort").addEventListener("change", drawNatCov);
    $("nc-status").addEventListener("change", drawNatCov);
    G.login("admin", function () { return "/api/v1/models"; }, loadAll);
  });
})();

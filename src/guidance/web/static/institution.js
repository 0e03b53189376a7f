/* Institution: templates, tracer submission (a job with progress and cancel; errors by row
   and column with the annotated file), my versions with withdrawal, my coverage.
   Everything from the server is put into the page as text (textContent), never as HTML. */
"use strict";
(function () {
  const G = window.G;
  const ROLE = "institution";
  const INST_STORE = "guidance-institution-id";  // not a secret: remembered across visits
  const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;  // the API's institution_id pattern
  const SHOWN = 200;  // error rows drawn in the table (the API caps its list too)
  function $(id) { return document.getElementById(id); }

  let inst = localStorage.getItem(INST_STORE) || "";
  let subs = null, subsFailed = false;
  let cov = null, covFailed = false;
  let outcome = null;  // the last submission's outcome, re-drawn on a language switch
  let job = null;      // the running job {id, url, status, done, total}
  let pollTimer = null;
  let target = null;   // the version being withdrawn

  function base() { return "/api/v1/institutions/" + encodeURIComponent(inst) + "/tracer"; }

  /* ---- login: the institution code field, then the key ---- */
  function prepare() {
    const field = $("f-institution");
    const v = (field.value || inst).trim();
    if (!v) { G.fieldError("institution", G.T("inst.id_required")); return false; }
    if (!ID_RE.test(v)) { G.fieldError("institution", G.T("inst.id_bad")); return false; }
    G.fieldError("institution", null);
    inst = v;
    field.value = v;
    localStorage.setItem(INST_STORE, v);
    $("who-institution").textContent = v;
    return true;
  }

  /* ---- labels ---- */
  function waveText(w) { return G.texts["inst.short." + w] === undefined ? w : G.T("inst.short." + w); }
  function kindText(k) { return G.texts["inst.short." + k] === undefined ? k : G.T("inst.short." + k); }
  function ruleText(rule) {
    const k = "rule." + rule;
    return G.texts[k] === undefined ? (rule || "—") : G.T(k);
  }
  /* An issue's message in the page's language (the API gives vi and en). */
  function message(d) {
    return d[G.lang] || d["message_" + G.lang] || d.vi || d.message_vi || d.message || "";
  }
  function count(v) { return Array.isArray(v) ? v.length : (v == null ? 0 : v); }
  function first(a, b) { return a == null ? b : a; }

  /* ---- templates ---- */
  async function template(ev) {
    const b = ev.currentTarget, kind = b.dataset.kind, fmt = b.dataset.format;
    const msg = $("tpl-msg");
    msg.textContent = G.T("inst.tpl_loading");
    try {
      const f = await G.fetchFile("/api/v1/tracer/template?format=" + fmt + "&kind=" + kind, ROLE,
        "mau-khao-sat-" + kind + "." + fmt);
      G.saveBlob(f.name, f.blob);
      msg.textContent = G.T("inst.tpl_done", { name: f.name });
    } catch (e) {
      msg.textContent = G.T("inst.tpl_failed");
    }
  }

  /* ---- submission ---- */
  const TYPES = { xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    csv: "text/csv", json: "application/json" };

  /* "2025-06", "06/2025", "6/2025" or "06.2025" → "2025-06" (anything else unchanged). */
  function cohortValue() {
    const v = $("s-cohort").value.trim();
    const m = /^(\d{1,2})[/.-](\d{4})$/.exec(v);
    return m ? m[2] + "-" + m[1].padStart(2, "0") : v;
  }

  function setBusy(busy) {
    $("send-submit").disabled = busy;
    $("send-progress").hidden = !busy;
    $("send-cancel").hidden = !(busy && job);
    if (!busy) job = null;
  }

  function progressText() {
    const t = $("send-progress-text");
    if (!job) { t.textContent = G.T("inst.sending"); return; }
    if (job.status === "queued") { t.textContent = G.T("inst.queued"); return; }
    t.textContent = G.T("inst.progress", { done: G.num(job.done || 0),
      total: job.total == null ? "?" : G.num(job.total) });
  }

  async function send(ev) {
    ev.preventDefault();
    if (job) return;
    outcome = null;
    drawOutcome();
    const cohort = cohortValue(), wave = $("s-wave").value;
    const file = $("s-file").files && $("s-file").files[0];
    const ext = file ? (file.name.split(".").pop() || "").toLowerCase() : "";
    const errs = {};
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(cohort)) errs.s_cohort = G.T("inst.cohort_bad");
    if (!file || !file.size) errs.s_file = G.T("inst.no_file");
    else if (!TYPES[ext]) errs.s_file = G.T("inst.bad_type");
    ["s_cohort", "s_file"].forEach(function (k) { G.fieldError(k, errs[k] || null); });
    if (Object.keys(errs).length) {
      $(errs.s_cohort ? "s-cohort" : "s-file").focus();
      return;
    }
    const bar = $("send-bar");
    bar.removeAttribute("value");
    setBusy(true);
    progressText();
    let r;
    try {
      // the file itself is the body: the browser streams it, it is never read into a string
      r = await G.api(base() + "/" + cohort + "/" + wave + "?filename=" + encodeURIComponent(file.name),
        { method: "PUT", role: ROLE, body: file,
          headers: { "Content-Type": TYPES[ext], Prefer: "respond-async" } });
    } catch (e) {
      setBusy(false);
      outcome = failure(e);
      drawOutcome();
      return;
    }
    if (r && r.job_id) {
      job = { id: r.job_id, url: r.status_url || "/api/v1/jobs/" + encodeURIComponent(r.job_id),
        status: r.status || "queued", done: 0, total: null };
      $("send-cancel").hidden = false;
      progressText();
      poll();
    } else {  // the server answered at once (no job)
      setBusy(false);
      finish({ type: "ok", result: r, warnings: (r && r.warnings) || [] });
    }
  }

  /* An answer that is not 2xx, as an outcome to draw. */
  function failure(e) {
    const body = e.body || {};
    const err = body.error || {};
    // a refused file: its issues name a rule (a 422 about the request itself does not)
    const det = Array.isArray(err.details) ? err.details.filter(function (d) {
      return d && d.rule !== undefined; }) : [];
    if (e.status === 422 && det.length) {
      return { type: "errors", errors: det, total: err.details_total || det.length,
        file: body.error_file_url || err.error_file_url || null };
    }
    return { type: "failed", why: G.T(e.status === 413 ? "inst.too_large"
      : e.status === 415 ? "inst.unsupported" : e.status === 409 ? "inst.conflict"
        : e.status === 403 ? "inst.forbidden" : e.status === 422 ? "error.invalid" : "error.server") };
  }

  async function poll() {
    if (!job) return;
    let j;
    try {
      j = await G.api(job.url, { role: ROLE });
    } catch (e) {
      setBusy(false);
      finish({ type: "failed", why: G.T("error.server") });
      return;
    }
    job.status = j.status;
    job.done = j.progress_done;
    job.total = j.progress_total;
    const bar = $("send-bar");
    if (j.progress_total) { bar.max = j.progress_total; bar.value = j.progress_done || 0; }
    progressText();
    if (j.status === "queued" || j.status === "running") {
      pollTimer = setTimeout(poll, 400);
      return;
    }
    setBusy(false);
    const result = j.result || {};
    if (j.status === "succeeded") {
      finish({ type: "ok", result: result, warnings: j.warnings || result.warnings || [] });
    } else if (j.status === "cancelled") {
      finish({ type: "cancelled" });
    } else if ((j.errors && j.errors.length) || j.error_count) {
      const errors = j.errors || [];
      finish({ type: "errors", errors: errors, total: j.error_count || errors.length,
        file: result.error_file_url || j.error_file_url || null });
    } else {
      const why = j.message || (j.error && (j.error.message || j.error)) || "";
      finish({ type: "failed", why: typeof why === "string" ? why : G.T("error.server") });
    }
  }

  async function cancel() {
    if (!job) return;
    try {
      await G.api("/api/v1/jobs/" + encodeURIComponent(job.id) + "/cancel", { method: "POST", role: ROLE });
    } catch (e) { /* 409: it already ended; the next poll shows how */ }
  }

  function finish(o) {
    outcome = o;
    drawOutcome();
    if (o.type === "ok") loadLists();
  }

  function issueTable(list, caption, id) {
    const rows = list.slice(0, SHOWN).map(function (d) {
      return [d.row == null ? G.T("inst.whole_file") : G.num(d.row), d.column || "—", message(d),
        ruleText(d.rule)];
    });
    const t = G.table([G.T("report.row"), G.T("report.column"), G.T("report.message"),
      G.T("report.rule")], rows, caption);
    t.id = id;
    return t;
  }

  async function errorFile(url) {
    try {
      const f = await G.fetchFile(url, ROLE, "loi-" + (inst || "tep") + ".xlsx");
      G.saveBlob(f.name, f.blob);
    } catch (e) {
      $("send-out").append(G.el("p", { class: "error", text: G.T("inst.error_file_failed") }));
    }
  }

  function drawOutcome() {
    const out = $("send-out");
    out.textContent = "";
    const o = outcome;
    if (!o) return;
    if (o.type === "ok") {
      const r = o.result || {};
      out.append(G.el("p", { class: "ok", id: "send-ok", text: G.T("inst.accepted", {
        version: r.version == null ? "—" : r.version, cohort: G.month(r.cohort),
        wave: waveText(r.wave), rows: G.num(r.rows), added: G.num(r.added),
        changed: G.num(r.changed), removed: G.num(r.removed) }) }));
      if (o.warnings.length) {
        out.append(G.el("p", { class: "warning", text: G.T("inst.warnings", { n: G.num(o.warnings.length) }) }));
        out.append(issueTable(o.warnings, G.T("inst.warnings_caption"), "send-warnings"));
      }
    } else if (o.type === "errors") {
      out.append(G.el("p", { class: "error", id: "send-rejected",
        text: G.T("inst.rejected", { n: G.num(o.total) }) }));
      if (o.total > Math.min(o.errors.length, SHOWN))
        out.append(G.el("p", { class: "hint", text: G.T("inst.more_errors",
          { shown: G.num(Math.min(o.errors.length, SHOWN)), n: G.num(o.total) }) }));
      if (o.file) {
        const b = G.el("button", { type: "button", id: "send-errfile", text: G.T("inst.error_file") });
        b.addEventListener("click", function () { errorFile(o.file); });
        out.append(G.el("p", {}, [b]));
      }
      if (o.errors.length) out.append(issueTable(o.errors, G.T("inst.errors_caption"), "send-errors"));
    } else if (o.type === "cancelled") {
      out.append(G.el("p", { class: "error", text: G.T("inst.cancelled") }));
    } else {
      out.append(G.el("p", { class: "error", text: G.T("inst.failed", { why: o.why || "" }) }));
    }
  }

  /* ---- my versions ---- */
  async function loadSubs() {
    try {
      subs = await G.api(base(), { role: ROLE });
      if (!Array.isArray(subs)) subs = subs.items || subs.submissions || [];
      subsFailed = false;
    } catch (e) {
      subs = null; subsFailed = true;
    }
    drawSubs();
  }

  /* The current version of a (cohort, wave): its newest one not withdrawn. */
  function currentVersions() {
    const cur = {};
    (subs || []).forEach(function (s) {
      if (s.withdrawn_at) return;
      const k = s.cohort + "|" + s.wave;
      if (!(k in cur) || s.version > cur[k]) cur[k] = s.version;
    });
    return cur;
  }

  function drawSubs() {
    const out = $("subs-out");
    out.textContent = "";
    if (subsFailed) { out.append(G.el("p", { class: "error", text: G.T("inst.load_failed") })); return; }
    if (!subs) return;
    if (!subs.length) { out.append(G.el("p", { text: G.T("inst.subs_none") })); return; }
    const cur = currentVersions();
    const sorted = subs.slice().sort(function (a, b) {
      return a.cohort < b.cohort ? 1 : a.cohort > b.cohort ? -1
        : a.wave !== b.wave ? (a.wave === "6m" ? -1 : 1) : b.version - a.version;
    });
    const rows = sorted.map(function (s) {
      const isCur = cur[s.cohort + "|" + s.wave] === s.version;
      const status = s.withdrawn_at ? G.T("inst.status.withdrawn", { reason: s.withdrawn_reason || "—" })
        : G.T(isCur ? "inst.status.current" : "inst.status.old");
      let action = "—";
      if (isCur) {
        action = G.el("button", { type: "button", class: "withdraw", text: G.T("inst.withdraw"),
          "aria-label": G.T("inst.withdraw_label", { cohort: G.month(s.cohort),
            wave: waveText(s.wave), version: s.version }) });
        action.addEventListener("click", function () { askWithdraw(s); });
      }
      return [G.month(s.cohort), waveText(s.wave), G.num(s.version), kindText(s.kind),
        G.datetime(s.created_at), G.num(first(s.rows, s.row_count)),
        G.num(first(s.warning_count, count(s.warnings))), status, action];
    });
    const t = G.table([G.T("inst.col.cohort"), G.T("inst.col.wave"), G.T("inst.col.version"),
      G.T("inst.col.kind"), G.T("inst.col.created"), G.T("inst.col.rows"),
      G.T("inst.col.warnings"), G.T("inst.col.status"), G.T("inst.col.action")], rows,
      G.T("inst.subs_caption"), { rowClass: function (i) { return sorted[i].withdrawn_at ? "withdrawn" : null; } });
    out.append(t);
  }

  function askWithdraw(s) {
    target = s;
    $("withdraw-msg").textContent = "";
    drawWithdrawTitle();
    $("w-reason").value = "";
    G.fieldError("w_reason", null);
    $("withdraw-form").hidden = false;
    $("w-reason").focus();
  }

  function drawWithdrawTitle() {
    if (!target) return;
    $("withdraw-h").textContent = G.T("inst.withdraw_title", { cohort: G.month(target.cohort),
      wave: waveText(target.wave), version: target.version });
  }

  async function withdraw(ev) {
    ev.preventDefault();
    if (!target) return;
    const reason = $("w-reason").value.trim();
    if (!reason) { G.fieldError("w_reason", G.T("error.required")); $("w-reason").focus(); return; }
    G.fieldError("w_reason", null);
    const s = target;
    const msg = $("withdraw-msg");
    try {
      const r = await G.api(base() + "/" + s.cohort + "/" + s.wave + "/withdraw",
        { method: "POST", role: ROLE, json: { reason: reason } });
      msg.textContent = G.T("inst.withdrawn", { version: (r && r.version) || s.version });
      target = null;
      $("withdraw-form").hidden = true;
      loadLists();
    } catch (e) {
      const why = e.status === 422 ? G.T("error.required") : G.T("error.server");
      msg.textContent = G.T("inst.withdraw_failed", { why: why });
    }
  }

  /* ---- my coverage ---- */
  async function loadCov() {
    try {
      cov = await G.api(base() + "/coverage", { role: ROLE });
      if (!Array.isArray(cov)) cov = cov.items || cov.coverage || [];
      covFailed = false;
    } catch (e) {
      cov = null; covFailed = true;
    }
    drawCov();
  }

  function drawCov() {
    const out = $("cov-out");
    out.textContent = "";
    if (covFailed) { out.append(G.el("p", { class: "error", text: G.T("inst.load_failed") })); return; }
    if (!cov) return;
    if (!cov.length) { out.append(G.el("p", { text: G.T("inst.cov_none") })); return; }
    out.append(G.table([G.T("inst.col.cohort"), G.T("inst.col.wave"), G.T("inst.col.version"),
      G.T("inst.col.kind"), G.T("inst.col.graduates"), G.T("inst.col.surveyed"),
      G.T("inst.col.responded"), G.T("inst.col.rate")],
      cov.map(function (c) {
        return [G.month(c.cohort), waveText(c.wave), G.num(c.version), kindText(c.kind),
          G.num(c.graduates_known), G.num(c.surveyed), G.num(c.responded), G.rate(c.response_rate)];
      }), G.T("inst.cov_caption")));
  }

  function loadLists() { loadSubs(); loadCov(); }

  document.addEventListener("DOMContentLoaded", function () {
    $("f-institution").value = inst;
    if (inst) $("who-institution").textContent = inst;
    document.querySelectorAll("button.tpl").forEach(function (b) { b.addEventListener("click", template); });
    $("send-form").addEventListener("submit", send);
    $("send-cancel").addEventListener("click", cancel);
    $("withdraw-form").addEventListener("submit", withdraw);
    $("w-cancel").addEventListener("click", function () {
      target = null;
      $("withdraw-form").hidden = true;
    });
    document.addEventListener("langchange", function () {
      drawOutcome(); drawSubs(); drawCov(); drawWithdrawTitle();
      if (job) progressText();
    });
    window.addEventListener("pagehide", function () { if (pollTimer) clearTimeout(pollTimer); });
    G.login(ROLE, function () { return base(); }, loadLists,
      // a key of another institution gets 404, like an unknown code (the API tells nothing)
      { prepare: prepare, messages: { 403: "inst.forbidden", 404: "inst.unknown", 422: "inst.id_bad" } });
  });
})();

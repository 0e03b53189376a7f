/* Admin: models (champion and challenger side by side with their calibration and fairness
   plots, promote / roll back through the gate, versions with dates, metrics as tables),
   reload, the model card,
   national tracer coverage (missing submissions highlighted, filter by cohort/status),
   demand upload with its row/column error report. */
"use strict";
(function () {
  const G = window.G;
  G.role = "admin";
  function $(id) { return document.getElementById(id); }
  let models = null;

  const TARGET = "employed_12m";  // the promotion gate's target
  function label(prefix, v) { return G.texts[prefix + v] === undefined ? v : G.T(prefix + v); }
  function yesNo(b) { return b == null ? "—" : G.T(b ? "models.yes" : "models.no"); }
  function when(v) {
    // the registry gives epoch milliseconds (as a number), a file source an ISO string
    return v.created_at ? G.datetime(v.created_at) : v.created ? G.datetime(v.created) : "—";
  }
  function byVersion(ver) {
    return (models.versions || []).filter(function (v) { return v.version === ver; })[0] || null;
  }
  function targetOf(v, t) {
    const mv = v && v.metrics_view;
    return mv ? (mv.targets || []).filter(function (r) { return r.target === t; })[0] || null : null;
  }
  /* AUC, Brier and ECE with three decimals, counts whole, rates as % (Vietnamese forms). */
  function cell(metric, x) {
    if (x == null) return "—";
    if (metric === "n") return G.num(x);
    if (metric === "observed" || metric === "predicted") return G.rate(x);
    return G.num(x, 3);
  }

  async function loadModels() {
    try {
      models = await G.api("/api/v1/models", { role: G.role });
    } catch (e) {
      $("models-active").textContent = G.T("error.server");
      return;
    }
    renderModels();
    loadPlots();
  }

  function renderModels() {
    const a = models.active;
    G.setStatus(a.version, a.demand_period);
    const dl = G.el("dl", { class: "facts" });
    [["models.active", a.version], ["models.ready", G.T(a.ready ? "models.yes" : "models.no")],
     ["models.loaded_at", a.loaded_at ? G.datetime(a.loaded_at) : null],
     ["models.sha", a.sha256 ? a.sha256.slice(0, 12) : null],
     ["models.demand", a.demand_period ? G.month(a.demand_period) : null],
     ["models.last_error", a.last_error]]
      .forEach(function (r) {
        dl.append(G.el("dt", { text: G.T(r[0]) }), G.el("dd", { text: r[1] == null ? "—" : String(r[1]) }));
      });
    $("models-active").textContent = "";
    $("models-active").append(dl);
    $("models-table").textContent = "";
    if (models.versions_error) $("models-table").append(G.el("p", { class: "error", text: models.versions_error }));
    const t = G.table(
      [G.T("models.version"), G.T("models.aliases"), G.T("models.created"), G.T("models.col.auc"),
       G.T("models.col.brier"), G.T("models.col.ece"), G.T("models.beats")],
      models.versions.slice().reverse().map(function (v) {
        const m = (targetOf(v, TARGET) || { model: {} }).model;
        return [v.version, (v.aliases || []).map(function (x) { return label("models.alias.", x); }).join(", ") || "—",
          when(v), cell("auc", m.auc), cell("brier", m.brier), cell("ece", m.ece),
          yesNo(v.metrics_view ? v.metrics_view.beats_baselines : null)];
      }),
      G.T("models.caption", { target: label("models.target.", TARGET) }));
    t.id = "versions-table";
    $("models-table").append(t);
    renderCompare();
    renderEval();
  }

  /* Champion and challenger side by side: facts, the gate target's metrics, the plots, and
     the button that promotes (or rolls back) through the gate. */
  function versionCard(role, ver) {
    const v = byVersion(ver);
    const box = G.el("section", { class: "card compare-card", id: "card-" + role,
      "aria-labelledby": "card-" + role + "-h" });
    box.append(G.el("h3", { id: "card-" + role + "-h",
      text: G.T("models.role." + role, { version: ver || "—" }) }));
    if (!v) { box.append(G.el("p", { class: "hint",
      text: G.T(role === "champion" ? "models.no_champion" : "models.no_challenger") })); return box; }
    const mv = v.metrics_view || {};
    const tags = v.tags || {};
    const dl = G.el("dl", { class: "facts" });
    [["models.created", when(v)], ["models.beats", yesNo(mv.beats_baselines)],
     ["models.unreliable", yesNo(mv.metrics_unreliable)],
     ["models.promoted_at", tags.promoted_at ? G.datetime(tags.promoted_at) : null],
     ["models.promoted_from", tags.promoted_from && tags.promoted_from !== "none" ? tags.promoted_from : null],
     ["models.forced_reason", tags.forced_reason || null]]
      .forEach(function (r) {
        if (r[1] == null) return;
        dl.append(G.el("dt", { text: G.T(r[0]) }), G.el("dd", { text: String(r[1]) }));
      });
    box.append(dl);
    const row = targetOf(v, TARGET);
    if (row) box.append(metricTable(row, v.version, true));
    const plots = G.el("div", { class: "plots", id: "plots-" + v.version });
    box.append(plots);
    drawPlots(v.version);
    if (models.can_promote) {
      if (role === "challenger")
        box.append(G.el("p", {}, [promoteButton(ver, "models.promote_this")]));
      else if (models.rollback)
        box.append(G.el("p", {}, [promoteButton(models.rollback, "models.rollback")]));
    }
    return box;
  }

  function promoteButton(ver, key) {
    const b = G.el("button", { type: "button", class: "promote-btn", "data-version": ver,
      text: G.T(key, { version: ver }) });
    b.addEventListener("click", function () { $("p-version").value = ver; promote(); });
    return b;
  }

  function renderCompare() {
    const out = $("models-compare");
    out.textContent = "";
    out.append(versionCard("champion", models.champion), versionCard("challenger", models.challenger));
    const sel = $("p-version"), keep = sel.value;
    sel.textContent = "";
    models.versions.slice().reverse().forEach(function (v) {
      if (v.version === models.champion) return;
      sel.append(G.el("option", { value: v.version, text: G.T("models.version_n", { version: v.version }) }));
    });
    if (Array.from(sel.options).some(function (o) { return o.value === keep; })) sel.value = keep;
    $("promote-form").hidden = !models.can_promote || !sel.options.length;
    $("promote-none").hidden = models.can_promote;
  }

  /* One target: the model's row and each baseline's row, metrics as columns. */
  function metricTable(row, version, compact) {
    const cols = compact ? ["auc", "brier", "ece"] : ["n", "auc", "brier", "ece", "observed", "predicted"];
    const rows = [[G.T("models.row.model")].concat(cols.map(function (c) { return cell(c, row.model[c]); }))];
    (row.baselines || []).forEach(function (b) {
      rows.push([label("models.baseline.", b.name)].concat(cols.map(function (c) { return cell(c, b[c]); })));
    });
    const t = G.table([G.T("models.row.who")].concat(cols.map(function (c) { return G.T("models.col." + c); })),
      rows, G.T("models.target_caption", { target: label("models.target.", row.target), version: version }));
    t.classList.add("metrics-table");
    return t;
  }

  function renderEval() {
    const out = $("models-eval");
    out.textContent = "";
    const champ = byVersion(models.champion);
    if (!champ) { out.append(G.el("p", { text: G.T("models.no_eval") })); return; }
    const mv = champ.metrics_view || { targets: [], fairness: [] };
    if (!mv.targets.length) { out.append(G.el("p", { text: G.T("models.no_metrics") })); return; }
    out.append(G.el("p", { class: "hint", text: G.T("models.eval_hint", { version: champ.version }) }));
    mv.targets.forEach(function (row) {
      out.append(metricTable(row, champ.version));
      if (row.unreliable) out.append(G.el("p", { class: "warning", text: G.T("models.target_unreliable") }));
    });
    if (mv.fairness && mv.fairness.length) {
      const f = G.table([G.T("models.col.target"), G.T("models.col.attribute"),
        G.T("models.col.max_abs_gap"), G.T("models.col.calibration_gap")],
        mv.fairness.map(function (r) {
          return [label("models.target.", r.target), label("models.attr.", r.attribute),
            G.rate(r.max_abs_gap), G.rate(r.calibration_gap)];
        }), G.T("models.fairness_caption", { version: champ.version }));
      f.id = "fairness-table";
      out.append(f);
    }
  }

  /* The plots' numbers (calibration bins, fairness by group) from the version's run. */
  const plotData = {};
  async function loadPlots() {
    if (!models || !models.can_promote) return;
    [models.champion, models.challenger].filter(Boolean).forEach(async function (ver) {
      if (plotData[ver]) { drawPlots(ver); return; }
      try {
        plotData[ver] = await G.api("/api/v1/models/" + ver + "/evaluation", { role: G.role });
      } catch (e) {
        plotData[ver] = { error: true };
      }
      drawPlots(ver);
    });
  }

  function drawPlots(ver) {
    const box = document.getElementById("plots-" + ver);
    if (!box) return;
    box.textContent = "";
    const d = plotData[ver];
    if (!d) return;
    if (d.error) { box.append(G.el("p", { class: "hint", text: G.T("models.plots_error") })); return; }
    const rel = (d.reliability || []).filter(function (r) { return r.target === TARGET; });
    box.append(rel.length ? calibrationSvg(rel, ver)
      : G.el("p", { class: "hint", text: G.T("models.no_calibration") }));
    const fair = (d.fairness || []).filter(function (r) { return String(r.key).indexOf(TARGET + "/") === 0; });
    box.append(fair.length ? fairnessSvg(fair, ver)
      : G.el("p", { class: "hint", text: G.T("models.no_fairness") }));
  }

  function figure(svg, caption) {
    const f = G.el("figure", { class: "plot" });
    f.append(svg, G.el("figcaption", { text: caption }));
    return f;
  }

  /* Observed rate against mean prediction per bin; the diagonal is perfect calibration. */
  function calibrationSvg(rows, ver) {
    const W = 250, H = 220, P = 46;  // P: room for the ticks and the rotated axis label
    const x = function (p) { return P + p * (W - P - 24); };
    const y = function (p) { return H - P - p * (H - P - 8); };
    const title = G.T("models.calibration_title", { version: ver });
    const svg = G.svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title,
      class: "calibration", width: W, height: H });
    svg.append(G.svg("rect", { x: P, y: 8, width: W - P - 24, height: H - P - 8, class: "frame" }));
    svg.append(G.svg("line", { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: "diagonal" }));
    [0, 0.5, 1].forEach(function (t) {
      const a = G.svg("text", { x: x(t), y: H - P + 14, "text-anchor": "middle", class: "tick" });
      a.textContent = G.rate(t).replace(/[,.]0(?=\D*$)/, "");
      const b = G.svg("text", { x: P - 4, y: y(t) + 4, "text-anchor": "end", class: "tick" });
      b.textContent = a.textContent;
      svg.append(a, b);
    });
    const xl = G.svg("text", { x: x(0.5), y: H - 4, "text-anchor": "middle", class: "axis" });
    xl.textContent = G.T("models.axis_predicted");
    const yl = G.svg("text", { x: 10, y: y(0.5), "text-anchor": "middle", class: "axis",
      transform: "rotate(-90 10 " + y(0.5) + ")" });
    yl.textContent = G.T("models.axis_observed");
    svg.append(xl, yl);
    const pts = rows.filter(function (r) { return r.predicted != null && r.observed != null; });
    svg.append(G.svg("polyline", { class: "curve", points: pts.map(function (r) {
      return x(r.predicted) + "," + y(r.observed); }).join(" ") }));
    pts.forEach(function (r) {
      const c = G.svg("circle", { cx: x(r.predicted), cy: y(r.observed), r: 3.5, class: "point" });
      const tt = G.svg("title", {});
      tt.textContent = G.T("models.calibration_point", { predicted: G.rate(r.predicted),
        observed: G.rate(r.observed), n: G.num(r.n) });
      c.append(tt);
      svg.append(c);
    });
    return figure(svg, title);
  }

  /* Predicted − observed per group of each audited attribute (bars left or right of 0). */
  function fairnessSvg(rows, ver) {
    const W = 320, rowH = 18, L = 170, H = rows.length * rowH + 30;
    const max = Math.max(0.05, Math.max.apply(null, rows.map(function (r) { return Math.abs(r.gap || 0); })));
    const mid = L + (W - L - 10) / 2, half = (W - L - 10) / 2;
    const title = G.T("models.fairness_title", { version: ver });
    const svg = G.svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title,
      class: "fairness", width: W, height: H });
    svg.append(G.svg("line", { x1: mid, y1: 4, x2: mid, y2: H - 24, class: "zero" }));
    rows.forEach(function (r, i) {
      const attr = String(r.key).split("/")[1] || "";
      const yy = 6 + i * rowH;
      const name = G.svg("text", { x: L - 4, y: yy + 11, "text-anchor": "end", class: "tick" });
      name.textContent = label("models.attr.", attr) + ": " + label("models.group.", String(r.group));
      const gap = r.gap || 0, w = Math.abs(gap) / max * half;
      const bar = G.svg("rect", { x: gap < 0 ? mid - w : mid, y: yy + 2, width: Math.max(w, 1),
        height: rowH - 6, class: r.small ? "bar small" : "bar" });
      const tt = G.svg("title", {});
      tt.textContent = G.T("models.fairness_bar", { gap: G.rate(gap), n: G.num(r.n),
        observed: G.rate(r.observed), predicted: G.rate(r.predicted) });
      bar.append(tt);
      svg.append(name, bar);
    });
    const ax = G.svg("text", { x: mid, y: H - 8, "text-anchor": "middle", class: "axis" });
    ax.textContent = G.T("models.axis_gap");
    svg.append(ax);
    return figure(svg, title);
  }

  /* Promote (or roll back) through the gate; a refusal lists its reasons. */
  async function promote(ev) {
    if (ev) ev.preventDefault();
    const msg = $("promote-msg"), list = $("promote-reasons");
    const version = $("p-version").value, force = $("p-force").checked;
    const reason = $("p-reason").value.trim();
    list.textContent = "";
    msg.className = "";
    G.fieldError("p_reason", null);
    if (force && !reason) { G.fieldError("p_reason", G.T("models.reason_needed")); return; }
    msg.textContent = G.T("models.promoting", { version: version });
    document.querySelectorAll(".promote-btn, #promote-form button").forEach(function (b) { b.disabled = true; });
    try {
      const body = { version: version, force: force };
      if (force) body.reason = reason;
      const acc = await G.api("/api/v1/models/promote", { method: "POST", role: G.role,
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      // the gate runs as a job: poll it until it ends
      let job = acc;
      while (job.status === "queued" || job.status === "running") {
        await new Promise(function (ok) { setTimeout(ok, 500); });
        job = await G.api(acc.status_url, { role: G.role });
      }
      const r = job.result || {};
      if (job.status === "succeeded") {
        msg.className = "ok";
        msg.textContent = G.T(r.forced ? "models.promoted_forced" : "models.promoted",
          { version: r.version, previous: r.previous || "—" });
        (r.reasons || []).forEach(function (x) { list.append(G.el("li", { text: reasonText(x) })); });
        $("p-force").checked = false;
        $("p-reason").value = "";
        await loadModels();
        loadCard();
      } else if (r.refused) {
        msg.className = "error";
        msg.textContent = G.T("models.refused", { version: version });
        (job.errors || []).forEach(function (x) { list.append(G.el("li", { text: reasonText(x) })); });
      } else {
        msg.className = "error";
        msg.textContent = G.T("models.promote_failed",
          { why: (G.lang === "vi" && r.message_vi) || job.message || job.status });
      }
    } catch (e) {
      const err = (e.body && e.body.error) || {};
      msg.className = "error";
      msg.textContent = G.T("models.promote_failed",
        { why: (G.lang === "vi" && err.message_vi) || err.message || e.message });
    } finally {
      document.querySelectorAll(".promote-btn, #promote-form button").forEach(function (b) { b.disabled = false; });
    }
  }
  function reasonText(x) { return x["message_" + G.lang] || x.message_en || x.message || ""; }

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
      msg.textContent = !r.swapped ? G.T("models.same", { version: r.version })
        : r.previous && r.previous !== r.version
          ? G.T("models.swapped", { version: r.version, previous: r.previous })
          : G.T("models.rebuilt", { version: r.version });
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
        // d.row: the spreadsheet row (the header is row 1), as the API gives it
        return [d.row == null ? G.T("upload.whole_file") : G.num(d.row), d.column || "—",
          d["message_" + G.lang] || d.message,
          Array.isArray(d.value) ? d.value.join(", ") : d.value, ruleText(d.rule)]; }), caption);
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
      out.append(G.el("p", { class: "ok", text: G.T("upload.done", { rows: G.num(r.row_count),
        period: G.month(r.period), serving: G.month(r.serving_demand_period) }) }));
      // the panel and the footer show what the server now serves (it switched on commit)
      loadModels();
    } else if (job.status === "cancelled") {
      out.append(G.el("p", { class: "error", text: G.T("upload.cancelled") }));
    } else if (job.errors && job.errors.length) {
      out.append(G.el("p", { class: "error", text: G.T("upload.rejected", { n: job.error_count }) }));
    } else {
      out.append(G.el("p", { class: "error", text: G.T("upload.failed", { why: jobWhy(job) }) }));
    }
    showIssues(out, job);
  }

  /* Why a job failed without a list of findings, in the page's language: the server's
     English text names an interruption or the kind of error. */
  function jobWhy(job) {
    const m = job.message || "";
    if (/^interrupted/.test(m)) return G.T("upload.why_interrupted");
    const kind = /^failed \((\w+)\)/.exec(m);
    if (kind) return G.T("upload.why_error", { kind: kind[1] });
    return G.lang === "en" ? m : G.T("upload.why_unknown");
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
    $("promote-form").addEventListener("submit", promote);
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

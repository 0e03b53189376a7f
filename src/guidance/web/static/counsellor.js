/* Counsellor tools: what-if, feedback with consent, class CSV, demand over time. */
"use strict";
(function () {
  const G = window.G;
  G.role = "counsellor";
  const L = function () { return G.learner; };
  function $(id) { return document.getElementById(id); }
  function today() { return new Date().toISOString().slice(0, 10); }
  const cache = {};  // programme details by id (names, field, graduates)
  let picker = null;  // the searchable programme list of "another programme"
  let lastWhatIf = null;  // redrawn in the other language on a language switch

  /* --- after a recommendation: what-if and feedback become available ------------ */
  function onResult(res) {
    $("whatif").hidden = false;
    $("feedback").hidden = false;
    $("whatif-out").textContent = "";
    lastWhatIf = null;
    $("fb-done").textContent = "";
    fillChoices(res);
    $("guardian-wrap").hidden = !(L().profile && L().profile.age < 16);
  }
  onResult.card = function (li, it) {
    const b = G.el("button", { type: "button", class: "noprint", text: G.T("feedback.pick") });
    b.addEventListener("click", function () {
      $("fb-choice").value = it.programme_id;
      $("fb-other-wrap").hidden = true;
      $("fb-choice").focus();
    });
    li.append(b);
  };

  function fillChoices(res) {
    const sel = $("fb-choice");
    const keep = sel.value;
    sel.textContent = "";
    sel.append(G.el("option", { value: "", text: G.T("feedback.undecided") }));
    res.items.forEach(function (it) {
      sel.append(G.el("option", { value: it.programme_id, text: it.rank + ". " + L().name(it) }));
    });
    sel.append(G.el("option", { value: "__other", text: G.T("feedback.other") }));
    sel.value = keep && Array.from(sel.options).some(function (o) { return o.value === keep; }) ? keep : "";
  }

  /* --- what-if ------------------------------------------------------------------- */
  async function whatIf(ev) {
    ev.preventDefault();
    const changes = {};
    if ($("w-distance").value) changes.max_distance_km = Number($("w-distance").value);
    if ($("w-education").value) changes.education_level = Number($("w-education").value);
    if ($("w-tuition").value) changes.max_tuition_vnd_per_year = Number($("w-tuition").value);
    if ($("w-relocate").checked) changes.willing_to_relocate = true;
    const err = $("err-whatif");
    if (!Object.keys(changes).length) { err.textContent = G.T("whatif.none"); err.hidden = false; return; }
    err.hidden = true;
    try {
      const out = await G.api("/api/v1/recommendations/what-if", { method: "POST", role: G.role,
        json: { profile: L().profile, preferences: L().prefs, changes: changes, k: WHATIF_K } });
      lastWhatIf = out;
      renderWhatIf(out);
    } catch (e) {
      err.textContent = e.status === 422 ? G.T("error.invalid") : G.T("error.server");
      err.hidden = false;
    }
  }

  /* A what-if change as a counsellor reads it: the programme, its level, institution and
     province (both institutions when the same programme moved), why, and the figures that
     changed (old → new) in the page's number format. No internal score is shown. */
  const WHATIF_K = 10;
  const FIG_FORMAT = {
    rank: function (v) { return G.num(v); },
    p_employed_12m: G.pct,
    p_job_matches_training: G.pct,
    wage_q50: function (v) { return G.T("unit.million_month", { v: G.millions(v) }); },
    distance_km: function (v) { return G.T("unit.km", { v: G.num(v) }); },
    total_tuition_vnd: function (v) { return G.T("whatif.million", { v: G.millions(v) }); }
  };
  function figText(f, kind) {
    const fmt = FIG_FORMAT[f.name] || function (v) { return G.num(v); };
    const show = function (v) { return v == null ? "—" : fmt(v); };
    const part = function (v) { return G.el("span", { class: "fig", text: show(v) }); };
    if (kind === "entered") return [part(f.after)];
    if (kind === "left") return [part(f.before)];
    // "old → new" from the catalogue, each figure kept whole on one line
    const out = [];
    G.T("whatif.from_to").split(/(\{old\}|\{new\})/).forEach(function (bit) {
      if (bit === "{old}") out.push(part(f.before));
      else if (bit === "{new}") out.push(part(f.after));
      else if (bit) out.push(document.createTextNode(bit));
    });
    return out;
  }
  function reasonText(c) {
    const rules = (c.rules || []).map(function (r) {
      return G.texts["whatif.rule." + r] ? G.T("whatif.rule." + r) : r; }).join(", ");
    const key = "whatif.reason." + (c.kind === "moved" ? "moved_" : "") + c.reason;
    if (!G.texts[key]) return G.lang === "en" ? c.why : c.why_vi;
    return G.T(key, { rules: rules, k: WHATIF_K });
  }
  /* every flag of the programme named, as on its card (``flag.<name>``) */
  function flagBadges(flags) {
    if (!flags || !flags.length) return null;
    return G.el("p", { class: "badges" }, flags.map(function (f) {
      return G.el("span", { class: "badge badge-" + f, "data-flag": f, text: L().flagText(f) });
    }));
  }
  function changeItem(c) {
    const en = G.lang === "en";
    const title = (en && c.name_en ? c.name_en : c.name_vi) +
      (c.level ? " · " + G.T("level." + c.level) : "");
    const prov = function (vi, enName) { return en && enName ? enName : vi; };
    const here = c.institution_name + " (" + prov(c.province_name_vi, c.province_name_en) + ")";
    const where = c.kind === "moved"
      ? G.T("whatif.moved", { old: c.institution_name_before + " (" +
          prov(c.province_name_vi_before, c.province_name_en_before) + ")", new: here })
      : here;
    const dl = G.el("dl", { class: "whatif-figures" });
    (c.figures || []).forEach(function (f) {
      dl.append(G.el("dt", { text: G.T("whatif.fig." + f.name) }),
        G.el("dd", { "data-figure": f.name }, figText(f, c.kind)));
    });
    return G.el("li", { class: "whatif-change", "data-kind": c.kind,
      "data-programme": c.programme_id }, [
      G.el("strong", { text: title }),
      G.el("p", { class: "where", text: where }),
      G.el("p", { class: "why", text: reasonText(c) }),
      flagBadges(c.flags),
      c.figures && c.figures.length ? dl : null]);
  }

  function renderWhatIf(out) {
    const box = $("whatif-out");
    box.textContent = "";
    function list(title, rows) {
      const ul = G.el("ul", { class: "whatif-list" });
      rows.forEach(function (c) { ul.append(changeItem(c)); });
      if (!rows.length) ul.append(G.el("li", { text: G.T("whatif.nothing") }));
      return [G.el("h3", { text: title }), ul];
    }
    list(G.T("whatif.entered"), out.entered)
      .concat(list(G.T("whatif.left"), out.left))
      .concat(list(G.T("whatif.changed"), out.changed || []))
      .forEach(function (e) { box.append(e); });
  }

  /* --- feedback with consent ------------------------------------------------------ */
  async function feedback(ev) {
    ev.preventDefault();
    const res = L().result;
    const errs = {};
    $("fb-done").textContent = "";  // an old success message never stays beside a new error
    let choice = $("fb-choice").value;
    if (choice === "__other") {
      choice = picker.value();  // a catalogue id chosen from the searchable list
      if (!choice) errs.fb_other = G.T("picker.required");
    }
    const recommended = res.items.map(function (i) { return i.programme_id; });
    const override = !!choice && recommended.indexOf(choice) < 0;
    const reason = $("fb-reason").value.trim();
    if (override && !reason) errs.fb_reason = G.T("feedback.reason_needed");
    const save = $("fb-save").checked;
    const under16 = L().profile.age < 16;
    if (save && !$("fb-consent").checked) errs.fb_consent = G.T("consent.needed");
    if (save && under16 && !$("fb-guardian").checked) errs.fb_guardian = G.T("consent.guardian_needed");
    ["fb_choice", "fb_other", "fb_reason", "fb_consent", "fb_guardian"].forEach(function (n) {
      G.fieldError(n, errs[n] || null);
    });
    if (Object.keys(errs).length) {
      document.querySelector('[name="' + Object.keys(errs)[0] + '"]').focus();
      return;
    }
    const body = { request_id: res.request_id, programme_id: choice || null,
      recommended_ids: recommended, override: override, reason: reason || null,
      consent_research: $("fb-research").checked, consent_case: save,
      consent_guardian: save && under16 && $("fb-guardian").checked };
    // The API refuses an under-16 case without consent_guardian too (422); the page asks first.
    if (save) {
      body.case = L().profile;
      // the figures shown, kept with the case (the API keeps them only for the programmes
      // its audit log says this request returned)
      body.shown_figures = {};
      res.items.forEach(function (it) {
        body.shown_figures[it.programme_id] = { p_employed_12m: it.p_employed_12m,
          p_job_matches_training: it.p_job_matches_training, p_completed: it.p_completed,
          wage_q25: it.wage_q25, wage_q50: it.wage_q50, wage_q75: it.wage_q75,
          total_tuition_vnd: it.total_tuition_vnd, distance_km: it.distance_km };
      });
    }
    try {
      const out = await G.api("/api/v1/feedback", { method: "POST", role: G.role, json: body });
      $("fb-done").textContent = G.T(save ? "feedback.saved_case" : "feedback.saved", { id: out.id });
    } catch (e) {
      const details = (e.body && e.body.error && e.body.error.details) || [];
      const unknown = details.some(function (d) { return d.type === "unknown_programme"; });
      const field = $("fb-choice").value === "__other" ? "fb_other" : "fb_choice";
      G.fieldError(field, unknown ? G.T("picker.unknown")
        : e.status === 422 ? G.T("error.invalid") : G.T("error.server"));
    }
  }

  /* --- class list ----------------------------------------------------------------- */
  /* The class template: the columns of guidance.recommend.learner_rows (TEMPLATE_COLUMNS,
     a test keeps the two equal), profile first, then the preferences; lists use ";". */
  const TEMPLATE = "learner_id,age,home_province_code,education_level,gpa,riasec_r,riasec_i," +
    "riasec_a,riasec_s,riasec_e,riasec_c,levels,field_codes,provinces,max_duration_months," +
    "max_tuition_vnd_per_year,max_distance_km,willing_to_relocate,start_period\n" +
    "HS-01,17,01,12,7.5,0.8,0.4,0.2,0.3,0.5,0.6,trung_cap;cao_dang,,,24,20000000,,false,\n";

  async function details(ids) {
    const todo = ids.filter(function (id) { return !(id in cache); });
    let next = 0;
    async function worker() {
      while (next < todo.length) {
        const id = todo[next++];
        try { cache[id] = await G.api("/api/v1/programmes/" + encodeURIComponent(id), { role: G.role }); }
        catch (e) { cache[id] = null; }
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  function progName(d, id) {
    if (!d) return id;
    return G.lang === "en" && d.programme.name_en ? d.programme.name_en : d.programme.name_vi;
  }
  function coldStart(d) { return !!(d && d.outcomes && d.outcomes.n_graduates === 0); }
  function broad(d) { return d ? d.programme.field_code.slice(0, 2) : null; }

  async function classUpload(ev) {
    ev.preventDefault();
    const text = await G.readFile($("class-file"));
    const out = $("class-out");
    out.textContent = "";
    if (!text) { G.fieldError("class_file", G.T("class.no_file")); return; }
    G.fieldError("class_file", null);
    let res;
    try {
      res = await G.api("/api/v1/recommendations/batch", { method: "POST", role: G.role,
        headers: { "Content-Type": "text/csv" }, body: text });
    } catch (e) {
      classErrors(e);
      return;
    }
    const ids = [];
    res.results.forEach(function (r) { r.items.forEach(function (i) {
      if (ids.indexOf(i.programme_id) < 0) ids.push(i.programme_id); }); });
    await details(ids);
    renderClass(res);
  }

  /* A refused class list: how many errors, then each with its spreadsheet row, column
     and rule in the page's language (the API gives both), and how many more there are. */
  function classErrors(e) {
    const err = $("err-class_file");
    const body = (e.body && e.body.error) || {};
    const det = Array.isArray(body.details) ? body.details : [];
    if (e.status !== 422 || !det.length) {
      G.fieldError("class_file", e.status === 422 ? G.T("class.invalid") : G.T("error.server"));
      return;
    }
    const total = body.details_total || det.length;
    G.fieldError("class_file", G.T("class.n_errors", { n: G.num(total, 0) }));
    const msg = function (d) {
      return (G.lang === "en" ? d.message_en : d.message_vi) || d.message_en || d.msg || "";
    };
    err.append(G.table([G.T("report.row"), G.T("report.column"), G.T("report.message")],
      det.map(function (d) {
        return [d.row == null ? "—" : d.row, d.column || (d.loc || []).join(".") || "—", msg(d)];
      }), G.T("class.errors_caption")));
    if (total > det.length) {
      err.append(G.el("p", { text: G.T("class.more_errors", { n: G.num(total - det.length, 0) }) }));
    }
  }

  function renderClass(res) {
    const out = $("class-out");
    out.textContent = "";
    const fields = {};
    let cold = 0, total = 0;
    res.results.forEach(function (r) {
      r.items.forEach(function (i) {
        total += 1;
        if (coldStart(cache[i.programme_id])) cold += 1;
      });
      const top = r.items[0];
      const b = top ? broad(cache[top.programme_id]) : null;
      if (b) fields[b] = (fields[b] || 0) + 1;
    });
    out.append(G.el("h3", { text: G.T("class.summary") }),
      G.el("p", { text: G.T("class.counts", { n: res.results.length, items: total, cold: cold }) }));
    const frows = Object.keys(fields).sort(function (a, b) { return fields[b] - fields[a]; })
      .map(function (b) { return [G.texts["field." + b] ? G.T("field." + b) : b, fields[b]]; });
    out.append(G.table([G.T("class.field"), G.T("class.n_top")], frows, G.T("class.fields_caption")));
    const rows = res.results.map(function (r) {
      return [r.learner_id || r.index + 1].concat(r.items.slice(0, 3).map(function (i) {
        return progName(cache[i.programme_id], i.programme_id); }));
    });
    out.append(G.table([G.T("class.learner"), "1", "2", "3"], rows, G.T("class.top3")));
    const dl = G.el("button", { type: "button", id: "class-download", text: G.T("class.download") });
    dl.addEventListener("click", function () { downloadClass(res); });
    out.append(G.el("p", {}, [dl]));
  }

  function downloadClass(res) {
    const head = ["learner_id", "rank", "programme_id", "programme", "institution", "province_code",
      "field_code", "score", "cold_start", "model_version", "demand_period"];
    const lines = [head.join(",")];
    res.results.forEach(function (r) {
      r.items.forEach(function (i) {
        const d = cache[i.programme_id];
        lines.push([r.learner_id || r.index + 1, i.rank, i.programme_id, progName(d, i.programme_id),
          d ? d.programme.institution_name : "", d ? d.programme.province_code : "",
          d ? d.programme.field_code : "", i.score, coldStart(d) ? 1 : 0, res.model_version,
          res.demand_period].map(G.csvCell).join(","));
      });
    });
    G.download("class-recommendations-" + res.demand_period + ".csv", lines.join("\n") + "\n");
  }

  /* --- demand over time ----------------------------------------------------------- */
  /* Months as guidance.periods counts them: "YYYY-MM" <-> months since year 0. */
  function monthOf(p) { return Number(p.slice(0, 4)) * 12 + Number(p.slice(5, 7)) - 1; }
  function periodLabel(t) {
    return String(Math.floor(t / 12)).padStart(4, "0") + "-" + String(t % 12 + 1).padStart(2, "0");
  }
  function periodsBack(last, n) {
    const end = monthOf(last), out = [];
    for (let t = end - n + 1; t <= end; t++) out.push(periodLabel(t));
    return out;
  }
  /* A month for an axis or a table head: "T8/2026" in Vietnamese, "Aug 2026" in English. */
  function monthShort(p) {
    const month = G.T("demand.month_names").split(",")[Number(p.slice(5, 7)) - 1];
    return G.T("demand.month_short", { month: month, year: p.slice(0, 4) });
  }

  const TOP_N = 10;  // occupations in the table AND the chart (one list feeds both)
  let occNames = null;
  let lastDemand = null;  // redrawn on a language switch or a new width
  let drawnWidth = 0;

  async function demandView(ev) {
    if (ev) ev.preventDefault();
    const out = $("demand-out");
    out.textContent = "";
    lastDemand = null;
    const prov = $("d-province").value;
    let last = null;
    try {  // the newest period the service holds (the footer may show it in words)
      last = (await G.api("/api/v1/demand?limit=1&province=" + encodeURIComponent(prov),
        { role: G.role })).period;
    } catch (e) { last = null; }
    if (!last || !/^\d{4}-\d{2}$/.test(last)) {
      out.append(G.el("p", { text: G.T("demand.none") })); return;
    }
    if (!occNames) {
      occNames = {};
      try {
        (await G.api("/api/v1/occupations", { role: G.role })).forEach(function (o) {
          occNames[o.occupation_code] = o; });
      } catch (e) { /* names are optional */ }
    }
    const periods = periodsBack(last, Number($("d-months").value));
    const pages = await Promise.all(periods.map(function (p) {
      return G.api("/api/v1/demand?province=" + encodeURIComponent(prov) + "&period=" + p +
        "&limit=10000", { role: G.role }).catch(function () { return { total: 0, items: [] }; });
    }));
    const series = {};  // occupation -> {vacancies: {period: n}, job_seekers: {period: n|null}}
    const have = [];
    pages.forEach(function (pg, k) {
      if (!pg.items.length) return;
      have.push(periods[k]);
      pg.items.forEach(function (r) {
        const s = series[r.occupation_code] = series[r.occupation_code] ||
          { vacancies: {}, job_seekers: {} };
        s.vacancies[periods[k]] = r.vacancies;
        s.job_seekers[periods[k]] = r.job_seekers;
      });
    });
    if (!have.length) { out.append(G.el("p", { text: G.T("demand.none") })); return; }
    const lastP = have[have.length - 1];
    const top = Object.keys(series).sort(function (a, b) {
      return (series[b].vacancies[lastP] || 0) - (series[a].vacancies[lastP] || 0) ||
        (a < b ? -1 : 1); }).slice(0, TOP_N);
    lastDemand = { periods: have, codes: top, series: series,
      province: $("d-province").selectedOptions[0].textContent };
    drawDemand();
  }

  function occName(c) {
    const o = occNames && occNames[c];
    return o ? (G.lang === "vi" && o.name_vi ? o.name_vi : o.name_en || o.name_vi) : c;
  }

  function drawDemand() {
    const out = $("demand-out");
    out.textContent = "";
    if (!lastDemand) return;
    const d = lastDemand;
    drawnWidth = out.clientWidth;
    out.append(demandChart(d.periods, d.codes, d.series, occName, drawnWidth));
    out.append(demandTable(d.periods, d.codes, d.series, occName, d.province));
  }

  function demandTable(periods, codes, series, name, province) {
    const caption = G.T("demand.table_caption", { province: province });
    const head = G.el("tr", {}, [G.el("th", { scope: "col", text: G.T("demand.occupation") }),
      G.el("th", { scope: "col", text: G.T("demand.measure") })].concat(periods.map(function (p) {
      return G.el("th", { scope: "col", text: monthShort(p) }); })));
    // one row group an occupation: its vacancies and its job seekers
    const bodies = codes.map(function (c) {
      return G.el("tbody", { "data-occupation": c }, ["vacancies", "job_seekers"].map(function (m, i) {
        const cells = [];
        if (i === 0) cells.push(G.el("th", { scope: "rowgroup", rowspan: "2",
          text: name(c) + " (" + c + ")" }));
        cells.push(G.el("th", { scope: "row", class: "measure", text: G.T("demand.series." + m) }));
        periods.forEach(function (p) {
          cells.push(G.el("td", { class: "num", text: G.num(series[c][m][p]) })); });
        return G.el("tr", { "data-series": m }, cells);
      }));
    });
    const table = G.el("table", { class: "demand-table" }, [G.el("caption", { text: caption }),
      G.el("thead", {}, [head])].concat(bodies));
    return G.el("div", { class: "table-wrap", tabindex: "0", role: "region",
      "aria-label": caption }, [table]);
  }

  /* Small multiples: one panel per occupation of the table, vacancies solid and job
     seekers dashed on one scale, drawn at the width they are shown (so 12-px text stays
     12 px); month labels thinned so that they never overlap; every point has its
     figures as a hover title. */
  const DEMAND_FONT = 12;
  const SERIES_STYLE = {
    vacancies: { stroke: "#0b5d4b", dash: null },
    job_seekers: { stroke: "#b3541e", dash: "5 3" }
  };
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const mag = Math.pow(10, Math.floor(Math.log10(v)));
    const m = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find(function (k) { return k * mag >= v; });
    return m * mag;
  }
  /* The widest label's width: at most ~0.62 em a character in the system sans-serif
     fonts (measured: ~0.53 em for "T11/2025"). */
  function labelWidth(labels, font) {
    return Math.max.apply(null, labels.map(function (l) { return l.length; })) * 0.62 * font;
  }
  /* Label every step-th month so that centred labels keep a gap of one em. */
  function labelStep(labels, spacing, font) {
    const need = labelWidth(labels, font) + font;
    return Math.max(1, Math.ceil(need / Math.max(spacing, 1)));
  }

  function demandChart(periods, codes, series, name, width) {
    const avail = Math.max(260, width || 320);
    const cols = Math.max(1, Math.min(3, Math.floor(avail / 300)));
    const pw = Math.floor((avail - (cols - 1) * 16) / cols);  // panel width in px
    const legend = G.el("ul", { class: "legend" }, ["vacancies", "job_seekers"].map(function (m) {
      const sw = G.svg("svg", { width: 28, height: 10, "aria-hidden": "true", class: "line-swatch" });
      const l = G.svg("line", { x1: 0, x2: 28, y1: 5, y2: 5, stroke: SERIES_STYLE[m].stroke,
        "stroke-width": 2.5 });
      if (SERIES_STYLE[m].dash) l.setAttribute("stroke-dasharray", SERIES_STYLE[m].dash);
      sw.append(l);
      return G.el("li", { "data-series": m }, [sw, G.T("demand.series." + m)]);
    }));
    // side by side, every name takes two lines so that the plots line up
    const grid = G.el("div", { class: "demand-panels" + (cols > 1 ? " multi" : "") });
    grid.style.gridTemplateColumns = "repeat(" + cols + ", minmax(0, 1fr))";
    const labels = periods.map(monthShort);
    // every month label is centred on its month; the plot leaves half a label's width at
    // each end so that the first and last labels fit inside the panel
    const half = Math.ceil(labelWidth(labels, DEMAND_FONT) / 2) + 2;
    codes.forEach(function (c) {
      grid.append(panel(c, pw));
    });
    function panel(c, w) {
      const h = 120, padL = half, padR = half, padT = 18, padB = 22;
      let max = 0;
      ["vacancies", "job_seekers"].forEach(function (m) {
        periods.forEach(function (p) { max = Math.max(max, series[c][m][p] || 0); }); });
      max = niceMax(max);
      const n = periods.length;
      const plotW = w - padL - padR;
      // one month alone sits in the middle
      const x = function (i) { return n === 1 ? padL + plotW / 2 : padL + i * plotW / (n - 1); };
      const y = function (v) { return padT + (h - padT - padB) * (1 - v / max); };
      const s = G.svg("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h,
        class: "demand-chart", role: "img", "font-size": DEMAND_FONT,
        "font-family": "system-ui, sans-serif" });
      s.setAttribute("aria-label", G.T("demand.panel_aria", { occupation: name(c) }));
      s.append(G.svg("line", { x1: padL, x2: w - padR, y1: y(0), y2: y(0), stroke: "#8a949c" }));
      s.append(G.svg("line", { x1: padL, x2: w - padR, y1: y(max), y2: y(max), stroke: "#dde2e0" }));
      const top = G.svg("text", { x: padL, y: padT - 5, fill: "#4a5560", class: "tick-y" });
      top.textContent = G.num(max);
      s.append(top);
      const step = labelStep(labels, n > 1 ? plotW / (n - 1) : plotW, DEMAND_FONT);
      // the newest month is always labelled; the others every `step` months back from it
      periods.forEach(function (p, i) {
        if ((n - 1 - i) % step) return;
        const t = G.svg("text", { x: x(i), y: h - 6, fill: "#4a5560", "text-anchor": "middle",
          class: "tick-x" });
        t.textContent = labels[i];
        s.append(t);
      });
      ["vacancies", "job_seekers"].forEach(function (m) {
        const st = SERIES_STYLE[m];
        let run = [];
        const flush = function () {
          if (run.length > 1) {
            const pl = G.svg("polyline", { points: run.join(" "), fill: "none", stroke: st.stroke,
              "stroke-width": 2.5, "data-series": m });
            if (st.dash) pl.setAttribute("stroke-dasharray", st.dash);
            s.append(pl);
          }
          run = [];
        };
        periods.forEach(function (p, i) {
          const v = series[c][m][p];
          if (v == null) { flush(); return; }
          run.push(x(i).toFixed(1) + "," + y(v).toFixed(1));
        });
        flush();
      });
      // hover: one dot a month and series, its title the month and both figures
      periods.forEach(function (p, i) {
        const tip = G.T("demand.point", { month: labels[i],
          vacancies: G.num(series[c].vacancies[p]), seekers: G.num(series[c].job_seekers[p]) });
        ["vacancies", "job_seekers"].forEach(function (m) {
          const v = series[c][m][p];
          if (v == null) return;
          const dot = G.svg("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 4,
            fill: SERIES_STYLE[m].stroke, "data-series": m, "data-period": p });
          const title = G.svg("title", {});
          title.textContent = name(c) + " — " + tip;
          dot.append(title);
          s.append(dot);
        });
      });
      return G.el("figure", { class: "demand-panel", "data-occupation": c }, [
        G.el("figcaption", { text: name(c) }), s]);
    }
    return G.el("figure", { class: "chart demand-figure" }, [
      G.el("figcaption", { class: "sr-only", text: G.T("demand.chart_caption") }), legend, grid]);
  }
  G.demandChart = demandChart;  // for the tests: the same drawing on chosen data

  document.addEventListener("DOMContentLoaded", function () {
    L().hooks.push(onResult);
    $("whatif-form").addEventListener("submit", whatIf);
    $("feedback-form").addEventListener("submit", feedback);
    picker = G.programmePicker($("fb-other-q"), $("fb-other"));
    $("fb-choice").addEventListener("change", function () {
      $("fb-other-wrap").hidden = $("fb-choice").value !== "__other";
    });
    $("class-form").addEventListener("submit", classUpload);
    $("class-template").addEventListener("click", function () {
      G.download("class-template.csv", TEMPLATE);
    });
    $("demand-form").addEventListener("submit", demandView);
    let drawn = 0;
    window.addEventListener("resize", function () {  // panels follow the width they get
      clearTimeout(drawn);
      drawn = setTimeout(function () {
        if (lastDemand && $("demand-out").clientWidth !== drawnWidth) drawDemand();
      }, 200);
    });
    document.addEventListener("langchange", function () {
      if (L().result) fillChoices(L().result);
      if (lastWhatIf && !$("whatif").hidden) renderWhatIf(lastWhatIf);
      drawDemand();
    });
    G.login("counsellor", function () {
      return "/api/v1/audit?limit=1&start=" + today() + "&end=" + today();
    }, function () {});
  });
})();

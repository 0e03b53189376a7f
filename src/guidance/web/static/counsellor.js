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

  /* --- after a recommendation: what-if and feedback become available ------------ */
  function onResult(res) {
    $("whatif").hidden = false;
    $("feedback").hidden = false;
    $("whatif-out").textContent = "";
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
        json: { profile: L().profile, preferences: L().prefs, changes: changes, k: 10 } });
      renderWhatIf(out);
    } catch (e) {
      err.textContent = e.status === 422 ? G.T("error.invalid") : G.T("error.server");
      err.hidden = false;
    }
  }

  function renderWhatIf(out) {
    const box = $("whatif-out");
    box.textContent = "";
    const names = {};
    out.before.concat(out.after).forEach(function (it) { names[it.programme_id] = L().name(it); });
    function list(title, rows) {
      const ul = G.el("ul", {});
      rows.forEach(function (c) {
        ul.append(G.el("li", { text: (names[c.programme_id] || c.programme_id) + " — " +
          (G.lang === "en" ? c.why : c.why_vi) }));
      });
      if (!rows.length) ul.append(G.el("li", { text: G.T("whatif.nothing") }));
      return [G.el("h3", { text: title }), ul];
    }
    list(G.T("whatif.entered"), out.entered).concat(list(G.T("whatif.left"), out.left))
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
  let occNames = null;
  function periodsBack(last, n) {
    const [y, m] = last.split("-").map(Number);
    const out = [];
    for (let k = n - 1; k >= 0; k--) {
      const d = new Date(Date.UTC(y, m - 1 - k, 1));
      out.push(d.getUTCFullYear() + "-" + String(d.getUTCMonth() + 1).padStart(2, "0"));
    }
    return out;
  }

  async function demandView(ev) {
    if (ev) ev.preventDefault();
    const out = $("demand-out");
    const last = $("demand-period").textContent.trim();
    out.textContent = "";
    if (!/^\d{4}-\d{2}$/.test(last)) { out.append(G.el("p", { text: G.T("demand.none") })); return; }
    if (!occNames) {
      occNames = {};
      try {
        (await G.api("/api/v1/occupations", { role: G.role })).forEach(function (o) {
          occNames[o.occupation_code] = o; });
      } catch (e) { /* names are optional */ }
    }
    const prov = $("d-province").value;
    const periods = periodsBack(last, Number($("d-months").value));
    const pages = await Promise.all(periods.map(function (p) {
      return G.api("/api/v1/demand?province=" + prov + "&period=" + p + "&limit=10000", { role: G.role })
        .catch(function () { return { total: 0, items: [] }; });
    }));
    const series = {};  // occupation -> {period: vacancies}
    const have = [];
    pages.forEach(function (pg, k) {
      if (!pg.items.length) return;
      have.push(periods[k]);
      pg.items.forEach(function (r) {
        (series[r.occupation_code] = series[r.occupation_code] || {})[periods[k]] = r.vacancies;
      });
    });
    if (!have.length) { out.append(G.el("p", { text: G.T("demand.none") })); return; }
    const lastP = have[have.length - 1];
    const top = Object.keys(series).sort(function (a, b) {
      return (series[b][lastP] || 0) - (series[a][lastP] || 0); }).slice(0, 10);
    const name = function (c) { const o = occNames[c];
      return o ? (G.lang === "vi" && o.name_vi ? o.name_vi : o.name_en) : c; };
    out.append(chart(have, top.slice(0, 4), series, name));
    out.append(G.table([G.T("demand.occupation")].concat(have), top.map(function (c) {
      return [name(c) + " (" + c + ")"].concat(have.map(function (p) { return G.num(series[c][p]); }));
    }), G.T("demand.caption", { province: $("d-province").selectedOptions[0].textContent })));
  }

  const COLORS = ["#0b5d4b", "#b3541e", "#1a56db", "#7a3e9d"];
  function chart(periods, codes, series, name) {
    const w = 400, h = 220, pad = 40;
    let max = 1;
    codes.forEach(function (c) { periods.forEach(function (p) { max = Math.max(max, series[c][p] || 0); }); });
    const x = function (i) { return pad + i * (w - 2 * pad) / Math.max(1, periods.length - 1); };
    const y = function (v) { return h - pad - (h - 2 * pad) * v / max; };
    const s = G.svg("svg", { viewBox: "0 0 " + w + " " + h, role: "img", class: "demand-chart" });
    s.setAttribute("aria-label", G.T("demand.chart_aria"));
    s.append(G.svg("line", { x1: pad, x2: w - pad, y1: h - pad, y2: h - pad, class: "track" }));
    [0, max].forEach(function (v) {
      const t = G.svg("text", { x: 2, y: y(v) + 5, "font-size": 14, fill: "#4a5560" });
      t.textContent = G.num(v); s.append(t);
    });
    const step = Math.ceil(periods.length / 4);  // at most ~4 month labels: readable on a phone
    periods.forEach(function (p, i) {
      if (i % step && i !== periods.length - 1) return;
      const t = G.svg("text", { x: x(i), y: h - 12, "font-size": 14, fill: "#4a5560",
        "text-anchor": "middle" });
      t.textContent = p; s.append(t);
    });
    codes.forEach(function (c, k) {
      const pts = periods.map(function (p, i) { return x(i) + "," + y(series[c][p] || 0); }).join(" ");
      s.append(G.svg("polyline", { points: pts, fill: "none", stroke: COLORS[k], "stroke-width": 2.5 }));
    });
    const legend = G.el("ul", { class: "legend" }, codes.map(function (c, k) {
      const sw = G.el("span", { class: "swatch", "aria-hidden": "true" });
      sw.style.background = COLORS[k];
      return G.el("li", {}, [sw, name(c)]);
    }));
    return G.el("figure", { class: "chart" }, [s, legend]);
  }

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
    document.addEventListener("langchange", function () {
      if (L().result) fillChoices(L().result);
      $("whatif-out").textContent = "";
    });
    G.login("counsellor", function () {
      return "/api/v1/audit?limit=1&start=" + today() + "&end=" + today();
    }, function () {});
  });
})();

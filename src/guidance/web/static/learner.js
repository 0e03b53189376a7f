/* The learner form: province search, interest questionnaire, validation, result cards,
   compare and print. Counsellor pages reuse it through G.learner. */
"use strict";
(function () {
  const G = window.G;
  const TYPES = ["r", "i", "a", "s", "e", "c"];
  const GRADES = ["gpa", "math_score", "literature_score", "english_score"];
  const state = { result: null, profile: null, prefs: null, compare: new Set(), hooks: [] };
  G.learner = state;

  function $(id) { return document.getElementById(id); }

  /* --- province search without accents ------------------------------------------- */
  /* A pre-2025 province name ("binh duong") finds the 2025 province it went into, and the
     page says which (data-old: the old names, from the packaged crosswalk). */
  function oldMatch(o, q) {
    if (!q || !o.dataset.old || o.dataset.fold.indexOf(q) >= 0) return null;
    const hit = o.dataset.old.split("|").filter(function (n) { return G.fold(n).indexOf(q) >= 0; });
    return hit.length ? hit[0] : null;
  }
  function filterProvinces() {
    const q = G.fold($("f-prov-search").value);
    const sel = $("f-province");
    let shown = [];
    let notes = [];
    Array.from(sel.options).forEach(function (o) {
      if (!o.value) return;
      const old = oldMatch(o, q);
      const ok = !q || o.dataset.fold.indexOf(q) >= 0 || old !== null;
      o.hidden = !ok;
      if (ok) shown.push(o);
      if (old !== null) notes.push(G.T("elig.province_became", { old: old, new: o.textContent }));
    });
    if (q && shown.length === 1) sel.value = shown[0].value;
    $("prov-old").textContent = notes.join(" ");
  }

  /* --- interest questionnaire: mean of answered items per type, in [0, 1] -------- */
  function riasecScores() {
    const sums = {}, counts = {};
    document.querySelectorAll(".riasec input[type=radio]:checked").forEach(function (r) {
      const t = r.dataset.item[0];
      sums[t] = (sums[t] || 0) + parseFloat(r.value);
      counts[t] = (counts[t] || 0) + 1;
    });
    const out = {};
    TYPES.forEach(function (t) {
      out["riasec_" + t] = counts[t] ? Math.round(1000 * sums[t] / counts[t]) / 1000 : null;
    });
    return out;
  }

  function renderProfile() {
    const box = $("riasec-profile");
    const s = riasecScores();
    const answered = TYPES.filter(function (t) { return s["riasec_" + t] != null; });
    box.textContent = "";
    if (!answered.length) { box.append(G.el("p", { text: G.T("riasec.none") })); return; }
    const top = answered.slice().sort(function (a, b) {
      return s["riasec_" + b] - s["riasec_" + a];
    }).slice(0, 3);
    box.append(G.el("p", { text: G.T("riasec.top", {
      types: top.map(function (t) { return G.T("riasec.type." + t); }).join(", ") }) }));
    const ul = G.el("ul", { class: "bars" });
    TYPES.forEach(function (t) {
      const v = s["riasec_" + t];
      const bar = G.el("span", { class: "bar-fill" });
      bar.style.width = Math.round((v || 0) * 100) + "%";
      ul.append(G.el("li", {}, [G.el("span", { class: "bar-label", text: G.T("riasec.type." + t) }),
        G.el("span", { class: "bar", "aria-hidden": "true" }, [bar]),
        G.el("span", { class: "bar-value", text: v == null ? "—" : G.pct(v) })]));
    });
    box.append(ul);
  }

  /* --- collect and validate ------------------------------------------------------- */
  function numberOrNull(name) {
    const v = document.querySelector('[name="' + name + '"]').value.trim();
    return v === "" ? null : Number(v);
  }

  function collect() {
    const errors = {};
    const age = numberOrNull("age");
    if (age == null) errors.age = G.T("error.required");
    else if (!Number.isInteger(age) || age < 14 || age > 70) errors.age = G.T("error.age");
    const prov = $("f-province").value;
    if (!prov) errors.home_province_code = G.T("error.province");
    const edu = $("f-education").value;
    if (!edu) errors.education_level = G.T("error.required");
    const profile = { age: age, home_province_code: prov, education_level: Number(edu) };
    GRADES.forEach(function (g) {
      const v = numberOrNull(g);
      if (v != null && (isNaN(v) || v < 0 || v > 10)) errors[g] = G.T("error.grade");
      else if (v != null) profile[g] = v;
    });
    Object.assign(profile, riasecScores());
    Object.keys(profile).forEach(function (k) { if (profile[k] == null) delete profile[k]; });
    const prefs = {};
    const dist = $("f-distance").value;
    if (dist) prefs.max_distance_km = Number(dist);
    if ($("f-relocate").checked) prefs.willing_to_relocate = true;
    if ($("f-duration").value) prefs.max_duration_months = Number($("f-duration").value);
    if ($("f-tuition").value) prefs.max_tuition_vnd_per_year = Number($("f-tuition").value);
    const levels = Array.from(document.querySelectorAll('[name="levels"]:checked'))
      .map(function (c) { return c.value; });
    if (levels.length) prefs.levels = levels;
    const fields = [];
    document.querySelectorAll('[name="fields"]:checked').forEach(function (c) {
      (G.fieldMap[c.value] || []).forEach(function (f) { fields.push(f); });
    });
    if (fields.length) prefs.field_codes = fields;
    return { profile: profile, prefs: prefs, errors: errors };
  }

  function showErrors(errors) {
    ["age", "home_province_code", "education_level"].concat(GRADES).forEach(function (n) {
      G.fieldError(n, errors[n] || null);
    });
    const first = Object.keys(errors)[0];
    if (first) {
      const input = document.querySelector('[name="' + first + '"]');
      if (input) {
        const det = input.closest("details");
        if (det) det.open = true;
        input.focus();
      }
    }
  }

  /* A 422 from the API: each problem next to its field, in the page's language. */
  G.apiErrors = function (err) {
    const out = {};
    const details = (err.body && err.body.error && err.body.error.details) || [];
    (Array.isArray(details) ? details : []).forEach(function (d) {
      const name = (d.loc || [])[d.loc.length - 1];
      const key = "error.type." + d.type;
      out[name] = G.texts[key] ? G.T(key) : G.T("error.invalid");
    });
    return out;
  };

  state.request = async function (profile, prefs) {
    return G.api("/api/v1/recommendations", { method: "POST", role: G.role,
      json: { profile: profile, preferences: prefs, k: 10 } });
  };

  async function submit(ev) {
    ev.preventDefault();
    const c = collect();
    showErrors(c.errors);
    $("err-form").hidden = true;
    if (Object.keys(c.errors).length) return;
    $("status-msg").textContent = G.T("results.loading");
    try {
      const res = await state.request(c.profile, c.prefs);
      state.result = res; state.profile = c.profile; state.prefs = c.prefs;
      state.compare.clear();
      renderResults();
      $("results").hidden = false;
      $("results-h").focus();
      state.hooks.forEach(function (h) { h(res); });
    } catch (err) {
      let errs = {};
      if (err.status === 422) errs = G.apiErrors(err);
      const onField = Object.keys(errs).filter(function (n) { return G.fieldError(n, errs[n]); });
      if (!onField.length) {
        $("err-form").textContent = err.status === 503 ? G.T("error.not_ready")
          : err.status === 429 ? G.T("error.rate") : G.T("error.server");
        $("err-form").hidden = false;
      }
    } finally {
      $("status-msg").textContent = "";
    }
  }

  /* --- result cards --------------------------------------------------------------- */
  function name(it) { return G.lang === "en" && it.name_en ? it.name_en : it.name_vi; }
  function provName(it) { return G.lang === "en" ? it.province_name_en : it.province_name_vi; }
  state.name = name;

  /* The wage range (q25–q75) and the median on a scale in million ₫ a month, with the
     numbers written on the chart; null when the model gives no wage. */
  function wageChart(it, max) {
    if (it.wage_q25 == null || it.wage_q50 == null || it.wage_q75 == null) return null;
    const w = 300, h = 62, left = 6, right = w - 6;
    const top = Math.max(1, Math.ceil(max / 1e6 / 5) * 5) * 1e6;  /* a round scale end */
    const x = function (v) { return left + (right - left) * Math.min(v, top) / top; };
    const s = G.svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", height: h,
      class: "wage", role: "img", focusable: "false" });
    s.setAttribute("aria-label", G.T("card.wage_aria", { lo: G.millions(it.wage_q25),
      mid: G.millions(it.wage_q50), hi: G.millions(it.wage_q75) }));
    s.append(G.svg("line", { x1: left, x2: right, y1: 26, y2: 26, class: "track" }));
    s.append(G.svg("rect", { x: x(it.wage_q25), y: 19, width: Math.max(2, x(it.wage_q75) - x(it.wage_q25)),
      height: 14, rx: 3, class: "range" }));
    s.append(G.svg("rect", { x: x(it.wage_q50) - 1.5, y: 15, width: 3, height: 22, class: "median" }));
    /* the figures above the bar: low and high at the range's ends, the median above it */
    [[it.wage_q25, "start"], [it.wage_q50, "middle"], [it.wage_q75, "end"]].forEach(function (p, i) {
      const t = G.svg("text", { x: x(p[0]), y: 11, "text-anchor": i === 0 ? "end" : i === 2 ? "start" : "middle",
        class: "val" + (i === 1 ? " mid" : "") });
      t.textContent = G.millions(p[0]);
      if (i !== 1) t.setAttribute("dy", "0");
      s.append(t);
    });
    /* the scale: 0, half and the end, in million ₫ a month */
    [0, top / 2, top].forEach(function (v, i) {
      s.append(G.svg("line", { x1: x(v), x2: x(v), y1: 36, y2: 40, class: "tick-mark" }));
      const t = G.svg("text", { x: x(v), y: 52, "text-anchor": i === 0 ? "start" : i === 2 ? "end" : "middle",
        class: "tick" });
      t.textContent = G.num(v / 1e6) + (i === 2 ? " " + G.T("fig.million_month_short") : "");
      s.append(t);
    });
    return s;
  }

  /* Vacancies a year ago, now, and projected at graduation (from the API's figures). */
  function demandPoints(d) {
    if (d.vacancies == null) return [];
    const pts = [];
    if (d.trend_12m != null && d.trend_12m > -1) pts.push(["fig.demand_year_ago", d.vacancies / (1 + d.trend_12m)]);
    pts.push(["fig.demand_now", d.vacancies]);
    if (d.projected_per_seeker != null && d.vacancies_per_seeker)
      pts.push(["fig.demand_at_graduation", d.vacancies * d.projected_per_seeker / d.vacancies_per_seeker]);
    return pts;
  }
  state.demandPoints = demandPoints;

  function hasDemand(it) {
    return it.demand.vacancies_per_seeker != null || it.demand.trend_12m != null;
  }

  /* The sparkline with each point's number written beside it (vacancies a month). */
  function sparkline(it) {
    const pts = demandPoints(it.demand);
    if (!hasDemand(it) || pts.length < 2) return null;
    const w = 220, h = 58;
    const s = G.svg("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h,
      class: "spark", role: "img", focusable: "false" });
    const t = it.demand.trend_12m;
    s.setAttribute("aria-label", (t == null ? G.T("card.demand_unknown")
      : G.T(t >= 0 ? "card.demand_up" : "card.demand_down", { pct: Math.abs(Math.round(t * 100)) }))
      + "; " + pts.map(function (p) { return G.T(p[0]) + ": " + G.num(p[1]); }).join(", "));
    const vals = pts.map(function (p) { return p[1]; });
    const lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    const y = function (v) { return hi === lo ? 26 : 40 - 26 * (v - lo) / (hi - lo); };
    const xs = vals.map(function (_, i) { return 24 + i * (w - 48) / (vals.length - 1); });
    s.append(G.svg("polyline", { points: vals.map(function (v, i) { return xs[i] + "," + y(v); }).join(" "),
      class: "line" }));
    vals.forEach(function (v, i) {
      s.append(G.svg("circle", { cx: xs[i], cy: y(v), r: 2.5, class: pts[i][0] === "fig.demand_at_graduation" ? "proj" : "dot" }));
      /* the ends' labels are anchored inside the chart so that none is cut off */
      const anchor = i === 0 ? "start" : i === vals.length - 1 ? "end" : "middle";
      const lx = i === 0 ? xs[i] - 20 : i === vals.length - 1 ? xs[i] + 20 : xs[i];
      const lab = G.svg("text", { x: xs[i], y: y(v) - 6, "text-anchor": "middle", class: "val" });
      lab.textContent = G.num(v);
      s.append(lab);
      const name = G.svg("text", { x: lx, y: h - 2, "text-anchor": anchor, class: "tick" });
      name.textContent = G.T(pts[i][0]);
      s.append(name);
    });
    return s;
  }

  function fact(label, value) {
    return [G.el("dt", { text: label }), G.el("dd", { text: value })];
  }

  /* Where this learner lives: occupation pages list the programmes nearest to it. */
  function homeQuery() {
    const home = state.profile && state.profile.home_province_code;
    return "?lang=" + G.lang + (home ? "&province=" + encodeURIComponent(home) : "");
  }

  /* "Also at": the same programme at other institutions (the API's alternatives). */
  function alsoAt(it) {
    const alts = it.alternatives || [];
    if (!alts.length) return null;
    const ul = G.el("ul", { class: "also-at-list" });
    alts.forEach(function (a) {
      const where = [a.institution_name, G.lang === "en" ? (a.province_name_en || a.province_name_vi)
        : a.province_name_vi];
      if (a.distance_km != null) where.push(G.distance(a.distance_km));
      ul.append(G.el("li", {}, [G.el("a", { href: "/programmes/" + encodeURIComponent(a.programme_id)
        + "?lang=" + G.lang, text: where.join(" · ") })]));
    });
    return G.el("details", { class: "more also-at" }, [G.el("summary", { text: G.T("explore.card_also_at",
      { n: alts.length }) }), ul]);
  }

  /* The occupations each card's programme trains for, as links to their pages (one request
     for the whole list). */
  async function fillOccupations(items) {
    if (!items.length) return;
    const q = items.map(function (i) { return "id=" + encodeURIComponent(i.programme_id); }).join("&");
    let rows;
    try { rows = await G.api("/api/v1/programme-occupations?" + q); } catch (e) { return; }
    rows.forEach(function (row) {
      const box = document.querySelector('[data-occupations-of="' + CSS.escape(row.programme_id) + '"]');
      if (!box || !row.occupations.length) return;
      box.textContent = "";
      box.append(G.el("span", { class: "label", text: G.T("explore.card_occupations") + ": " }));
      row.occupations.forEach(function (o, i) {
        if (i) box.append(", ");
        box.append(G.el("a", { href: "/occupations/" + encodeURIComponent(o.occupation_code) + homeQuery(),
          text: (G.lang === "en" ? o.name_en : o.name_vi) || o.name_en || o.occupation_code }));
      });
      box.hidden = false;
    });
  }

  /* How the learner's interests shaped the list: the interest fit (features.interest) feeds
     the model and is one weighted component of the ranking score. */
  function renderShaped(res) {
    const box = $("riasec-shaped");
    if (!box) return;
    box.textContent = "";
    const p = state.profile || {};
    const answered = TYPES.filter(function (t) { return p["riasec_" + t] != null; }).length;
    box.append(G.el("h3", { text: G.T("explore.riasec_shaped_h") }));
    if (!answered) {
      box.append(G.el("p", { text: G.T("explore.riasec_shaped_none") }));
    } else if (answered < TYPES.length) {  /* the fit needs all six (features.interest) */
      box.append(G.el("p", { text: G.T("explore.riasec_shaped_partial") }));
    } else {
      const w = (res.weights || {}).interest, m = (res.weights || {}).match;
      const small = w == null || m == null || w * 10 <= m;
      box.append(G.el("p", { text: small ? G.T("explore.riasec_shaped_small")
        : G.T("explore.riasec_shaped_weight", { w: G.num(w, 2), m: G.num(m, 2) }) }));
    }
    box.hidden = false;
  }

  /* Every flag the API sets, in the page's words (``flag.<name>``; an unknown one by its
     name, never hidden). */
  function flagText(f) {
    return G.texts["flag." + f] ? G.T("flag." + f) : G.T("fig.flag_other", { name: f });
  }
  state.flagText = flagText;

  function flagList(it) {
    const p = G.el("p", { class: "badges" });
    (it.flags || []).forEach(function (f) {
      p.append(G.el("span", { class: "badge badge-" + f, "data-flag": f, text: flagText(f) }));
    });
    return p;
  }

  /* [low, high] of a target: H3's intervals (model error included) when present, else the
     employment interval of old answers. */
  function interval(it, target) {
    const iv = it.intervals && it.intervals[target];
    if (iv && iv.length === 2) return iv;
    return target === "employed_12m" ? (it.p_employed_12m_interval || []) : [];
  }
  function rangeText(it, target) {
    const iv = interval(it, target);
    if (iv[0] == null || iv[1] == null) return "";
    const lvl = it.interval_level != null ? G.T("fig.level", { p: G.pct(it.interval_level) }) : "";
    return G.T("card.range", { lo: G.pct(iv[0]), hi: G.pct(iv[1]) }) + lvl;
  }
  function years(b) {
    if (!b.first_cohort || !b.last_cohort) return "";
    const a = b.first_cohort.slice(0, 4), z = b.last_cohort.slice(0, 4);
    return a === z ? a : a + "–" + z;
  }
  /* "tháng 4/2028" / "April 2028" */
  function monthLong(ym) {
    const m = /^(\d{4})-(\d{2})$/.exec(ym || "");
    if (!m) return ym || "—";
    if (G.lang === "vi") return G.T("fig.month", { m: String(+m[2]), y: m[1] });
    return new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" })
      .format(new Date(Date.UTC(+m[1], +m[2] - 1, 1)));
  }
  state.monthLong = monthLong;
  const NO_MODEL = "fig.no_model";

  /* The headline: the observed 12-month rate from MIN_CELL respondents, else the estimate;
     each says which it is and what it rests on. */
  function headline(it) {
    const b = it.basis;
    const box = G.el("p", { class: "stat headline" });
    if (b.headline === "observed" && b.observed_employed_12m != null) {
      box.append(G.el("span", { class: "kind observed", text: G.T("fig.observed") }),
        G.el("span", { class: "big", text: G.pct(b.observed_employed_12m) }),
        G.el("span", { text: G.T("fig.employed_12m") }),
        G.el("span", { class: "range", text: G.T("fig.observed_basis", { known: b.n_employed_12m_known,
          n: b.n_graduates, years: years(b), cohorts: b.n_cohort_years || "—" }) }));
      if (it.p_employed_12m != null) box.append(G.el("span", { class: "range", text: G.T("fig.estimate_for_you",
        { p: G.pct(it.p_employed_12m), range: rangeText(it, "employed_12m") }) }));
      return box;
    }
    box.append(G.el("span", { class: "kind estimate", text: G.T("fig.estimate") }));
    if (it.p_employed_12m == null) {
      box.append(G.el("span", { text: G.T("fig.employed_12m") }), G.el("span", { class: "missing", text: G.T(NO_MODEL) }));
      return box;
    }
    const why = b.cold_start && b.cold_start_method === "attributes" ? G.T("fig.basis_new")
      : b.small_cell ? G.T("fig.basis_small", { n: b.n_graduates })
      : G.T("fig.basis_estimate", { n: b.n_graduates, years: years(b) });
    box.append(G.el("span", { class: "big", text: G.pct(it.p_employed_12m) }),
      G.el("span", { text: G.T("fig.employed_12m") }),
      G.el("span", { class: "range", text: rangeText(it, "employed_12m") }),
      G.el("span", { class: "range", text: why }));
    return box;
  }

  /* Kinds of work at 12 months and work at 6 months, observed; said when unknown. */
  function employmentSplit(it) {
    const b = it.basis;
    const box = G.el("div", { class: "split" });
    box.append(G.el("h4", { text: G.T("fig.split_title") }));
    if (b.observed_formal_12m != null && b.observed_informal_12m != null && b.observed_self_employed_12m != null) {
      const ul = G.el("ul", { class: "split-list" });
      [["fig.formal", b.observed_formal_12m], ["fig.informal", b.observed_informal_12m],
        ["fig.self_employed", b.observed_self_employed_12m]].forEach(function (r) {
        ul.append(G.el("li", {}, [G.el("strong", { text: G.pct(r[1]) }), " " + G.T(r[0])]));
      });
      box.append(ul);
    } else {
      box.append(G.el("p", { class: "missing", text: G.T("fig.split_unknown") }));
    }
    box.append(G.el("p", { class: "at6", text: b.observed_employed_6m != null
      ? G.T("fig.employed_6m", { p: G.pct(b.observed_employed_6m), n: b.n_employed_6m_known })
      : G.T("fig.employed_6m_unknown") }));
    return box;
  }

  function matchStat(it) {
    const box = G.el("p", { class: "stat" });
    box.append(G.el("span", { class: "kind estimate", text: G.T("fig.estimate") }));
    if (it.p_job_matches_training == null) {
      box.append(G.el("span", { text: G.T("fig.match_12m") }), G.el("span", { class: "missing", text: G.T(NO_MODEL) }));
      return box;
    }
    box.append(G.el("span", { class: "big", text: G.pct(it.p_job_matches_training) }),
      G.el("span", { text: G.T("fig.match_12m") }),
      G.el("span", { class: "range", text: rangeText(it, "job_matches_training") }));
    return box;
  }

  function completionStat(it) {
    const box = G.el("p", { class: "stat" });
    box.append(G.el("span", { class: "kind estimate", text: G.T("fig.estimate") }));
    if (it.p_completed == null) {
      box.append(G.el("span", { text: G.T("fig.completion") }), G.el("span", { class: "missing", text: G.T(NO_MODEL) }));
      return box;
    }
    box.append(G.el("span", { class: "big", text: G.pct(it.p_completed) }),
      G.el("span", { text: G.T("fig.completion") }),
      G.el("span", { class: "range", text: G.T("fig.completion_risk", { p: G.pct(1 - it.p_completed) }) }),
      G.el("span", { class: "range", text: rangeText(it, "completed") }));
    return box;
  }

  function tuitionText(it) {
    const total = it.total_tuition_vnd == null ? "" : " · " + G.T("fig.tuition_total", { v: G.millions(it.total_tuition_vnd) });
    return G.T("unit.million_year", { v: G.millions(it.tuition_vnd_per_year) }) + total;
  }
  function exemptionParts(it) {
    const ex = it.tuition_exemption;
    if (!ex) return null;
    const amount = ex.total_tuition_vnd === 0 ? G.T("fig.exempt_all")
      : G.T("fig.tuition_total", { v: G.millions(ex.total_tuition_vnd) });
    return [amount, (G.lang === "en" ? ex.rule_en : ex.rule_vi) + " (" + ex.legal_source + ")"
      + (ex.verified ? "" : " — " + G.T("fig.unverified"))];
  }
  function exemptionText(it) {
    const p = exemptionParts(it);
    return p ? p[0] + " — " + p[1] : null;
  }
  state.tuitionText = tuitionText;
  state.exemptionText = exemptionText;

  function card(it, maxWage) {
    const li = G.el("li", { class: "card result", id: "item-" + it.programme_id });
    const dl = G.el("dl", { class: "facts" });
    const ex = exemptionParts(it);
    [].concat(
      fact(G.T("card.level"), G.T("level." + it.level)),
      fact(G.T("card.distance"), G.distance(it.distance_km)),
      fact(G.T("card.duration"), G.T("unit.months", { v: it.duration_months })),
      fact(G.T("card.graduation"), monthLong(it.graduation_period)),
      fact(G.T("card.tuition"), tuitionText(it)),
      ex ? [G.el("dt", { text: G.T("fig.tuition_after") }), G.el("dd", { class: "exemption" }, [
        G.el("span", { text: ex[0] }), G.el("span", { class: "rule", text: ex[1] })])] : [],
      it.interest_fit == null ? [] : fact(G.T("explore.card_fit"), G.pct(it.interest_fit))
    ).forEach(function (e) { dl.append(e); });
    const stats = G.el("div", { class: "stats" }, [headline(it), matchStat(it), completionStat(it)]);
    const all = G.lang === "en" ? it.reasons_en : it.reasons_vi;
    const reasons = G.el("ul", { class: "reasons noprint" });
    all.slice(0, 3).forEach(function (r) { reasons.append(G.el("li", { text: r })); });
    let more = null;
    if (all.length > 3) {
      const rest = G.el("ul", { class: "reasons" });
      all.slice(3).forEach(function (r) { rest.append(G.el("li", { text: r })); });
      more = G.el("details", { class: "more noprint" }, [G.el("summary", { text: G.T("card.more_reasons",
        { n: all.length - 3 }) }), rest]);
    }
    /* print: every reason, no control to open */
    const printed = G.el("ul", { class: "reasons print-only reasons-all" });
    all.forEach(function (r) { printed.append(G.el("li", { text: r })); });
    const cmpId = "cmp-" + it.programme_id;
    const cmp = G.el("input", { type: "checkbox", id: cmpId, value: it.programme_id });
    cmp.checked = state.compare.has(it.programme_id);
    cmp.addEventListener("change", function () { toggleCompare(it.programme_id, cmp); });
    const wage = wageChart(it, maxWage);
    const spark = sparkline(it);
    const also = alsoAt(it);
    if (also) also.classList.add("noprint");
    [
      G.el("h3", {}, [G.el("span", { class: "rank", text: it.rank + ". " }), name(it)]),
      G.el("p", { class: "where", text: it.institution_name + " · " + provName(it) }),
      G.el("p", { class: "card-occupations", hidden: "", "data-occupations-of": it.programme_id }),
      flagList(it), stats, employmentSplit(it), dl,
      G.el("p", { class: "card-link noprint" }, [G.el("a", { class: "programme-link",
        href: "/programmes/" + encodeURIComponent(it.programme_id) + "?lang=" + G.lang,
        text: G.T("explore.card_details") })]),
      G.el("p", { class: "card-link noprint" }, [G.el("a", { class: "stats-link",
        href: "/stats/offering/" + encodeURIComponent(it.programme_id) + "?lang=" + G.lang,
        text: G.T("card.stats_link") })]),
      also,
      G.el("div", { class: "charts" }, [
        G.el("figure", { class: "wage-fig" }, [G.el("figcaption", { text: G.T("fig.wage_title") }),
          wage || G.el("p", { class: "missing", text: G.T(NO_MODEL) }),
          wage ? G.el("p", { class: "hint", text: G.T("card.wage", { lo: G.millions(it.wage_q25),
            mid: G.millions(it.wage_q50), hi: G.millions(it.wage_q75) }) }) : null]),
        G.el("figure", { class: "demand-fig" }, [G.el("figcaption", { text: G.T("card.demand_caption") }),
          spark || G.el("p", { class: "missing", text: G.T("fig.no_demand") })])]),
      G.el("h4", { text: G.T("card.reasons") }), reasons, more, printed,
      G.el("p", { class: "check noprint" }, [cmp, G.el("label", { for: cmpId, text: G.T("compare.add") })])
    ].forEach(function (e) { if (e) li.append(e); });
    state.hooks.forEach(function (h) { if (h.card) h.card(li, it); });
    return li;
  }

  /* Print only: what the learner entered, the date, the model and the demand period. */
  function optionText(sel, value) {
    const o = document.querySelector(sel + ' option[value="' + CSS.escape(String(value)) + '"]');
    return o ? o.textContent.trim() : String(value);
  }
  function renderPrintSummary(res) {
    const box = $("print-summary");
    if (!box) return;
    box.textContent = "";
    const p = state.profile || {}, q = state.prefs || {};
    const d = new Date();
    const date = G.lang === "vi" ? G.T("fig.date", { d: String(d.getDate()), m: String(d.getMonth() + 1), y: String(d.getFullYear()) })
      : new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric" }).format(d);
    box.append(G.el("h2", { text: G.T("print.summary_title") }));
    const dl = G.el("dl", { class: "facts" });
    const rows = [
      [G.T("print.date"), date],
      [G.T("form.age"), p.age],
      [G.T("form.province"), optionText("#f-province", p.home_province_code)],
      [G.T("form.education"), G.T("education." + p.education_level)],
      [G.T("prefs.distance"), q.max_distance_km != null ? G.T("unit.km", { v: G.num(q.max_distance_km) }) : G.T("prefs.distance_region")],
      [G.T("prefs.relocate"), G.T(q.willing_to_relocate ? "print.yes" : "print.no")],
      [G.T("prefs.duration"), q.max_duration_months != null ? G.T("unit.months", { v: q.max_duration_months }) : G.T("prefs.any")],
      [G.T("prefs.tuition"), q.max_tuition_vnd_per_year != null ? G.T("unit.million_year", { v: G.millions(q.max_tuition_vnd_per_year) }) : G.T("prefs.any")],
      [G.T("prefs.levels"), q.levels ? q.levels.map(function (l) { return G.T("level." + l); }).join(", ") : G.T("prefs.any")],
      [G.T("print.model"), res.model_version],
      [G.T("print.demand"), G.month(res.demand_period)],
    ];
    ["gpa", "math_score", "literature_score", "english_score"].forEach(function (g) {
      if (p[g] != null) rows.splice(4, 0, [G.T("form." + g), G.num(p[g], 1)]);
    });
    const top = TYPES.filter(function (t) { return p["riasec_" + t] != null; })
      .sort(function (a, b) { return p["riasec_" + b] - p["riasec_" + a]; }).slice(0, 3);
    if (top.length) rows.splice(4, 0, [G.T("print.interests"),
      top.map(function (t) { return G.T("riasec.type." + t); }).join(", ")]);
    rows.forEach(function (r) { fact(r[0], r[1] == null ? "—" : String(r[1])).forEach(function (e) { dl.append(e); }); });
    box.append(dl);
  }

  function renderResults() {
    const res = state.result;
    const ol = $("cards");
    ol.textContent = "";
    G.setStatus(res.model_version, res.demand_period);
    $("results-summary").textContent = res.items.length
      ? G.T("results.summary", { n: res.items.length, eligible: res.n_eligible })
      : G.T("results.empty");
    /* what the recommender says of the request itself: an old province code read as its
       2025 province, a default area widened to the region (``Recommendation.notes_*``) */
    const notes = (G.lang === "en" ? res.notes_en : res.notes_vi) || [];
    const box = $("results-notes");
    box.textContent = "";
    notes.forEach(function (n) { box.append(G.el("li", { text: n })); });
    box.hidden = notes.length === 0;
    const maxWage = Math.max.apply(null, res.items.map(function (i) { return i.wage_q75 || 0; }).concat([1]));
    res.items.forEach(function (it) { ol.append(card(it, maxWage)); });
    renderShaped(res);
    renderPrintSummary(res);
    fillOccupations(res.items);
    renderCompare(false);
  }
  state.render = renderResults;

  /* --- compare 2–3 ---------------------------------------------------------------- */
  function toggleCompare(id, box) {
    if (box.checked && state.compare.size >= 3) {
      box.checked = false;
      $("status-msg").textContent = G.T("compare.max");
      return;
    }
    if (box.checked) state.compare.add(id); else state.compare.delete(id);
    $("compare-btn").disabled = state.compare.size < 2;
  }

  function renderCompare(focus) {
    const sec = $("compare");
    const items = state.result ? state.result.items.filter(function (i) { return state.compare.has(i.programme_id); }) : [];
    $("compare-btn").disabled = items.length < 2;
    if (items.length < 2) { sec.hidden = true; return; }
    const missing = function (v, f) { return v == null ? G.T(NO_MODEL) : f(v); };
    const rows = [
      ["card.institution", function (i) { return i.institution_name; }],
      ["card.province", provName],
      ["card.level", function (i) { return G.T("level." + i.level); }],
      ["card.distance", function (i) { return G.distance(i.distance_km); }],
      ["card.duration", function (i) { return G.T("unit.months", { v: i.duration_months }); }],
      ["card.graduation", function (i) { return monthLong(i.graduation_period); }],
      ["card.tuition", tuitionText],
      ["fig.tuition_after", function (i) { return exemptionText(i) || G.T("fig.no_exemption"); }],
      ["fig.headline", function (i) { const b = i.basis;
        return b.headline === "observed" && b.observed_employed_12m != null
          ? G.T("fig.observed") + ": " + G.pct(b.observed_employed_12m) + " (" + G.T("fig.observed_basis",
            { known: b.n_employed_12m_known, n: b.n_graduates, years: years(b), cohorts: b.n_cohort_years || "—" }) + ")"
          : G.T("fig.estimate") + ": " + missing(i.p_employed_12m, function (p) { return G.pct(p) + " (" + rangeText(i, "employed_12m") + ")"; }); }],
      ["fig.employed_6m_row", function (i) { const b = i.basis;
        return b.observed_employed_6m != null ? G.T("fig.employed_6m", { p: G.pct(b.observed_employed_6m), n: b.n_employed_6m_known })
          : G.T("fig.employed_6m_unknown"); }],
      ["fig.split_title", function (i) { const b = i.basis;
        return b.observed_formal_12m != null && b.observed_informal_12m != null && b.observed_self_employed_12m != null
          ? [["fig.formal", b.observed_formal_12m], ["fig.informal", b.observed_informal_12m], ["fig.self_employed", b.observed_self_employed_12m]]
            .map(function (r) { return G.pct(r[1]) + " " + G.T(r[0]); }).join(" · ")
          : G.T("fig.split_unknown"); }],
      ["fig.match_12m", function (i) { return missing(i.p_job_matches_training, function (p) {
        const r = rangeText(i, "job_matches_training"); return G.pct(p) + (r ? " (" + r + ")" : ""); }); }],
      ["fig.completion", function (i) { return missing(i.p_completed, function (p) {
        return G.pct(p) + " (" + G.T("fig.completion_risk", { p: G.pct(1 - p) }) + ")"; }); }],
      ["fig.wage_title", function (i) { return i.wage_q50 == null ? G.T(NO_MODEL) : G.T("card.wage", {
        lo: G.millions(i.wage_q25), mid: G.millions(i.wage_q50), hi: G.millions(i.wage_q75) }); }],
      ["card.demand_caption", function (i) { const pts = demandPoints(i.demand);
        return !hasDemand(i) || pts.length < 2 ? G.T("fig.no_demand")
          : pts.map(function (p) { return G.T(p[0]) + " " + G.num(p[1]); }).join(" → "); }],
      ["fig.flags", function (i) { return (i.flags || []).length ? i.flags.map(flagText).join("; ") : G.T("fig.no_flags"); }],
    ];
    const head = G.el("tr", {}, [G.el("td", {})].concat(items.map(function (i) {
      return G.el("th", { scope: "col", text: name(i) }); })));
    const body = rows.map(function (r) {
      return G.el("tr", {}, [G.el("th", { scope: "row", text: G.T(r[0]) })].concat(
        items.map(function (i) { return G.el("td", { text: r[1](i) }); })));
    });
    const table = G.el("table", {}, [G.el("caption", { class: "sr-only", text: G.T("compare.title") }),
      G.el("thead", {}, [head]), G.el("tbody", {}, body)]);
    $("compare-table").textContent = "";
    $("compare-table").append(table);
    sec.hidden = false;
    if (focus) $("compare-h").focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!$("learner-form")) return;
    $("f-prov-search").addEventListener("input", filterProvinces);
    document.querySelectorAll(".riasec input[type=radio]").forEach(function (r) {
      r.addEventListener("change", renderProfile);
    });
    $("learner-form").addEventListener("submit", submit);
    $("compare-btn").addEventListener("click", function () { renderCompare(true); });
    $("print-btn").addEventListener("click", function () { window.print(); });
    document.addEventListener("langchange", function () {
      renderProfile();
      if (state.result) renderResults();
      ["age", "home_province_code", "education_level"].concat(GRADES).forEach(function (n) {
        G.fieldError(n, null);
      });
    });
  });
})();

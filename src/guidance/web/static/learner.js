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

  function wageChart(it, max) {
    const w = 240, h = 28, x = function (v) { return 4 + (w - 8) * Math.min(v, max) / max; };
    const s = G.svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", height: h,
      class: "wage", role: "img", focusable: "false" });
    const label = G.T("card.wage_aria", { lo: G.millions(it.wage_q25), mid: G.millions(it.wage_q50),
      hi: G.millions(it.wage_q75) });
    s.setAttribute("aria-label", label);
    s.append(G.svg("line", { x1: 4, x2: w - 4, y1: 14, y2: 14, class: "track" }));
    if (it.wage_q25 != null && it.wage_q75 != null) {
      s.append(G.svg("rect", { x: x(it.wage_q25), y: 7, width: Math.max(2, x(it.wage_q75) - x(it.wage_q25)),
        height: 14, rx: 3, class: "range" }));
    }
    if (it.wage_q50 != null) s.append(G.svg("rect", { x: x(it.wage_q50) - 1.5, y: 3, width: 3,
      height: 22, class: "median" }));
    return s;
  }

  /* Vacancies a year ago, now, and projected at graduation (from the API's figures). */
  function demandPoints(d) {
    if (d.vacancies == null) return [];
    const pts = [];
    if (d.trend_12m != null && d.trend_12m > -1) pts.push(d.vacancies / (1 + d.trend_12m));
    pts.push(d.vacancies);
    if (d.projected_per_seeker != null && d.vacancies_per_seeker)
      pts.push(d.vacancies * d.projected_per_seeker / d.vacancies_per_seeker);
    return pts;
  }

  function sparkline(it) {
    const pts = demandPoints(it.demand);
    const w = 120, h = 32;
    const s = G.svg("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h,
      class: "spark", role: "img", focusable: "false" });
    const t = it.demand.trend_12m;
    s.setAttribute("aria-label", t == null ? G.T("card.demand_unknown")
      : G.T(t >= 0 ? "card.demand_up" : "card.demand_down", { pct: Math.abs(Math.round(t * 100)) }));
    if (pts.length < 2) return s;
    const lo = Math.min.apply(null, pts), hi = Math.max.apply(null, pts);
    const y = function (v) { return hi === lo ? h / 2 : h - 4 - (h - 8) * (v - lo) / (hi - lo); };
    const xs = pts.map(function (_, i) { return 4 + i * (w - 8) / (pts.length - 1); });
    s.append(G.svg("polyline", { points: pts.map(function (v, i) { return xs[i] + "," + y(v); }).join(" "),
      class: "line" }));
    pts.forEach(function (v, i) {
      s.append(G.svg("circle", { cx: xs[i], cy: y(v), r: 2.5, class: i === 2 ? "proj" : "dot" }));
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

  function card(it, maxWage) {
    const li = G.el("li", { class: "card result", id: "item-" + it.programme_id });
    const badges = G.el("p", { class: "badges" });
    it.flags.forEach(function (f) {
      if (G.texts["badge." + f]) badges.append(G.el("span", { class: "badge badge-" + f, text: G.T("badge." + f) }));
    });
    const iv = it.p_employed_12m_interval || [];
    const dl = G.el("dl", { class: "facts" });
    [].concat(
      fact(G.T("card.level"), G.T("level." + it.level)),
      fact(G.T("card.distance"), G.distance(it.distance_km)),
      fact(G.T("card.duration"), G.T("unit.months", { v: it.duration_months })),
      fact(G.T("card.tuition"), G.T("unit.million_year", { v: G.millions(it.tuition_vnd_per_year) })),
      fact(G.T("card.graduation"), it.graduation_period),
      it.interest_fit == null ? [] : fact(G.T("explore.card_fit"), G.pct(it.interest_fit))
    ).forEach(function (e) { dl.append(e); });
    const stats = G.el("div", { class: "stats" }, [
      G.el("p", { class: "stat" }, [G.el("span", { class: "big", text: G.pct(it.p_employed_12m) }),
        G.el("span", { text: G.T("card.p_job") }),
        G.el("span", { class: "range", text: G.T("card.range", { lo: G.pct(iv[0]), hi: G.pct(iv[1]) }) })]),
      G.el("p", { class: "stat" }, [G.el("span", { class: "big", text: G.pct(it.p_job_matches_training) }),
        G.el("span", { text: G.T("card.p_trade") })])]);
    const all = G.lang === "en" ? it.reasons_en : it.reasons_vi;
    const reasons = G.el("ul", { class: "reasons" });
    all.slice(0, 3).forEach(function (r) { reasons.append(G.el("li", { text: r })); });
    let more = null;
    if (all.length > 3) {
      const rest = G.el("ul", { class: "reasons" });
      all.slice(3).forEach(function (r) { rest.append(G.el("li", { text: r })); });
      more = G.el("details", { class: "more" }, [G.el("summary", { text: G.T("card.more_reasons",
        { n: all.length - 3 }) }), rest]);
    }
    const cmpId = "cmp-" + it.programme_id;
    const cmp = G.el("input", { type: "checkbox", id: cmpId, value: it.programme_id });
    cmp.checked = state.compare.has(it.programme_id);
    cmp.addEventListener("change", function () { toggleCompare(it.programme_id, cmp); });
    [
      G.el("h3", {}, [G.el("span", { class: "rank", text: it.rank + ". " }), name(it)]),
      G.el("p", { class: "where", text: it.institution_name + " · " + provName(it) }),
      G.el("p", { class: "card-occupations", hidden: "", "data-occupations-of": it.programme_id }),
      badges, stats, dl,
      G.el("p", { class: "card-link" }, [G.el("a", { class: "programme-link",
        href: "/programmes/" + encodeURIComponent(it.programme_id) + "?lang=" + G.lang,
        text: G.T("explore.card_details") })]),
      G.el("p", { class: "card-link" }, [G.el("a", { class: "stats-link",
        href: "/stats/offering/" + encodeURIComponent(it.programme_id) + "?lang=" + G.lang,
        text: G.T("card.stats_link") })]),
      alsoAt(it),
      G.el("div", { class: "charts" }, [
        G.el("figure", {}, [wageChart(it, maxWage), G.el("figcaption", { text: G.T("card.wage", {
          lo: G.millions(it.wage_q25), mid: G.millions(it.wage_q50), hi: G.millions(it.wage_q75) }) })]),
        G.el("figure", {}, [sparkline(it), G.el("figcaption", { text: G.T("card.demand_caption") })])]),
      G.el("h4", { text: G.T("card.reasons") }), reasons, more,
      G.el("p", { class: "check noprint" }, [cmp, G.el("label", { for: cmpId, text: G.T("compare.add") })])
    ].forEach(function (e) { if (e) li.append(e); });
    state.hooks.forEach(function (h) { if (h.card) h.card(li, it); });
    return li;
  }

  function renderResults() {
    const res = state.result;
    const ol = $("cards");
    ol.textContent = "";
    G.setStatus(res.model_version, res.demand_period);
    $("results-summary").textContent = res.items.length
      ? G.T("results.summary", { n: res.items.length, eligible: res.n_eligible })
      : G.T("results.empty");
    const maxWage = Math.max.apply(null, res.items.map(function (i) { return i.wage_q75 || 0; }).concat([1]));
    res.items.forEach(function (it) { ol.append(card(it, maxWage)); });
    renderShaped(res);
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
    const rows = [
      ["card.institution", function (i) { return i.institution_name; }],
      ["card.province", provName],
      ["card.level", function (i) { return G.T("level." + i.level); }],
      ["card.distance", function (i) { return G.distance(i.distance_km); }],
      ["card.duration", function (i) { return G.T("unit.months", { v: i.duration_months }); }],
      ["card.tuition", function (i) { return G.T("unit.million_year", { v: G.millions(i.tuition_vnd_per_year) }); }],
      ["card.p_job", function (i) { const v = i.p_employed_12m_interval || [];
        return G.T("card.p_interval", { p: G.pct(i.p_employed_12m), lo: G.pct(v[0]), hi: G.pct(v[1]) }); }],
      ["card.p_trade", function (i) { return G.pct(i.p_job_matches_training); }],
      ["card.wage_median", function (i) { return G.T("unit.million_month", { v: G.millions(i.wage_q50) }); }],
      ["card.demand_trend", function (i) { const t = i.demand.trend_12m;
        return t == null ? "—" : (t >= 0 ? "+" : "−") + Math.abs(Math.round(t * 100)) + "%"; }],
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

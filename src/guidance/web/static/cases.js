/* The caseload page (/counsellor/cases): list and search my cases (GET /api/v1/cases),
   open one (the inputs, the recommendation as it was shown), add notes, record the
   enrolment (a programme from the catalogue, a date), delete on request. */
"use strict";
(function () {
  const G = window.G;
  const ROLE = "counsellor";
  const PAGE = 20;
  let offset = 0;
  let total = 0;
  let current = null;
  let picker = null;
  function $(id) { return document.getElementById(id); }
  function day(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!m) return "—";
    return G.lang === "vi" ? m[3] + "/" + m[2] + "/" + m[1] : m[3] + "/" + m[2] + "/" + m[1];
  }
  let provinces = null;
  /* "name — institution, province" for a programme id, from the names the API sends
     beside the cases; the bare id only when the catalogue no longer has it. */
  function programme(labels, id) {
    if (!id) return "—";
    const p = labels && labels[id];
    if (!p) return id;
    if (provinces === null) {
      provinces = {};
      JSON.parse($("provinces-data").textContent).forEach(function (q) { provinces[q.code] = q; });
    }
    const prov = provinces[p.province_code];
    const where = [p.institution_name, prov ? (G.lang === "en" ? prov.en : prov.vi) : p.province_code]
      .filter(Boolean).join(", ");
    const name = G.lang === "en" && p.name_en ? p.name_en : p.name_vi;
    return where ? name + " — " + where : name;
  }
  function message(err) {
    const e = err && err.body && err.body.error;
    if (e && G.lang === "vi" && e.message_vi) return e.message_vi;
    if (err && err.status === 404) return G.T("cases.not_found");
    return (e && G.lang !== "vi" && e.message) || G.T("error.server");
  }

  async function load() {
    const q = $("cases-q").value.trim();
    const path = "/api/v1/cases?limit=" + PAGE + "&offset=" + offset
      + (q ? "&q=" + encodeURIComponent(q) : "");
    let page;
    try { page = await G.api(path, { role: ROLE }); } catch (err) {
      $("cases-count").textContent = message(err); return;
    }
    total = page.total;
    $("cases-count").textContent = total ? G.T("cases.count", { n: G.num(total) }) : G.T("cases.none");
    const rows = page.items.map(function (c) {
      const open = G.el("button", { type: "button", text: G.T("cases.open"),
        "aria-label": G.T("cases.open") + " " + G.T("cases.case", { id: c.id }) });
      open.addEventListener("click", function () { show(c.id); });
      return [day(c.created_at), c.learner_id || "—", c.age == null ? "—" : G.num(c.age),
        programme(page.programmes, c.programme_id),
        c.enrolled_programme_id ? programme(page.programmes, c.enrolled_programme_id) + " · " + day(c.enrolled_on) : "—",
        open];
    });
    $("cases-out").replaceChildren(rows.length ? G.table([G.T("cases.col.saved"),
      G.T("cases.col.learner"), G.T("cases.col.age"), G.T("cases.col.choice"),
      G.T("cases.col.enrolled"), ""], rows, G.T("cases.list")) : "");
    $("cases-prev").disabled = offset === 0;
    $("cases-next").disabled = offset + PAGE >= total;
  }

  function dl(pairs) {
    return G.el("dl", { class: "facts" }, pairs.flatMap(function (p) {
      return [G.el("dt", { text: p[0] }), G.el("dd", { text: p[1] == null ? "—" : String(p[1]) })];
    }));
  }

  function render(c) {
    current = c;
    $("case-h").textContent = G.T("cases.case", { id: c.id });
    const prof = c.profile;
    const provinces = {};
    JSON.parse($("provinces-data").textContent).forEach(function (p) { provinces[p.code] = p; });
    const inputs = Object.keys(prof).map(function (k) {
      const v = prof[k];
      let shown = typeof v === "number" ? G.num(v, Number.isInteger(v) ? 0 : 2) : v;
      if (k === "home_province_code" && provinces[v]) shown = G.lang === "en" ? provinces[v].en : provinces[v].vi;
      if (k === "education_level" && G.texts["education." + v]) shown = G.T("education." + v);
      if (typeof v === "boolean") shown = v ? "✓" : "—";
      return [G.texts["cases.f." + k] ? G.T("cases.f." + k) : k, shown];
    });
    inputs.push([G.T("cases.consent", { date: day(c.consent_at) }), "✓"]);
    if (c.consent_guardian) inputs.push([G.T("cases.guardian"), "✓"]);
    const shown = c.shown.length ? G.table([G.T("cases.col.rank"), G.T("cases.col.programme"),
      G.T("cases.col.employed"), G.T("cases.col.wage")], c.shown.map(function (s) {
        return [G.num(s.rank), programme(c.programmes, s.id), G.rate(s.p_employed_12m), G.millions(s.wage_q50)];
      }), G.T("cases.shown")) : G.el("p", { text: G.T("cases.shown_none") });
    $("case-body").replaceChildren(
      G.el("h3", { text: G.T("cases.inputs") }), dl(inputs),
      G.el("h3", { text: G.T("cases.shown") }),
      G.el("p", { class: "hint", text: G.T("cases.shown_meta", { version: c.model_version || "—",
        period: G.month(c.demand_period) }) }), shown,
      dl([[G.T("cases.choice"), programme(c.programmes, c.programme_id)], [G.T("cases.reason"), c.reason]]));
    $("case-notes").replaceChildren.apply($("case-notes"), c.notes.length ? c.notes.map(function (n) {
      return G.el("li", {}, [G.el("span", { class: "hint", text: G.datetime(n.created_at) + " · " }),
        G.el("span", { text: n.text })]);
    }) : [G.el("li", { text: G.T("cases.notes_none") })]);
    $("case-msg").textContent = c.enrolled_programme_id
      ? G.T("cases.enrolled", { programme: programme(c.programmes, c.enrolled_programme_id), date: day(c.enrolled_on) })
      : G.T("cases.not_enrolled");
    $("case").hidden = false;
    picker.refresh();  // this case's recommended programmes first in the list
  }

  async function show(id) {
    try { render(await G.api("/api/v1/cases/" + id, { role: ROLE })); } catch (err) {
      $("cases-count").textContent = message(err); return;
    }
    $("case-h").focus();
  }

  function ready() {
    picker = G.programmePicker($("enrol-q"), $("enrol-programme"), {
      extra: function () {
        return current ? current.shown.map(function (s) {
          return { id: s.id, label: G.num(s.rank) + ". " + s.id };
        }) : [];
      },
    });
    $("enrol-date").max = new Date().toISOString().slice(0, 10);
    $("cases-search").addEventListener("submit", function (ev) {
      ev.preventDefault(); offset = 0; load();
    });
    $("cases-prev").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); load(); });
    $("cases-next").addEventListener("click", function () { offset += PAGE; load(); });
    $("note-form").addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const text = $("note-text").value.trim();
      G.fieldError("note_text", null);
      $("case-msg").textContent = "";
      if (!text) { G.fieldError("note_text", G.T("error.required")); return; }
      try {
        await G.api("/api/v1/cases/" + current.id + "/notes", { role: ROLE, method: "POST", json: { text: text } });
      } catch (err) { G.fieldError("note_text", message(err)); return; }
      $("note-text").value = "";
      await show(current.id);
      $("case-msg").textContent = G.T("cases.note_saved");
    });
    $("enrol-form").addEventListener("submit", async function (ev) {
      ev.preventDefault();
      G.fieldError("enrol_programme", null); G.fieldError("enrol_date", null);
      $("case-msg").textContent = "";  // an old success message never stays beside a new error
      const pid = picker.value();
      const date = $("enrol-date").value;
      let bad = false;
      if (!pid) { G.fieldError("enrol_programme", G.T("picker.required")); bad = true; }
      if (!date) { G.fieldError("enrol_date", G.T("error.required")); bad = true; }
      if (bad) return;
      try {
        render(await G.api("/api/v1/cases/" + current.id + "/enrolment", { role: ROLE,
          method: "PUT", json: { programme_id: pid, enrolled_on: date } }));
      } catch (err) {
        const d = err.body && err.body.error && err.body.error.details;
        const field = d && d[0] && d[0].loc && d[0].loc[1] === "enrolled_on" ? "enrol_date" : "enrol_programme";
        G.fieldError(field, message(err)); return;
      }
      load();
    });
    $("case-delete").addEventListener("click", async function () {
      if (!current || !window.confirm(G.T("cases.delete_confirm"))) return;
      try {
        await G.api("/api/v1/cases/" + current.id, { role: ROLE, method: "DELETE" });
      } catch (err) { $("case-msg").textContent = message(err); return; }
      current = null;
      $("case").hidden = true;
      await load();
      $("cases-count").textContent = G.T("cases.deleted") + " " + $("cases-count").textContent;
    });
    document.addEventListener("langchange", function () {
      picker.refresh();
      load();
      if (current) render(current);
    });
    load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    G.login(ROLE, function () { return "/api/v1/cases?limit=1"; }, ready);
  });
})();

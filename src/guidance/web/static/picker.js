/* A programme picker: a search box over GET /api/v1/programmes (accents ignored) that fills
   a <select> with "name — institution, province (id)"; the select's value is the catalogue
   id, so nobody types "P000…". G.programmePicker(input, select, opts) returns
   {value(), set(id, label), clear()}. opts.extra: options shown first (e.g. the
   recommended programmes, [{id, label}]). */
"use strict";
(function () {
  const G = window.G;
  let provinces = null;
  function provinceName(code) {
    if (provinces === null) {
      const el = document.getElementById("provinces-data");
      provinces = {};
      if (el) JSON.parse(el.textContent).forEach(function (p) { provinces[p.code] = p; });
    }
    const p = provinces[code];
    return p ? (G.lang === "en" ? p.en : p.vi) : code;
  }
  G.programmePicker = function (input, select, opts) {
    opts = opts || {};
    let timer = null;
    let seq = 0;
    function label(p) {
      const name = G.lang === "en" && p.name_en ? p.name_en : p.name_vi;
      const prov = provinceName(p.province_code);
      return name + " — " + p.institution_name + ", " + prov + " (" + p.programme_id + ")";
    }
    function fill(list, message) {
      const keep = select.value;
      select.replaceChildren(G.el("option", { value: "", text: message || G.T("picker.empty") }));
      (opts.extra ? opts.extra() : []).concat(list).forEach(function (o) {
        select.append(G.el("option", { value: o.id, text: o.label }));
      });
      if (keep && Array.from(select.options).some(function (o) { return o.value === keep; })) {
        select.value = keep;
      }
    }
    async function search() {
      const q = input.value.trim();
      const mine = ++seq;
      if (!q) { fill([]); return; }
      try {
        const page = await G.api("/api/v1/programmes?page_size=30&q=" + encodeURIComponent(q));
        if (mine !== seq) return;  // a newer search has been sent
        const items = page.items.map(function (p) { return { id: p.programme_id, label: label(p) }; });
        fill(items, items.length ? null : G.T("picker.none"));
        if (items.length === 1) select.value = items[0].id;
      } catch (err) {
        if (mine === seq) fill([], G.T("error.server"));
      }
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    fill([]);
    return {
      value: function () { return select.value; },
      refresh: function () { fill([]); },
      clear: function () { input.value = ""; fill([]); select.value = ""; },
    };
  };
})();

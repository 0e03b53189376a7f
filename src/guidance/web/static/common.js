/* Shared helpers of every page: translation, accent-free search, API calls, formatting. */
"use strict";
(function () {
  const G = (window.G = {});
  G.texts = JSON.parse(document.getElementById("i18n-data").textContent);
  G.fieldMap = JSON.parse(document.getElementById("fields-data").textContent);
  G.lang = document.documentElement.lang || "vi";

  /* The catalogue text for key, with {name} filled from params. */
  G.T = function (key, params) {
    let s = G.texts[key];
    if (s === undefined) { console.error("missing text", key); return key; }
    if (params) for (const k in params) s = s.split("{" + k + "}").join(params[k]);
    return s;
  };

  /* Same folding as guidance.text.fold: no diacritics, đ→d, lower case, single spaces. */
  G.fold = function (s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().replace(/\s+/g, " ").trim();
  };

  G.applyTexts = function (root) {
    (root || document).querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = G.T(el.dataset.i18n);
    });
    (root || document).querySelectorAll("[data-i18n-attr]").forEach(function (el) {
      el.dataset.i18nAttr.split(";").forEach(function (pair) {
        const [attr, key] = pair.split(":");
        el.setAttribute(attr, G.T(key));
      });
    });
  };

  /* Switch language in place (results stay on screen); the cookie keeps the choice. */
  G.setLang = async function (lang) {
    const r = await fetch("/i18n/" + lang + ".json");
    if (!r.ok) { window.location.search = "?lang=" + lang; return; }
    G.texts = await r.json();
    G.lang = lang;
    document.documentElement.lang = lang;
    document.cookie = "lang=" + lang + "; path=/; max-age=31536000; samesite=lax";
    G.applyTexts(document);
    const other = lang === "vi" ? "en" : "vi";
    document.querySelectorAll("[data-lang-toggle]").forEach(function (a) {
      a.setAttribute("href", "?lang=" + other);
      a.setAttribute("hreflang", other);
      a.setAttribute("lang", other);
    });
    const url = new URL(window.location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
    document.dispatchEvent(new CustomEvent("langchange"));
  };

  /* The API key of counsellor/admin pages lives in sessionStorage only (gone with the tab). */
  G.key = function (role) { return sessionStorage.getItem("guidance-key-" + role) || ""; };
  G.setKey = function (role, key) {
    if (key) sessionStorage.setItem("guidance-key-" + role, key);
    else sessionStorage.removeItem("guidance-key-" + role);
  };

  G.ApiError = class extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || "HTTP " + status);
      this.status = status;
      this.body = body;
    }
  };

  /* fetch an /api/v1 route; JSON in and out; throws G.ApiError on a non-2xx answer. */
  G.api = async function (path, opts) {
    opts = opts || {};
    const headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    if (opts.role && G.key(opts.role)) headers["X-API-Key"] = G.key(opts.role);
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["Content-Type"] = "application/json";
    }
    const r = await fetch(path, { method: opts.method || "GET", headers: headers, body: body });
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { raw: text }; }
    if (!r.ok) throw new G.ApiError(r.status, data);
    return data;
  };

  G.locale = function () { return G.lang === "vi" ? "vi-VN" : "en-GB"; };
  G.pct = function (p) { return p == null ? "—" : Math.round(p * 100) + "%"; };
  G.num = function (v, digits) {
    if (v == null || isNaN(v)) return "—";
    return new Intl.NumberFormat(G.locale(), { maximumFractionDigits: digits || 0,
      minimumFractionDigits: digits || 0 }).format(v);
  };
  G.millions = function (v) { return v == null ? "—" : G.num(v / 1e6, 1); };
  /* Distance from home, honestly: "Trong tỉnh" for the home province (centre-to-centre
     distances are 0 there), else "≈ N km" between the two provinces' centres (as the
     reasons say: recommend.reasons.distance_text). */
  G.distance = function (km) {
    if (km == null || isNaN(km)) return "—";
    return km < 0.5 ? G.T("elig.in_province") : G.T("elig.km_centres", { v: G.num(km) });
  };
  /* A rate (0…1) as a percentage with one decimal: "62,5 %" in Vietnamese (comma, a
     no-break space before %), "62.5%" in English. */
  G.rate = function (p) {
    if (p == null || isNaN(p)) return "—";
    return G.num(p * 100, 1) + (G.lang === "vi" ? "\u00a0%" : "%");
  };
  /* A month "YYYY-MM": "06/2025" in Vietnamese, "Jun 2025" in English. */
  G.month = function (ym) {
    const m = /^(\d{4})-(\d{2})$/.exec(ym || "");
    if (!m) return ym == null ? "—" : String(ym);
    if (G.lang === "vi") return m[2] + "/" + m[1];
    return new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" })
      .format(new Date(Date.UTC(+m[1], +m[2] - 1, 1)));
  };
  /* A timestamp from the API in the page's form (Vietnamese: "14:05 04/12/2026"). */
  G.datetime = function (iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString(G.locale(), { day: "2-digit",
      month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });
  };

  /* el("p", {class: "x", text: "…"}, [children]) */
  G.el = function (tag, attrs, children) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : v);
    }
    (children || []).forEach(function (c) { if (c) e.append(c); });
    return e;
  };
  G.svg = function (tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  };

  G.setStatus = function (version, period) {
    if (version) document.getElementById("model-version").textContent = version;
    if (period) document.getElementById("demand-period").textContent = G.month(period);
  };

  /* Show a message next to its field (or clear it with msg = null). */
  G.fieldError = function (name, msg) {
    const p = document.getElementById("err-" + name);
    if (!p) return false;
    const input = document.querySelector('[name="' + name + '"]');
    p.textContent = msg || "";
    p.hidden = !msg;
    if (input) {
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    return true;
  };

  /* Download text as a file (built in the browser: nothing is stored on the server). */
  G.download = function (name, text, type) {
    const blob = new Blob(["\ufeff" + text], { type: type || "text/csv;charset=utf-8" });
    const a = G.el("a", { href: URL.createObjectURL(blob), download: name });
    a.click();  // not added to the page: nothing for screen readers to trip over
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  };
  /* Save a Blob (a file fetched with the API key: a plain link could not send the key). */
  G.saveBlob = function (name, blob) {
    const a = G.el("a", { href: URL.createObjectURL(blob), download: name });
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  };
  /* GET a file from the API with the role's key; returns {blob, name} (name from
     Content-Disposition, else fallback); throws G.ApiError on a non-2xx answer. */
  G.fetchFile = async function (path, role, fallback) {
    const headers = {};
    if (G.key(role)) headers["X-API-Key"] = G.key(role);
    const r = await fetch(path, { headers: headers });
    if (!r.ok) {
      let data = null;
      try { data = await r.json(); } catch (e) { /* not JSON */ }
      throw new G.ApiError(r.status, data);
    }
    const cd = r.headers.get("Content-Disposition") || "";
    const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd);
    let name = fallback;
    if (m) { try { name = decodeURIComponent(m[1] || m[2]); } catch (e) { name = m[2] || fallback; } }
    return { blob: await r.blob(), name: name.replace(/[\\/]/g, "_") };
  };

  /* One CSV cell. Text a spreadsheet would run as a formula (starting with =, +, -, @, a tab
     or a carriage return: the rule of guidance/csvsafe.py) gets a leading apostrophe;
     numbers stay numbers. */
  G.FORMULA_START = /^[=+\-@\t\r]/;
  G.csvCell = function (v) {
    let s = v == null ? "" : String(v);
    if (typeof v !== "number" && G.FORMULA_START.test(s)) s = "'" + s;
    return /[",\n\r;]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-lang-toggle]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        G.setLang(G.lang === "vi" ? "en" : "vi");
      });
    });
  });
})();

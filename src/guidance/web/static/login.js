/* Key login shared by the counsellor, institution and admin pages: the key is checked
   against a route the role may use, then kept in sessionStorage for this tab only.
   opts.prepare() runs before a check (false stops it: e.g. a field of the page is missing);
   opts.messages maps an HTTP status of the check to a text key (401/403 have defaults). */
"use strict";
(function () {
  const G = window.G;
  G.login = function (role, checkPath, onReady, opts) {
    opts = opts || {};
    const messages = Object.assign({ 401: "login.bad", 403: "login.forbidden" }, opts.messages);
    const form = document.getElementById("key-form");
    const tools = document.getElementById("tools");
    const who = document.getElementById("who");
    async function check() {
      try {
        await G.api(checkPath(), { role: role });
      } catch (err) {
        G.setKey(role, null);
        G.fieldError("key", G.T(messages[err.status] || "error.server"));
        document.getElementById("f-key").focus();
        return;
      }
      G.fieldError("key", null);
      form.hidden = true; who.hidden = false; tools.hidden = false;
      onReady();
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const key = document.getElementById("f-key").value.trim();
      const ready = !opts.prepare || opts.prepare();
      if (!key) { G.fieldError("key", G.T("error.required")); return; }
      if (!ready) return;
      G.fieldError("key", null);
      G.setKey(role, key);
      document.getElementById("f-key").value = "";
      check();
    });
    document.getElementById("logout").addEventListener("click", function () {
      G.setKey(role, null);
      window.location.reload();
    });
    if (G.key(role) && (!opts.prepare || opts.prepare())) check();
  };

  /* A table from rows of cells; header cells are column headers. A cell is text (set as
     textContent) or a DOM node (a button); opts.rowClass(i) gives a row its class. */
  G.table = function (headers, rows, caption, opts) {
    opts = opts || {};
    const t = G.el("table", {}, [caption ? G.el("caption", { text: caption }) : null,
      G.el("thead", {}, [G.el("tr", {}, headers.map(function (h) {
        return G.el("th", { scope: "col", text: h }); }))]),
      G.el("tbody", {}, rows.map(function (r, i) {
        return G.el("tr", { class: opts.rowClass ? opts.rowClass(i) : null }, r.map(function (c) {
          return c instanceof Node ? G.el("td", {}, [c])
            : G.el("td", { text: c == null ? "—" : String(c) }); }));
      }))]);
    // focusable so that a table wider than a phone can be scrolled with the keyboard
    return G.el("div", { class: "table-wrap", tabindex: "0", role: "region",
      "aria-label": caption || headers.join(", ") }, [t]);
  };

  /* Read a chosen file as UTF-8 text. */
  G.readFile = function (input) {
    const f = input.files && input.files[0];
    return f ? f.text() : Promise.resolve(null);
  };
})();

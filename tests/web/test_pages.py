"""The pages without a browser: catalogues complete in both languages, no hard-coded text
in the templates, every text key used by the JavaScript exists, language choice, the
questionnaire's scoring, and the pages served by a bare app with the router."""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from guidance.web import build_router, install, static_dir
from guidance.web.i18n import I18N_DIR, LANGS, Translator, catalogue, pick_lang
from guidance.web.riasec import ITEMS, TYPES, ordered_items, score

WEB = Path(static_dir()).parent
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
JS = sorted(static_dir().glob("*.js"))
VISIBLE_ATTRS = {"placeholder", "title", "alt", "aria-label", "value", "label"}


def test_catalogues_have_the_same_keys_and_no_empty_text() -> None:
    vi, en = catalogue("vi"), catalogue("en")
    assert set(vi) == set(en), set(vi) ^ set(en)
    for lang, cat in (("vi", vi), ("en", en)):
        assert all(isinstance(v, str) and v.strip() for v in cat.values()), lang
        # the same {placeholders} in both languages
    for k in vi:
        assert set(re.findall(r"{(\w+)}", vi[k])) == set(re.findall(r"{(\w+)}", en[k])), k


def test_catalogue_files_are_sorted_one_key_a_line() -> None:
    """Sorted keys, one a line, so that parallel additions merge without conflicts."""
    for lang in LANGS:
        path = I18N_DIR / f"{lang}.json"
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", path


def test_vietnamese_is_nfc_and_carries_diacritics() -> None:
    vi = catalogue("vi")
    assert all(unicodedata.is_normalized("NFC", v) for v in vi.values())
    assert vi["privacy.title"] == "Về quyền riêng tư và cách gợi ý được tạo ra"
    # most sentences of real Vietnamese have at least one marked letter
    marked = [v for v in vi.values() if any(unicodedata.decomposition(c) for c in v)]
    assert len(marked) / len(vi) > 0.8


class _Text(HTMLParser):
    """Collects text nodes and visible attribute values outside <script>/<style>."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for k, v in attrs:
            if v and (k in VISIBLE_ATTRS - {"value"} or (k == "value" and tag == "button")):
                self.found.append(f"{tag}[{k}]={v}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append(data)


def _hard_coded(source: str) -> list[str]:
    """Text left in a template once every Jinja expression/statement is removed, ignoring
    numbers, units and punctuation."""
    stripped = re.sub(r"{{.*?}}|{%.*?%}|{#.*?#}", "", source, flags=re.S)
    parser = _Text()
    parser.feed(stripped)
    leftovers = []
    for text in parser.found:
        value = text.split("=", 1)[1] if "]=" in text else text
        if re.sub(r"[\s\d.,:;·—–\-/()%₫]|km", "", value):
            leftovers.append(text.strip())
    return leftovers


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_hold_no_hard_coded_text(path: Path) -> None:
    assert _hard_coded(path.read_text(encoding="utf-8")) == []


def test_the_hard_coded_text_check_can_fail() -> None:
    assert _hard_coded("<p>Xin chào</p>") == ["Xin chào"]
    assert _hard_coded('<input placeholder="Tên">') == ["input[placeholder]=Tên"]
    assert _hard_coded('<p data-i18n="a">{{ t("a") }}</p> <span>12 km</span>') == []


def _keys_in_templates() -> set[str]:
    keys = set()
    for p in TEMPLATES:
        src = p.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""t\(\s*["']([\w.]+)["']\s*\)""", src))
        keys |= set(re.findall(r'data-i18n="([\w.]+)"', src))
    return keys


def test_every_literal_key_exists() -> None:
    vi = catalogue("vi")
    used = _keys_in_templates()
    for p in JS:
        used |= set(re.findall(r"""G\.T\(\s*["']([\w.]+)["']""", p.read_text("utf-8")))
    assert len(used) > 100
    prefixes = {k for k in used if k.endswith(".")}  # G.T("level." + it.level)
    assert used - prefixes - set(vi) == set()
    assert all(any(k.startswith(p) for k in vi) for p in prefixes)


def test_every_page_renders_in_both_languages() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    install(app)
    with TestClient(app) as client:
        for path in ("/", "/counsellor", "/institution", "/admin"):
            for lang in LANGS:
                r = client.get(f"{path}?lang={lang}")
                assert r.status_code == 200, (path, lang)
                assert f'<html lang="{lang}">' in r.text
                assert r.cookies.get("lang") == lang
                assert "{{" not in r.text and "}}" not in r.text
        r = client.get("/")  # the cookie from the last request
        assert '<html lang="en">' in r.text
        client.cookies.clear()
        assert '<html lang="vi">' in client.get("/").text
        assert client.get("/i18n/en.json").json() == catalogue("en")
        assert client.get("/i18n/fr.json").status_code == 404
        css = client.get("/static/app.css")
        assert css.status_code == 200 and "@media print" in css.text
        for p in JS:
            assert client.get(f"/static/{p.name}").status_code == 200


def test_pages_reference_only_local_assets() -> None:
    for p in [*TEMPLATES, *JS, static_dir() / "app.css"]:
        text = p.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), p.name
        assert "@import" not in text and "fonts.googleapis" not in text, p.name


def test_learner_page_lists_the_34_provinces_with_folded_search_keys() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from guidance.text import fold

    app = FastAPI()
    app.include_router(build_router())
    html = TestClient(app).get("/").text
    options = re.findall(r'<option value="(\d\d)" data-fold="([^"]*)"[^>]*>([^<]+)</option>', html)
    assert len({code for code, _, _ in options}) == 34
    hanoi = [o for o in options if o[0] == "01"]
    assert hanoi and hanoi[0][2] == "Hà Nội" and "ha noi" in hanoi[0][1]
    assert all(f == fold(f) for _, f, _ in options)
    assert 'data-old="Bình Dương|Bà Rịa - Vũng Tàu">Hồ Chí Minh<' in html  # pre-2025 names


def test_inline_json_cannot_close_the_script_block() -> None:
    from guidance.web.pages import _json_block

    assert "</script>" not in _json_block({"x": "</script><b>"})


def test_language_choice() -> None:
    assert pick_lang(None, None) == "vi"
    assert pick_lang("en", None) == "en"
    assert pick_lang(None, "en") == "en"
    assert pick_lang("vi", "en") == "vi"
    assert pick_lang("fr", "xx") == "vi"
    t = Translator("en")
    assert t("results.summary", n=3, eligible=9).startswith("The 3 best")
    with pytest.raises(KeyError):
        t("no.such.key")


def test_questionnaire_has_four_items_per_type_worded_in_both_languages() -> None:
    assert len(ITEMS) == 24 and sorted(ordered_items()) == sorted(ITEMS)
    assert [i[0] for i in ordered_items()[:6]] == list(TYPES)
    for lang in LANGS:
        cat = catalogue(lang)
        texts = [cat[f"riasec.item.{i}"] for i in ITEMS]
        assert len(set(texts)) == 24


def test_questionnaire_scoring() -> None:
    out = score({"r1": 1, "r2": 1, "r3": 0.5, "r4": 0, "i1": 0})
    assert out["riasec_r"] == pytest.approx(0.625)
    assert out["riasec_i"] == 0.0
    assert out["riasec_a"] is None
    assert set(out) == {f"riasec_{t}" for t in TYPES}


def test_the_js_scores_the_questionnaire_like_the_reference() -> None:
    """The page's rule (mean of answered items, 3 decimals) is the one in riasec.score."""
    src = (static_dir() / "learner.js").read_text("utf-8")
    assert "Math.round(1000 * sums[t] / counts[t]) / 1000" in src
    assert score({"c1": 1, "c2": 0.5, "c3": 0.5})["riasec_c"] == round(2 / 3, 3)


def test_static_files_come_from_a_fixed_list() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from guidance.web import PAGE_ROUTES

    app = FastAPI()
    install(app)
    client = TestClient(app)
    r = client.get("/static/learner.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/favicon.svg").headers["content-type"] == "image/svg+xml"
    for bad in ("/static/pages.py", "/static/..%2Fpages.py", "/static/nope.css"):
        assert client.get(bad).status_code == 404, bad
    served = {(m, r.path) for r in build_router().routes for m in r.methods if m != "HEAD"}
    assert served == set(PAGE_ROUTES)


def _page(path: str, lang: str = "vi") -> str:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    install(app)
    r = TestClient(app).get(f"{path}?lang={lang}")
    assert r.status_code == 200
    return r.text


def test_every_page_links_the_institution_page() -> None:
    vi = catalogue("vi")
    for path in ("/", "/counsellor", "/institution", "/admin"):
        html = _page(path)
        link = re.search(r'<a href="/institution"([^>]*)>([^<]+)</a>', html)
        assert link and link.group(2) == vi["nav.institution"], path
        assert ('aria-current="page"' in link.group(1)) == (path == "/institution"), path


def test_institution_page_has_its_login_template_upload_and_lists() -> None:
    for lang in LANGS:
        cat = catalogue(lang)
        html = _page("/institution", lang)
        assert f'<title data-i18n="title.institution">{cat["title.institution"]}</title>' in html
        # the login asks for the institution code as well as the key (only on this page)
        assert 'id="f-institution"' in html and 'id="f-key"' in html
        assert 'id="who-institution"' in html
        # templates: both kinds, both formats
        buttons = re.findall(
            r'<button type="button" class="tpl" data-kind="(\w+)" '
            r'data-format="(\w+)"',
            html,
        )
        assert sorted(buttons) == sorted(
            (k, f) for k in ("records", "aggregates") for f in ("xlsx", "csv")
        )
        # the upload form: cohort month, the two waves, the file; progress with cancel
        assert re.search(r'<input id="s-cohort" name="s_cohort" type="month"', html)
        waves = re.findall(
            r'<option value="(\w+)" data-i18n="inst.wave.\w+">([^<]+)</option>', html
        )
        assert waves == [("6m", cat["inst.wave.6m"]), ("12m", cat["inst.wave.12m"])]
        assert 'id="s-file"' in html and ".xlsx" in html
        assert '<progress id="send-bar">' in html and 'id="send-cancel"' in html
        for region in ("send-out", "subs-out", "withdraw-form", "cov-out"):
            assert f'id="{region}"' in html, region
        assert '<script src="/static/institution.js" defer></script>' in html
    for path in ("/counsellor", "/admin"):  # the other logins are unchanged
        assert 'id="f-institution"' not in _page(path)


def test_admin_page_has_the_national_coverage_filters() -> None:
    vi = catalogue("vi")
    html = _page("/admin")
    assert 'id="natcov-out"' in html and 'id="nc-cohort"' in html
    statuses = re.findall(
        r'<option value="(\w+)" data-i18n="natcov.status.\w+">([^<]+)</option>', html
    )
    assert statuses == [
        (s, vi[f"natcov.status.{s}"]) for s in ("missing", "submitted", "withdrawn")
    ]


def _js(name: str) -> str:
    return (static_dir() / name).read_text("utf-8")


def test_institution_script_builds_text_only_and_sends_jobs() -> None:
    """Data reach the DOM through textContent (G.el's text) only; the upload always asks
    for a job (progress), names the file and sends its own content type."""
    for name in ("institution.js", "admin.js", "login.js", "common.js"):
        src = _js(name)
        assert "innerHTML" not in src and "outerHTML" not in src, name
        assert "insertAdjacentHTML" not in src and "document.write" not in src, name
    src = _js("institution.js")
    assert 'Prefer: "respond-async"' in src
    assert '"?filename=" + encodeURIComponent(file.name)' in src
    assert '"/api/v1/jobs/" + encodeURIComponent(job.id) + "/cancel"' in src
    assert '"/api/v1/tracer/template?format=" + fmt + "&kind=" + kind' in src
    assert '"/api/v1/institutions/" + encodeURIComponent(inst) + "/tracer"' in src
    # the code is remembered (localStorage), the key is not (sessionStorage, in common.js)
    assert "localStorage.setItem(INST_STORE" in src
    assert "localStorage" not in _js("common.js") and "localStorage" not in _js("login.js")


def test_every_rule_of_the_tracer_validator_has_a_label() -> None:
    """The error table shows each rule in words: every rule the tracer reader and validator
    can emit has a text in both catalogues."""
    import ast

    rules = set()
    for p in (WEB.parent / "tracer").glob("*.py"):
        # Issue(row, column, rule, en, vi), out.error(...) and out.warning(...) alike
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 3:
                continue
            f = node.func
            name = (
                f.id
                if isinstance(f, ast.Name)
                else f.attr
                if isinstance(f, ast.Attribute)
                and isinstance(f.value, ast.Name)
                and f.value.id == "out"
                else ""
            )
            rule = node.args[2]
            if (
                name in ("Issue", "error", "warning")
                and isinstance(rule, ast.Constant)
                and isinstance(rule.value, str)
            ):
                rules.add(rule.value)
    assert {"offering", "duplicate", "counts", "formula", "ragged"} <= rules, rules
    for lang in LANGS:
        cat = catalogue(lang)
        assert {r for r in rules if f"rule.{r}" not in cat} == set(), lang


def test_footer_month_reads_as_people_write_it() -> None:
    from guidance.web.pages import month_short

    assert month_short("2026-10", "vi") == "10/2026"
    assert month_short("2027-01", "en") == "Jan 2027"
    assert month_short(None, "vi") == "—"
    assert month_short("soon", "vi") == "soon"

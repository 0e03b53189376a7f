"""The page routes: learner (``/``), counsellor (``/counsellor``), institution
(``/institution``: tracer submissions), admin (``/admin``) and the catalogues the browser needs to switch language (``/i18n/{lang}.json``).

Pages are rendered once with the chosen language; everything they compute comes from the
JSON API, called by the page's JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from guidance.web.i18n import COOKIE, LANGS, Translator, catalogue, pick_lang
from guidance.web.riasec import ANSWERS, ordered_items

EDUCATION = (5, 9, 12, 13)
LEVELS = ("so_cap", "trung_cap", "cao_dang")
BROAD_FIELDS = ("02", "03", "04", "06", "07", "08", "09", "10")
DISTANCES = (10, 30, 50, 100, 200, 500)
TUITIONS = (5_000_000, 10_000_000, 15_000_000, 20_000_000, 30_000_000)
PAGES = {"learner": "/", "counsellor": "/counsellor", "institution": "/institution",
         "admin": "/admin"}
WAVES = ("6m", "12m")
TRACER_KINDS = ("records", "aggregates")


@cache
def _env():  # noqa: ANN202 - jinja2.Environment
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("guidance.web", "templates"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


@cache
def _provinces() -> list[dict[str, str]]:
    """The 34 provinces sorted by their folded Vietnamese name (folded like search)."""
    from guidance.reference import provinces
    from guidance.text import fold

    df = provinces()
    rows = [{"code": str(r.province_code), "vi": str(r.name_vi), "en": str(r.name_en),
             "fold": fold(f"{r.name_vi} {r.name_en}")} for r in df.itertuples()]
    return sorted(rows, key=lambda r: fold(r["vi"]))


@cache
def _fields() -> dict[str, list[str]]:
    """Broad ISCED-F field → the detailed fields of the national training catalogue."""
    from guidance.reference import training_occupations

    codes = sorted({str(c) for c in training_occupations()["field_code"].dropna()})
    return {b: [c for c in codes if c.startswith(b)] for b in BROAD_FIELDS}


def _status(request: Request) -> dict[str, str | None]:
    """Model version and demand vintage of the app serving this page (if any)."""
    ctx = getattr(request.app.state, "ctx", None)
    holder = getattr(ctx, "holder", None)
    if holder is None:
        return {"version": None, "demand_period": None}
    st = holder.status()
    return {"version": st.get("version"), "demand_period": st.get("demand_period")}


def _json_block(obj: object) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c")


def _render(request: Request, page: str, lang: str | None) -> HTMLResponse:
    lang_ = pick_lang(lang, request.cookies.get(COOKIE))
    t = Translator(lang_)
    html = _env().get_template(f"{page}.html").render(
        t=t, lang=lang_, other="en" if lang_ == "vi" else "vi", page=page, pages=PAGES,
        status=_status(request), provinces=_provinces(), education=EDUCATION, levels=LEVELS,
        fields=_fields(), distances=DISTANCES, tuitions=TUITIONS, items=ordered_items(),
        answers=ANSWERS, waves=WAVES, tracer_kinds=TRACER_KINDS, i18n_json=_json_block(t.texts), fields_json=_json_block(_fields()))
    resp = HTMLResponse(html)
    if lang in LANGS:
        resp.set_cookie(COOKIE, lang_, max_age=365 * 86400, samesite="lax", httponly=False)
    return resp


STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml"}


def _static_files() -> dict[str, Path]:
    from guidance.web import static_dir

    return {p.name: p for p in static_dir().iterdir()
            if p.is_file() and p.suffix in STATIC_TYPES}


def router(dependencies: Sequence[Any] | None = None) -> APIRouter:
    r = APIRouter(tags=["web"], include_in_schema=False, dependencies=list(dependencies or []))
    files = _static_files()  # a fixed list: no path from the request reaches the disk

    @r.get("/", response_class=HTMLResponse)
    def learner(request: Request, lang: str | None = None) -> HTMLResponse:
        return _render(request, "learner", lang)

    @r.get("/counsellor", response_class=HTMLResponse)
    def counsellor(request: Request, lang: str | None = None) -> HTMLResponse:
        return _render(request, "counsellor", lang)

    @r.get("/institution", response_class=HTMLResponse)
    def institution(request: Request, lang: str | None = None) -> HTMLResponse:
        return _render(request, "institution", lang)

    @r.get("/admin", response_class=HTMLResponse)
    def admin(request: Request, lang: str | None = None) -> HTMLResponse:
        return _render(request, "admin", lang)

    @r.get("/i18n/{lang}.json")
    def texts(lang: str) -> Any:
        if lang not in LANGS:
            return JSONResponse({"error": "unknown language"}, status_code=404)
        return JSONResponse(catalogue(lang))

    @r.get("/static/{name}")
    def static(name: str) -> Any:
        path = files.get(name)
        if path is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(path, media_type=STATIC_TYPES[path.suffix])

    return r

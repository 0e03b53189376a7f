"""The page routes: learner (``/``), counsellor (``/counsellor``), institution
(``/institution``: tracer submissions), admin (``/admin``), the public statistics
(``/stats``, ``/stats/offering/{programme_id}``), the occupations and programmes a learner
explores (``/occupations``, ``/occupations/{code}``, ``/programmes/{programme_id}``) and
the catalogues the browser needs to switch language (``/i18n/{lang}.json``).

Pages are rendered once with the chosen language; everything they compute comes from the
JSON API, called by the page's JavaScript. The statistics pages are the exception: they are
rendered server-side from the published bundle (``ctx.stats.get()``), map SVG included, so
they work without JavaScript (which only sorts the tables); so are the occupation and
programme pages, from the same helpers as their API routes (``api.routes.catalogue``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from guidance.recommend.types import EDUCATION_LEVELS
from guidance.store.catalogue import catalogue_synthetic
from guidance.web.i18n import COOKIE, LANGS, Translator, catalogue, pick_lang
from guidance.web.riasec import ANSWERS, ordered_items
from guidance.web.site import static_dir

EDUCATION = EDUCATION_LEVELS  # the contract's levels, as the API accepts them
LEVELS = ("so_cap", "trung_cap", "cao_dang")
BROAD_FIELDS = ("02", "03", "04", "06", "07", "08", "09", "10")
DISTANCES = (10, 30, 50, 100, 200, 500)
TUITIONS = (5_000_000, 10_000_000, 15_000_000, 20_000_000, 30_000_000)
PAGES = {
    "learner": "/",
    "occupations": "/occupations",
    "stats": "/stats",
    "counsellor": "/counsellor",
    "institution": "/institution",
    "admin": "/admin",
}
WAVES = ("6m", "12m")
TRACER_KINDS = ("records", "aggregates")


@cache
def _env():  # noqa: ANN202 - jinja2.Environment
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("guidance.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _provinces() -> list[dict[str, str]]:
    """The 34 provinces sorted by their folded Vietnamese name (folded like search); ``old``:
    the pre-2025 provinces each took in (``|``-separated names), so that a search for
    "binh duong" finds Hồ Chí Minh and says so."""
    from guidance.reference import old_provinces, provinces
    from guidance.text import fold

    df = provinces()
    old = old_provinces()
    rows = [
        {
            "code": str(r.province_code),
            "vi": str(r.name_vi),
            "en": str(r.name_en),
            "fold": fold(f"{r.name_vi} {r.name_en}"),
            "old": "|".join(name for _, name in old.get(str(r.province_code), [])),
        }
        for r in df.itertuples()
    ]
    return sorted(rows, key=lambda r: fold(r["vi"]))


@cache
def _fields() -> dict[str, list[str]]:
    """Broad ISCED-F field → the detailed fields of the national training catalogue."""
    from guidance.reference import training_occupations

    codes = sorted({str(c) for c in training_occupations()["field_code"].dropna()})
    return {b: [c for c in codes if c.startswith(b)] for b in BROAD_FIELDS}


def _synthetic(request: Request) -> bool:
    """Whether the catalogue served came from the synthetic demo world (the newest catalogue
    load says so); False without a ready database or on a database error."""
    ctx = _db_ctx(request)
    if ctx is None:
        return False
    try:
        return catalogue_synthetic(ctx.engine)
    except SQLAlchemyError:
        log.warning("could not read the catalogue's origin", exc_info=True)
        return False


def _status(request: Request) -> dict[str, Any]:
    """Model version and demand vintage of the app serving this page (if any), and whether
    its data are the synthetic demo world's."""
    ctx = getattr(request.app.state, "ctx", None)
    holder = getattr(ctx, "holder", None)
    synthetic = _synthetic(request)
    if holder is None:
        return {"version": None, "demand_period": None, "synthetic": synthetic}
    st = holder.status()
    return {
        "version": st.get("version"),
        "demand_period": st.get("demand_period"),
        "synthetic": synthetic,
    }


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_short(ym: str | None, lang: str) -> str:
    """A ``YYYY-MM`` period as the footer shows it: ``10/2026`` / ``Oct 2026`` (the same
    form as ``G.month`` in common.js, which redraws it after a reload)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", ym or "")
    if m is None:
        return ym or "—"
    year, month = int(m[1]), int(m[2])
    if lang == "vi":
        return f"{month:02d}/{year}"
    return f"{_MONTHS_EN[month - 1]} {year}"


def _json_block(obj: object) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c")


def render(
    request: Request, page: str, lang: str | None, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    """Template ``page`` rendered with ``extra`` in the asked language (kept in a cookie) or
    the cookie's."""
    lang_ = pick_lang(lang, request.cookies.get(COOKIE))
    t = Translator(lang_)
    html = (
        _env()
        .get_template(f"{page}.html")
        .render(
            **extra,
            t=t,
            lang=lang_,
            other="en" if lang_ == "vi" else "vi",
            page=page,
            pages=PAGES,
            status=_status(request),
            month_short=month_short,
            provinces=_provinces(),
            education=EDUCATION,
            levels=LEVELS,
            fields=_fields(),
            distances=DISTANCES,
            tuitions=TUITIONS,
            items=ordered_items(),
            answers=ANSWERS,
            waves=WAVES,
            tracer_kinds=TRACER_KINDS,
            i18n_json=_json_block(t.texts),
            fields_json=_json_block(_fields()),
        )
    )
    resp = HTMLResponse(html, status_code=status_code)
    if lang in LANGS:
        resp.set_cookie(COOKIE, lang_, max_age=365 * 86400, samesite="lax", httponly=False)
    return resp


log = logging.getLogger("guidance.web")
TRADE_CODE = re.compile(r"^\d{2,6}$")
PROGRAMME_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class _NotReady(Exception):
    """The statistics are being computed (the page answers 503 with Retry-After)."""


def _stats_bundle(request: Request) -> Any:
    """The published statistics bundle of the app serving this page (``ctx.stats.get()``),
    or None when there is none (no statistics service, or no tracer data yet: the page says
    so). Raises ``_NotReady`` while the first bundle is being built."""
    from guidance.api.errors import ApiError

    ctx = getattr(request.app.state, "ctx", None)
    stats = getattr(ctx, "stats", None)
    if stats is None:
        return None
    try:
        return stats.get()
    except ApiError as exc:
        if exc.status == 503:
            raise _NotReady(str(exc)) from exc
        log.info("statistics not available: %s", exc.code)
        return None


def _error_page(request: Request, lang: str | None, status_code: int, message: str) -> HTMLResponse:
    return render(
        request, "error", lang, status_code, error_status=status_code, error_message=message
    )


def _not_ready(request: Request, lang: str | None) -> HTMLResponse:
    t = Translator(pick_lang(lang, request.cookies.get(COOKIE)))
    resp = _error_page(request, lang, 503, t("stats.not_ready"))
    resp.headers["Retry-After"] = "5"
    return resp


def _programme(request: Request, programme_id: str) -> dict[str, Any] | None:
    """The offering from the catalogue (name, institution), None when unknown or when the
    database cannot be read (the page then uses the bundle alone)."""
    ctx = getattr(request.app.state, "ctx", None)
    engine = getattr(ctx, "engine", None)
    if engine is None or not getattr(ctx, "db_ready", True):
        return None
    from sqlalchemy.exc import SQLAlchemyError

    from guidance.store.catalogue import get_programme

    try:
        return get_programme(engine, programme_id)
    except SQLAlchemyError:
        return None


class _ViewMemo:
    """The statistics pages' view data per bundle and query (a bundle changes only when the
    data does): at most ``size`` entries, all dropped when the bundle changes."""

    def __init__(self, size: int = 256) -> None:
        from collections import OrderedDict

        self.size, self.bundle, self.views = size, None, OrderedDict()
        self.lock = threading.Lock()

    def get(self, bundle: Any, key: tuple, make: Any) -> Any:
        with self.lock:
            if bundle is not self.bundle:
                self.bundle, self.views = bundle, type(self.views)()
            if key in self.views:
                self.views.move_to_end(key)
                return self.views[key]
        value = make()
        with self.lock:
            if bundle is self.bundle:
                self.views[key] = value
                while len(self.views) > self.size:
                    self.views.popitem(last=False)
        return value


_MEMO = _ViewMemo()


def _stats_page(
    request: Request,
    lang: str | None,
    indicator: str | None,
    province: str | None,
    trade: str | None,
    level: str | None,
) -> HTMLResponse:
    from guidance.web import stats_view as sv

    lang_ = pick_lang(lang, request.cookies.get(COOKIE))
    t = Translator(lang_)
    province, trade, level = province or None, trade or None, level or None
    try:
        bundle = _stats_bundle(request)
    except _NotReady:
        return _not_ready(request, lang)
    available = sv.available_indicators(bundle) if bundle is not None else list(sv.RATE_COLUMN)
    bad = None
    if indicator is not None and indicator not in available:
        bad = ("indicator", ", ".join(available))
    elif province is not None and province not in {p["code"] for p in _provinces()}:
        bad = ("province", t("stats.rule_province"))
    elif trade is not None and not TRADE_CODE.match(trade):
        bad = ("trade", t("stats.rule_trade"))
    elif level is not None and level not in LEVELS:
        bad = ("level", ", ".join(LEVELS))
    if bad is not None:
        return _error_page(request, lang, 400, t("stats.bad_param", name=bad[0], rule=bad[1]))
    indicator = indicator or available[0]
    if bundle is None:
        return render(request, "stats", lang, bundle=None, indicator=indicator)

    def views() -> dict[str, Any]:
        rows, total = sv.trade_rows(bundle, lang_, province=province, trade=trade, level=level)
        return dict(
            indicators=available,
            meta=sv.meta_view(bundle, lang_),
            pview=sv.province_view(bundle, indicator, lang_),
            trades=sv.trade_options(bundle, lang_),
            trade_rows=rows,
            trade_total=total,
            quad=sv.quadrant_view(bundle, lang_),
        )

    ctx = _MEMO.get(bundle, ("stats", lang_, indicator, province, trade, level), views)
    return render(
        request,
        "stats",
        lang,
        bundle=True,
        indicator=indicator,
        filt={"province": province, "trade": trade, "level": level},
        **ctx,
    )


def _offering_page(request: Request, programme_id: str, lang: str | None) -> HTMLResponse:
    from guidance.web import stats_view as sv

    lang_ = pick_lang(lang, request.cookies.get(COOKIE))
    t = Translator(lang_)
    if not PROGRAMME_ID.match(programme_id):
        return _error_page(request, lang, 404, t("error.no_offering", id=programme_id[:64]))
    try:
        bundle = _stats_bundle(request)
    except _NotReady:
        return _not_ready(request, lang)
    view = sv.offering_view(bundle, programme_id, lang_, _programme(request, programme_id))
    if view is None:
        return _error_page(request, lang, 404, t("error.no_offering", id=programme_id))
    return render(
        request,
        "stats_offering",
        lang,
        off=view,
        meta=sv.meta_view(bundle, lang_) if bundle is not None else None,
    )


def _db_ctx(request: Request) -> Any:
    """The app context when its database is ready (None otherwise: the page says so)."""
    ctx = getattr(request.app.state, "ctx", None)
    if ctx is None or getattr(ctx, "engine", None) is None or not getattr(ctx, "db_ready", True):
        return None
    return ctx


def _api_error_page(request: Request, lang: str | None, exc: Any) -> HTMLResponse:
    """An ``ApiError`` of the catalogue's helpers as the page's error (its message is
    already in the page's language); a rejected parameter is a 400 page."""
    status = 400 if exc.status == 422 else exc.status
    return _error_page(request, lang, status if status in (400, 404, 503) else 400, exc.message)


def _occupation_list_page(request: Request, lang: str | None, province: str | None) -> HTMLResponse:
    from guidance.store.catalogue import list_occupations, trained_occupations
    from guidance.text import fold

    lang_ = pick_lang(lang, request.cookies.get(COOKIE))
    t = Translator(lang_)
    ctx = _db_ctx(request)
    if ctx is None:
        return _error_page(request, lang, 503, t("error.not_ready"))
    if province is not None and province not in {p["code"] for p in _provinces()}:
        return _error_page(request, lang, 400, t("explore.err_province", code=province[:8]))
    counts = trained_occupations(ctx.engine)
    rows = []
    for o in list_occupations(ctx.engine):
        n = counts.get(o["occupation_code"])
        if not n:
            continue
        name = (o["name_en"] if lang_ == "en" else o["name_vi"]) or o["name_en"]
        types = [t(f"riasec.type.{c.lower()}") for c in str(o["riasec"] or "") if c in "RIASEC"]
        rows.append({"code": o["occupation_code"], "name": name, "types": ", ".join(types), "n": n})
    rows.sort(key=lambda r: (fold(r["name"]), r["code"]))
    return render(request, "occupations", lang, occs=rows, province=province)


NEAR_LIMITS = (1, 100)  # programmes listed on an occupation page (``?limit=``)


def _occupation_page(
    request: Request, code: str, lang: str | None, province: str | None, limit: str | None
) -> HTMLResponse:
    from guidance.api.errors import ApiError
    from guidance.api.routes.catalogue import occupation_detail
    from guidance.web.explore_view import occupation_view

    lang_ = pick_lang(lang, request.cookies.get(COOKIE))
    t = Translator(lang_)
    ctx = _db_ctx(request)
    if ctx is None:
        return _error_page(request, lang, 503, t("error.not_ready"))
    lo, hi = NEAR_LIMITS
    n = int(limit) if limit and limit.isascii() and limit.isdigit() and len(limit) <= 3 else None
    if limit and (n is None or not lo <= n <= hi):
        return _error_page(
            request, lang, 400, t("stats.bad_param", name="limit", rule=f"{lo}–{hi}")
        )
    try:
        detail = occupation_detail(ctx, code[:16], province or None, n or 20, lang_)
    except ApiError as exc:
        return _api_error_page(request, lang, exc)
    return render(request, "occupation", lang, occ=occupation_view(detail, lang_))


def _programme_page(request: Request, programme_id: str, lang: str | None) -> HTMLResponse:
    from guidance.api.errors import ApiError
    from guidance.api.routes.catalogue import programme_full
    from guidance.web import stats_view as sv
    from guidance.web.explore_view import programme_view

    lang_ = pick_lang(lang, request.cookies.get(COOKIE))
    t = Translator(lang_)
    ctx = _db_ctx(request)
    if ctx is None:
        return _error_page(request, lang, 503, t("error.not_ready"))
    if not PROGRAMME_ID.match(programme_id):
        return _error_page(request, lang, 404, t("error.no_offering", id=programme_id[:64]))
    try:
        full = programme_full(ctx, programme_id, lang_)
    except ApiError as exc:
        return _api_error_page(request, lang, exc)
    try:
        bundle = _stats_bundle(request)
    except _NotReady:
        bundle = None
    stats = None
    if bundle is not None:
        stats = sv.offering_view(bundle, programme_id, lang_, full.programme.model_dump())
    return render(request, "programme", lang, prog=programme_view(full, lang_, stats))


STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


def _static_files() -> dict[str, Path]:
    return {p.name: p for p in static_dir().iterdir() if p.is_file() and p.suffix in STATIC_TYPES}


def router(dependencies: Sequence[Any] | None = None) -> APIRouter:
    r = APIRouter(tags=["web"], include_in_schema=False, dependencies=list(dependencies or []))
    files = _static_files()  # a fixed list: no path from the request reaches the disk

    @r.get("/", response_class=HTMLResponse)
    def learner(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "learner", lang)

    @r.get("/counsellor", response_class=HTMLResponse)
    def counsellor(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "counsellor", lang)

    @r.get("/institution", response_class=HTMLResponse)
    def institution(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "institution", lang)

    @r.get("/admin", response_class=HTMLResponse)
    def admin(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "admin", lang)

    @r.get("/stats", response_class=HTMLResponse)
    def stats(
        request: Request,
        lang: str | None = None,
        indicator: str | None = None,
        province: str | None = None,
        trade: str | None = None,
        level: str | None = None,
    ) -> HTMLResponse:
        return _stats_page(request, lang, indicator, province, trade, level)

    @r.get("/stats/offering/{programme_id}", response_class=HTMLResponse)
    def stats_offering(
        request: Request, programme_id: str, lang: str | None = None
    ) -> HTMLResponse:
        return _offering_page(request, programme_id, lang)

    @r.get("/occupations", response_class=HTMLResponse)
    def occupation_list(
        request: Request, lang: str | None = None, province: str | None = None
    ) -> HTMLResponse:
        return _occupation_list_page(request, lang, province or None)

    @r.get("/occupations/{code}", response_class=HTMLResponse)
    def occupation(
        request: Request,
        code: str,
        lang: str | None = None,
        province: str | None = None,
        limit: str | None = None,
    ) -> HTMLResponse:
        return _occupation_page(request, code, lang, province, limit)

    @r.get("/programmes/{programme_id}", response_class=HTMLResponse)
    def programme(request: Request, programme_id: str, lang: str | None = None) -> HTMLResponse:
        return _programme_page(request, programme_id, lang)

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

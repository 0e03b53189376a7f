"""The public statistics API (issue 12 §5): disclosure-controlled tables as JSON or CSV.

Every answer comes from ``ctx.stats.get()`` (the published bundle, built once per data
key), never from the raw tables. Filters narrow the rows; paging ``page`` / ``page_size``
(≤ 500) with the total. ``ETag`` = hash of the bundle's data key and version, the route and
the query; ``If-None-Match`` → 304. ``Cache-Control: public, max-age=<stats_max_age_seconds>``.
``format=csv`` (or ``Accept: text/csv``): the same rows as CSV, UTF-8 with BOM, every text
cell formula-safe (``csvsafe``).

Answers: 404 ``no_statistics`` while the tracer database holds no graduate record (and for a
cohort label that the statistics do not have); 503 ``statistics_not_ready`` (Retry-After)
while the very first bundle is still being built; 422 naming the parameter, in Vietnamese
and English, for a malformed filter.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from guidance import reference
from guidance.api.deps import DbCtx, authorize
from guidance.api.errors import NotFound, Unprocessable
from guidance.api.schemas import (
    ERRORS,
    ErrorOut,
    StatsMetaOut,
    StatsOutcomeRow,
    StatsOutcomesPage,
    StatsQuadrantPage,
    StatsQuadrantRow,
    StatsSupplyDemandPage,
    StatsSupplyDemandRow,
    StatsValueAddedPage,
    StatsValueAddedRow,
)
from guidance.csvsafe import safe_cell
from guidance.stats.tables import GROUPINGS

MAX_PAGE_SIZE = 500
_CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    304: {"description": "not modified (If-None-Match matched the ETag)"},
    404: {
        "model": ErrorOut,
        "description": "no statistics yet (no tracer data), or no such cohort in the statistics",
    },
}
router = APIRouter(
    prefix="/api/v1/stats",
    tags=["statistics"],
    dependencies=[Depends(authorize)],
    responses=_RESPONSES,
)

LEVELS = ("so_cap", "trung_cap", "cao_dang")
COHORT_RE = re.compile(r"^(latest|[0-9]{4}|[0-9]{4}-[0-9]{4})$")
TRADE_RE = re.compile(r"^[0-9]{2}([0-9]{2})?$")
ID_RE = r"^[A-Za-z0-9_.:-]{1,64}$"


def _province_codes() -> list[str]:
    return sorted(reference.provinces()["province_code"].astype(str))


def _bad(param: str, vi: str, en: str) -> Unprocessable:
    return Unprocessable(
        f"Tham số '{param}' không hợp lệ: {vi} / Parameter '{param}' is not valid: {en}",
        details=[{"loc": ["query", param], "msg_vi": vi, "msg_en": en}],
    )


# -- query parameters (validated here, so that the 422 speaks Vietnamese and English) ---------


def _q_grouping(default: str):  # noqa: ANN202 - a Query
    return Query(
        default,
        max_length=32,
        description="grouping: " + ", ".join(GROUPINGS),
        json_schema_extra={"enum": list(GROUPINGS)},
    )


Province = Query(
    None, max_length=8, description="province code (one of the 34; the schema lists them)"
)
Trade = Query(
    None,
    max_length=4,
    pattern=TRADE_RE.pattern,
    description="trade: ISCO-08 2 digits (trade group) or 4 digits (occupation)",
)
Level = Query(
    None,
    max_length=16,
    description="level: " + ", ".join(LEVELS),
    json_schema_extra={"enum": list(LEVELS)},
)
Cohort = Query(
    "latest",
    max_length=9,
    pattern=COHORT_RE.pattern,
    description="'latest' (the headline row per key: latest year, else pooled), "
    "a graduation year (2025) or a pooled label (2024-2025)",
)
ProgrammeId = Query(None, max_length=64, pattern=ID_RE)
InstitutionId = Query(None, max_length=64, pattern=ID_RE)
Page = Query(1, ge=1, le=100_000)
PageSize = Query(50, ge=1, le=MAX_PAGE_SIZE, description=f"rows per page, at most {MAX_PAGE_SIZE}")
Format = Query(
    None,
    max_length=4,
    description="json (default) or csv (or Accept: text/csv)",
    json_schema_extra={"enum": ["json", "csv"]},
)


def _check(params: dict[str, Any]) -> None:
    """422 for a value outside its list (the schema lists them; the message is bilingual)."""
    g = params.get("grouping")
    if g is not None and g not in GROUPINGS:
        raise _bad(
            "grouping",
            "phải là một trong " + ", ".join(GROUPINGS),
            "must be one of " + ", ".join(GROUPINGS),
        )
    p = params.get("province")
    if p is not None and p not in _province_codes():
        raise _bad(
            "province",
            "không phải mã của một trong 34 tỉnh, thành phố",
            "is not the code of one of the 34 provinces",
        )
    lv = params.get("level")
    if lv is not None and lv not in LEVELS:
        raise _bad(
            "level", "phải là một trong " + ", ".join(LEVELS), "must be one of " + ", ".join(LEVELS)
        )
    t = params.get("trade")
    if t is not None and not TRADE_RE.match(t):
        raise _bad(
            "trade",
            "phải là mã ISCO-08 gồm 2 hoặc 4 chữ số",
            "must be an ISCO-08 code of 2 or 4 digits",
        )
    c = params.get("cohort")
    if c is not None and not COHORT_RE.match(c):
        raise _bad(
            "cohort",
            "phải là 'latest', một năm (2025) hoặc các năm gộp (2024-2025)",
            "must be 'latest', a year (2025) or pooled years (2024-2025)",
        )
    f = params.get("format")
    if f is not None and f not in ("json", "csv"):
        raise _bad("format", "phải là json hoặc csv", "must be json or csv")


# -- rows ------------------------------------------------------------------------------------


def _cohort_rows(bundle: Any, table: str, cohort: str, full: Any, head: Any) -> Any:
    if cohort == "latest":
        return head
    if cohort not in bundle.meta["cohorts"]:
        raise NotFound(
            f"Không có số liệu cho khóa '{cohort}' (có: "
            f"{', '.join(bundle.meta['cohorts'])}) / No statistics for cohort "
            f"'{cohort}' (available: {', '.join(bundle.meta['cohorts'])})"
        )
    return full[full["cohort"] == cohort]


def _filter(df: Any, params: dict[str, Any], notes: list[str]) -> Any:
    cols = set(df.columns)
    trade = params.get("trade")
    conds = []
    for param, col in (
        ("province", "province_code"),
        ("level", "level"),
        ("programme_id", "programme_id"),
        ("institution_id", "institution_id"),
    ):
        v = params.get(param)
        if v is None:
            continue
        if col in cols:
            conds.append(df[col].astype(str) == v)
        else:
            notes.append(
                f"Bộ lọc '{param}' không áp dụng cho bảng này / the filter '{param}' "
                "does not apply to this table"
            )
            conds.append(df.index != df.index)
    if trade is not None:
        col = "trade" if "trade" in cols else ("isco2" if len(trade) == 2 else "trade_occupation")
        if col in cols:
            s = df[col].astype(str)
            conds.append(s == trade)
        else:
            notes.append(
                "Bộ lọc 'trade' không áp dụng cho bảng này / the filter 'trade' "
                "does not apply to this table"
            )
            conds.append(df.index != df.index)
    if not conds:
        return df

    mask = np.ones(len(df), bool)
    for c in conds:
        mask &= np.asarray(c, dtype=bool)
    return df[mask]


def _plain(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
        return v
    if v is pd.NA:
        return None
    return v


def _records(df: Any, columns: list[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in df.columns]
    data = [[_plain(v) for v in df[c].astype(object).tolist()] for c in cols]
    return (
        [dict(zip(cols, row, strict=True)) for row in zip(*data, strict=True)]
        if cols and len(df)
        else []
    )


# -- answers: ETag, 304, Cache-Control, CSV; serialised pages cached per ETag -----------------

_BODIES_MAX = 128


def _memo(ctx: Any, bundle: Any) -> tuple[OrderedDict, threading.Lock, dict]:
    """Per app and per bundle: serialised answers by ETag (LRU) and derived frames."""
    stats = ctx.stats
    with stats.memo_lock:
        if stats.memo.get("bundle") is not bundle:
            stats.memo.clear()
            stats.memo.update(bundle=bundle, bodies=OrderedDict(), derived={})
        return stats.memo["bodies"], stats.memo_lock, stats.memo["derived"]


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _etag(ctx: Any, bundle: Any, request: Request, csv_: bool) -> str:
    h = hashlib.sha256()
    h.update(repr(ctx.stats.etag_key).encode())
    h.update(str(bundle.meta.get("data_hash")).encode())
    h.update(request.url.path.encode())
    h.update("&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items())).encode())
    h.update(b"csv" if csv_ else b"json")
    return '"' + h.hexdigest()[:32] + '"'


def _matches(request: Request, etag: str) -> bool:
    inm = request.headers.get("if-none-match")
    if not inm:
        return False
    tags = [t.strip() for t in inm.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


def _csv_body(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(
            [
                ""
                if r.get(c) is None
                else safe_cell(r.get(c))
                if isinstance(r.get(c), str)
                else r.get(c)
                for c in columns
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _answer(ctx: Any, request: Request, fmt: str | None, make: Any) -> Response:
    """``make(bundle) -> (page dict, columns, csv filename)``; cached per ETag."""
    bundle = ctx.stats.get()
    csv_ = _wants_csv(request, fmt)
    etag = _etag(ctx, bundle, request, csv_)
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={int(ctx.settings.stats_max_age_seconds)}",
        "Vary": "Accept",
    }
    if _matches(request, etag):
        return Response(status_code=304, headers=headers)
    bodies, lock, _ = _memo(ctx, bundle)
    with lock:
        hit = bodies.get(etag)
        if hit is not None:
            bodies.move_to_end(etag)
    if hit is None:
        page, columns, name = make(bundle)
        if csv_:
            body = _csv_body(page["items"], columns)
            media = "text/csv; charset=utf-8"
            headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            headers["X-Total-Count"] = str(page["total"])
        else:
            body = json.dumps(
                page, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
            media = "application/json"
        hit = (body, media, headers.get("Content-Disposition"), headers.get("X-Total-Count"))
        with lock:
            bodies[etag] = hit
            while len(bodies) > _BODIES_MAX:
                bodies.popitem(last=False)
    body, media, disp, total = hit
    if disp:
        headers["Content-Disposition"] = disp
    if total:
        headers["X-Total-Count"] = total
    return Response(body, media_type=media, headers=headers)


def _page(df: Any, page: int, page_size: int) -> tuple[Any, int, int]:
    total = len(df)
    pages = max(1, math.ceil(total / page_size))
    start = (page - 1) * page_size
    return df.iloc[start : start + page_size], total, pages


def _fields(model: Any) -> list[str]:
    return list(model.model_fields)


# -- routes ----------------------------------------------------------------------------------


@router.get("", response_model=StatsMetaOut, summary="Statistics: source, last update, rules")
def meta(ctx: DbCtx, request: Request) -> Response:
    """When the statistics were computed, which cohorts they cover, their sources and the
    disclosure rules they follow (what the pages show as "source and last updated")."""

    def make(b: Any) -> tuple[dict, list[str], str]:
        m = b.meta
        out = {
            "as_of": m["as_of"],
            "cohorts": list(m["cohorts"]),
            "years": list(m["years"]),
            "latest_cohort": m["latest_cohort"],
            "groupings": list(GROUPINGS),
            "sources": list(m["sources"]),
            "disclosure": m["disclosure"],
            "audited": bool(m["audited"]),
            "demand_period": m["demand_period"],
            "value_added": m["value_added"],
            "supply_demand": m["supply_demand"],
            "model_version": m.get("model_version"),
            "data_version": str(m["data_hash"])[:16],
        }
        return out, [], "meta"

    return _answer(ctx, request, "json", make)


@router.get(
    "/outcomes",
    response_model=StatsOutcomesPage,
    responses={200: _CSV},
    summary="Published outcome statistics",
)
def outcomes(
    ctx: DbCtx,
    request: Request,
    grouping: str = _q_grouping("offering"),
    province: str | None = Province,
    trade: str | None = Trade,
    level: str | None = Level,
    cohort: str = Cohort,
    programme_id: str | None = ProgrammeId,
    institution_id: str | None = InstitutionId,
    page: int = Page,
    page_size: int = PageSize,
    format: str | None = Format,
) -> Response:  # noqa: A002
    """Employment at 6 and 12 months (formal / informal / self-employed), in the trained
    occupation, completion, wages, response — per grouping and cohort, disclosure-controlled
    (withheld rows carry the reason)."""
    params = dict(
        grouping=grouping,
        province=province,
        trade=trade,
        level=level,
        cohort=cohort,
        programme_id=programme_id,
        institution_id=institution_id,
        format=format,
    )
    _check(params)

    def make(b: Any) -> tuple[dict, list[str], str]:
        notes: list[str] = []
        df = _cohort_rows(b, grouping, cohort, b.outcomes[grouping], b.headline[grouping])
        df = _filter(df, params, notes)
        rows, total, pages = _page(df, page, page_size)
        cols = [c for c in _fields(StatsOutcomeRow) if c in df.columns]
        return (
            {
                "table": grouping,
                "cohort": cohort,
                "as_of": b.meta["as_of"],
                "total": total,
                "page": page,
                "page_size": page_size,
                "pages": pages,
                "notes": notes,
                "items": _records(rows, cols),
            },
            cols,
            f"outcomes-{grouping}-{cohort}",
        )

    return _answer(ctx, request, format, make)


@router.get(
    "/value-added",
    response_model=StatsValueAddedPage,
    responses={200: _CSV},
    summary="Value added per institution",
)
def value_added(
    ctx: DbCtx,
    request: Request,
    province: str | None = Province,
    cohort: str = Cohort,
    institution_id: str | None = InstitutionId,
    page: int = Page,
    page_size: int = PageSize,
    format: str | None = Format,
) -> Response:  # noqa: A002
    """Observed employment at 12 months minus the employment expected for the institution's
    intake (the outcome model's predictions), in percentage points with a 95% interval."""
    params = dict(province=province, cohort=cohort, institution_id=institution_id, format=format)
    _check(params)

    def make(b: Any) -> tuple[dict, list[str], str]:
        cols = _fields(StatsValueAddedRow)
        va = b.value_added
        notes: list[str] = []
        if va is None:
            va = pd.DataFrame(columns=cols)
            notes.append("Chưa có giá trị gia tăng / " + str(b.meta["value_added"]))
            head = va
        else:
            head = _va_headline(ctx, b, va)
        df = _cohort_rows(b, "institution", cohort, va, head)
        df = _filter(df, params, notes)
        rows, total, pages = _page(df, page, page_size)
        return (
            {
                "table": "value_added",
                "cohort": cohort,
                "as_of": b.meta["as_of"],
                "total": total,
                "page": page,
                "page_size": page_size,
                "pages": pages,
                "notes": notes,
                "items": _records(rows, cols),
            },
            cols,
            f"value-added-{cohort}",
        )

    return _answer(ctx, request, format, make)


def _va_headline(ctx: Any, b: Any, va: Any) -> Any:
    """Value added of the institution's headline label (the same pick as its outcomes)."""
    _, lock, derived = _memo(ctx, b)
    got = derived.get("va_headline")
    if got is None:
        head = b.headline["institution"][["institution_id", "province_code", "cohort"]]
        got = va.merge(head, on=["institution_id", "province_code", "cohort"], how="inner")
        derived["va_headline"] = got
    return got


@router.get(
    "/supply-demand",
    response_model=StatsSupplyDemandPage,
    responses={200: _CSV},
    summary="Supply against demand per trade × province",
)
def supply_demand(
    ctx: DbCtx,
    request: Request,
    trade_level: str = Query(
        "isco2",
        max_length=8,
        description="isco2 (trade group) or trade4 (training occupation)",
        json_schema_extra={"enum": ["isco2", "trade4"]},
    ),
    province: str | None = Province,
    trade: str | None = Trade,
    flag: str | None = Query(
        None, max_length=10, json_schema_extra={"enum": ["shortage", "balanced", "surplus"]}
    ),
    page: int = Page,
    page_size: int = PageSize,
    format: str | None = Format,
) -> Response:  # noqa: A002
    """Expected graduates next year, vacancies and job seekers, trend, projection and the
    shortage / surplus flag (definitions in docs/statistics.md)."""
    params = dict(province=province, trade=trade, format=format)
    _check(params)
    if trade_level not in ("isco2", "trade4"):
        raise _bad("trade_level", "phải là isco2 hoặc trade4", "must be isco2 or trade4")
    if flag is not None and flag not in ("shortage", "balanced", "surplus"):
        raise _bad(
            "flag",
            "phải là shortage, balanced hoặc surplus",
            "must be shortage, balanced or surplus",
        )

    def make(b: Any) -> tuple[dict, list[str], str]:
        cols = _fields(StatsSupplyDemandRow)
        notes: list[str] = []
        df = b.supply_demand[trade_level]
        df = _filter(df, params, notes)
        if flag is not None:
            df = df[df["flag"].astype(object) == flag]
        rows, total, pages = _page(df, page, page_size)
        items = _records(rows, cols)
        for it in items:
            it.setdefault("suppressed", False)
        return (
            {
                "table": f"supply_demand_{trade_level}",
                "cohort": "latest",
                "as_of": b.meta["as_of"],
                "total": total,
                "page": page,
                "page_size": page_size,
                "pages": pages,
                "notes": notes,
                "items": items,
            },
            [c for c in cols if c in df.columns],
            f"supply-demand-{trade_level}",
        )

    return _answer(ctx, request, format, make)


@router.get(
    "/quadrant",
    response_model=StatsQuadrantPage,
    responses={200: _CSV},
    summary="Programme quadrant: employment against in-trade rate",
)
def quadrant(
    ctx: DbCtx,
    request: Request,
    province: str | None = Province,
    trade: str | None = Trade,
    level: str | None = Level,
    institution_id: str | None = InstitutionId,
    page: int = Page,
    page_size: int = PageSize,
    format: str | None = Format,
) -> Response:  # noqa: A002
    """Per offering (headline, published only), employment at 12 months and employment in
    the trained occupation, each against the national average."""
    params = dict(
        province=province, trade=trade, level=level, institution_id=institution_id, format=format
    )
    _check(params)

    def make(b: Any) -> tuple[dict, list[str], str]:
        cols = _fields(StatsQuadrantRow)
        notes: list[str] = []
        df = _filter(b.quadrant, params, notes)
        rows, total, pages = _page(df, page, page_size)
        items = _records(rows, cols)
        for it in items:
            it["suppressed"] = False
        return (
            {
                "table": "quadrant",
                "cohort": "latest",
                "as_of": b.meta["as_of"],
                "total": total,
                "page": page,
                "page_size": page_size,
                "pages": pages,
                "notes": notes,
                "national": b.quadrant.attrs.get("national", {}),
                "items": items,
            },
            [c for c in cols if c in df.columns],
            "quadrant",
        )

    return _answer(ctx, request, format, make)

"""What the statistics pages show, built from a published statistics bundle (pure: no
FastAPI, no I/O).

The bundle is ``guidance.stats.bundle.StatsBundle`` (``ctx.stats.get()``): only
disclosure-controlled frames (``headline``, ``outcomes``, ``quadrant``, ``supply_demand``,
``value_added``, ``meta``). Every function here reads those frames and turns them into rows
of display strings (numbers in the page's language) with a numeric sort key; a withheld cell
becomes its reason ("ít hơn 20 người trả lời"), never a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

import pandas as pd

from guidance.reference import occupations, provinces, training_occupations
from guidance.web.charts import fmt_number, fmt_value, province_map_svg, quadrant_svg
from guidance.web.i18n import Translator

INDICATORS = ("employment_12m", "response_rate", "shortage")
"""The map's indicators: a published rate per province (headline), or the number of trade
groups (ISCO-08 2-digit) flagged ``shortage`` in the province by supply against demand."""
RATE_COLUMN = {"employment_12m": "employment_12m_pct", "response_rate": "response_rate_pct"}
LEVELS = ("so_cap", "trung_cap", "cao_dang")
MAX_TABLE_ROWS = 150  # rows of the trade × province table shown at once (filter for more)
QUADRANT_LABEL = {
    "strong": "chart.q_high_high",
    "employed_outside_trade": "chart.q_high_low",
    "in_trade_fewer_jobs": "chart.q_low_high",
    "weak": "chart.q_low_low",
}
"""The bundle's quadrant codes (``stats.supply_demand.QUADRANTS``) → the chart's short
labels."""
MAX_QUADRANT_POINTS = 100  # offerings drawn on the quadrant (the most respondents first)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


@cache
def province_names() -> dict[str, tuple[str, str]]:
    return {
        str(r.province_code): (str(r.name_vi), str(r.name_en)) for r in provinces().itertuples()
    }


@cache
def occupation_names() -> dict[str, tuple[str, str]]:
    """ISCO-08 unit group (4-digit) → (Vietnamese, English) name."""

    return {
        str(r.occupation_code): (str(r.name_vi), str(r.name_en)) for r in occupations().itertuples()
    }


@cache
def programme_code_names() -> dict[str, tuple[str, str]]:
    return {
        str(r.programme_code): (str(r.name_vi), str(r.name_en))
        for r in training_occupations().itertuples()
    }


def _name(table: Mapping[str, tuple[str, str]], code: Any, lang: str) -> str:
    pair = table.get(str(code))
    return str(code) if pair is None else pair[0 if lang == "vi" else 1]


def province_name(code: Any, lang: str) -> str:
    return _name(province_names(), code, lang)


def reason(row: Mapping[str, Any], lang: str) -> str:
    """Why a row is withheld, in the page's language."""
    text = row.get("suppressed_vi" if lang == "vi" else "suppressed_en")
    return "" if _missing(text) else str(text)


def withheld(row: Mapping[str, Any]) -> bool:
    return bool(row.get("suppressed"))


def cohort_text(row: Mapping[str, Any], t: Translator, short: bool = False) -> str:
    """``khóa tốt nghiệp năm 2025`` or ``các khóa tốt nghiệp 2023–2025 (gộp 3 năm)``;
    ``short`` (table cells): ``2025`` or ``2023–2025 (gộp)``."""
    years = [y for y in str(row.get("cohorts") or row.get("cohort") or "").split(",") if y]
    if not years:
        return "—"
    if len(years) == 1:
        return years[0] if short else t("stats.cohort_one", year=years[0])
    if short:
        return t("stats.cohort_short", first=years[0], last=years[-1])
    return t("stats.cohort_pooled", first=years[0], last=years[-1], n=len(years))


def pct(v: Any, lang: str) -> str:
    return "—" if _missing(v) else fmt_value(float(v), lang, "%")


def count(v: Any, lang: str) -> str:
    return "—" if _missing(v) else fmt_number(float(v), lang)


def money(v: Any, lang: str) -> str:
    return "—" if _missing(v) else fmt_value(float(v), lang, "₫")


def sort_key(v: Any) -> str:
    """``data-sort`` of a table cell: the number, or empty (sorted last) when withheld."""
    return "" if _missing(v) else f"{float(v):g}"


def date_text(iso: Any, lang: str) -> str:
    """A timestamp of the bundle as a date: ``5/12/2026`` (vi) or ``5 Dec 2026`` (en)."""
    if _missing(iso) or not iso:
        return "—"
    try:
        d = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return f"{d.day}/{d.month}/{d.year}" if lang == "vi" else d.strftime("%-d %b %Y")


def month_text(ym: Any, lang: str) -> str:
    """``2026-04`` → ``tháng 4/2026`` (vi) or ``Apr 2026`` (en)."""
    s = "" if _missing(ym) else str(ym)
    try:
        d = datetime.strptime(s[:7], "%Y-%m")
    except ValueError:
        return s or "—"
    return f"tháng {d.month}/{d.year}" if lang == "vi" else d.strftime("%b %Y")


# -- meta ------------------------------------------------------------------------------------


def meta_view(bundle: Any, lang: str) -> dict[str, Any]:
    """Source and last update of the published statistics."""
    meta = dict(getattr(bundle, "meta", {}) or {})
    sources = [
        str(s.get(lang) or s.get("en") or "")
        for s in meta.get("sources", [])
        if isinstance(s, Mapping)
    ][:10]
    disc = meta.get("disclosure") or {}
    return {
        "as_of": date_text(meta.get("as_of"), lang),
        "sources": sources,
        "demand_period": month_text(meta.get("demand_period"), lang)
        if meta.get("demand_period")
        else None,
        "min_respondents": disc.get("min_respondents", 20),
        "min_response_pct": round(100 * float(disc.get("min_response_rate", 0.5))),
        "years": ", ".join(str(y) for y in meta.get("years", [])) or "—",
    }


# -- the map and its table ------------------------------------------------------------------


def _shortage_counts(bundle: Any) -> dict[str, int] | None:
    sd = getattr(bundle, "supply_demand", None) or {}
    table = sd.get("isco2") if isinstance(sd, Mapping) else None
    if table is None or not len(table) or "flag" not in table:
        return None
    flagged = table[table["flag"].notna()]
    if not len(flagged):
        return None
    n = (flagged["flag"] == "shortage").groupby(flagged["province_code"].astype(str)).sum()
    return {str(k): int(v) for k, v in n.items()}


def available_indicators(bundle: Any) -> list[str]:
    return [i for i in INDICATORS if i in RATE_COLUMN or _shortage_counts(bundle) is not None]


def province_view(bundle: Any, indicator: str, lang: str) -> dict[str, Any]:
    """The map (SVG) for ``indicator`` and the same figures as table rows."""
    t = Translator(lang)
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    rows = []
    head = bundle.headline["province"]
    by_code = {str(r["province_code"]): r for r in head.to_dict("records")}
    shortage = _shortage_counts(bundle) if indicator == "shortage" else None
    unit = "%" if indicator in RATE_COLUMN else t("stats.unit_trades")
    for code in sorted(province_names(), key=lambda c: province_name(c, lang)):
        r = by_code.get(code)
        row = {
            "code": code,
            "name": province_name(code, lang),
            "value": "—",
            "sort": "",
            "respondents": "—",
            "respondents_sort": "",
            "response": "—",
            "cohort": "—",
            "reason": "",
            "withheld": False,
        }
        if indicator == "shortage":
            v = None if shortage is None else shortage.get(code)
            values[code] = None if v is None else float(v)
            if v is not None:
                row.update(value=count(v, lang), sort=sort_key(v))
            else:
                notes[code] = t("chart.no_figure")
        if r is not None:
            row.update(cohort=cohort_text(r, t, short=True))
            if withheld(r) and indicator != "shortage":
                row.update(reason=reason(r, lang), withheld=True)
                if indicator != "shortage":
                    values[code] = None
                    notes[code] = row["reason"]
            else:
                row.update(
                    respondents=count(r["respondents"], lang),
                    respondents_sort=sort_key(r["respondents"]),
                    response=pct(r["response_rate_pct"], lang),
                )
                if indicator in RATE_COLUMN:
                    v = r[RATE_COLUMN[indicator]]
                    values[code] = None if _missing(v) else float(v)
                    row.update(value=pct(v, lang), sort=sort_key(v))
        rows.append(row)
    title = t(f"stats.ind.{indicator}")
    svg = province_map_svg(
        values,
        lang=lang,
        title=t("stats.map_title", indicator=title),
        unit=unit,
        legend_label=title,
        notes=notes,
    )
    return {
        "svg": svg,
        "rows": rows,
        "title": title,
        "unit": unit,
        "shown": sum(v is not None for v in values.values()),
    }


# -- trade × province -----------------------------------------------------------------------


def trade_options(bundle: Any, lang: str) -> list[tuple[str, str]]:
    head = bundle.headline["trade4_province_level"]
    codes = sorted({str(c) for c in head["trade_occupation"].dropna()})
    return sorted(
        ((c, f"{_name(occupation_names(), c, lang)} ({c})") for c in codes), key=lambda x: x[1]
    )[:1000]


def trade_rows(
    bundle: Any,
    lang: str,
    *,
    province: str | None = None,
    trade: str | None = None,
    level: str | None = None,
    cap: int = MAX_TABLE_ROWS,
) -> tuple[list[dict[str, Any]], int]:
    """Headline rows of training occupation (ISCO-08 4-digit) × province × level, filtered;
    (the first ``cap`` rows, the number matching)."""
    t = Translator(lang)
    head = bundle.headline["trade4_province_level"]
    m = pd.Series(True, index=head.index)
    if province:
        m &= head["province_code"].astype(str) == province
    if trade:
        m &= head["trade_occupation"].astype(str) == trade
    if level:
        m &= head["level"].astype(str) == level
    sel = head[m]
    total = len(sel)
    sel = sel.assign(
        _p=[province_name(c, lang) for c in sel["province_code"]],
        _t=[_name(occupation_names(), c, lang) for c in sel["trade_occupation"]],
    )
    sel = sel.sort_values(["_t", "_p", "level"]).head(cap)
    rows = []
    for r in sel.to_dict("records"):
        wh = withheld(r)
        rows.append(
            {
                "trade": f"{r['_t']} ({r['trade_occupation']})",
                "province": r["_p"],
                "level": t(f"level.{r['level']}") if r["level"] in LEVELS else str(r["level"]),
                "cohort": cohort_text(r, t, short=True),
                "withheld": wh,
                "reason": reason(r, lang) if wh else "",
                "respondents": count(r["respondents"], lang),
                "respondents_sort": sort_key(r["respondents"]),
                "response": pct(r["response_rate_pct"], lang),
                "response_sort": sort_key(r["response_rate_pct"]),
                "employment": pct(r["employment_12m_pct"], lang),
                "employment_sort": sort_key(r["employment_12m_pct"]),
                "in_trade": pct(r["in_occupation_12m_pct"], lang),
                "in_trade_sort": sort_key(r["in_occupation_12m_pct"]),
                "wage": money(r["wage_median"], lang),
                "wage_sort": sort_key(r["wage_median"]),
                "wage_note": ""
                if wh or _missing(r.get("wage_suppressed_vi"))
                else str(r.get("wage_suppressed_vi" if lang == "vi" else "wage_suppressed_en")),
            }
        )
    return rows, total


# -- the quadrant ----------------------------------------------------------------------------


def quadrant_view(bundle: Any, lang: str, cap: int = MAX_QUADRANT_POINTS) -> dict[str, Any] | None:
    t = Translator(lang)
    q = getattr(bundle, "quadrant", None)
    national = (q.attrs.get("national") if q is not None else None) or {}
    if q is None or not len(q) or not national:
        return None
    q = q.sort_values(["respondents", "programme_id"], ascending=[False, True]).head(cap)
    names = programme_code_names()
    points, rows = [], []
    for r in q.to_dict("records"):
        label = f"{_name(names, r['programme_code'], lang)} — {r['institution_name']}"
        href = f"/stats/offering/{r['programme_id']}"
        points.append(
            {
                "x": float(r["employment_12m_pct"]),
                "y": float(r["in_occupation_12m_pct"]),
                "label": label,
                "href": href,
                "id": r["programme_id"],
            }
        )
        rows.append(
            {
                "label": label,
                "href": href,
                "province": province_name(r["province_code"], lang),
                "employment": pct(r["employment_12m_pct"], lang),
                "employment_sort": sort_key(r["employment_12m_pct"]),
                "in_trade": pct(r["in_occupation_12m_pct"], lang),
                "in_trade_sort": sort_key(r["in_occupation_12m_pct"]),
                "quadrant": t(QUADRANT_LABEL[r["quadrant"]])
                if r.get("quadrant") in QUADRANT_LABEL
                else "—",
                "quadrant_text": str(r.get("quadrant_vi" if lang == "vi" else "quadrant_en") or ""),
                "cohort": cohort_text(r, t, short=True),
            }
        )
    x_avg = float(national["employment_12m_pct"])
    y_avg = float(national["in_occupation_12m_pct"])
    svg = quadrant_svg(
        points,
        x_avg=x_avg,
        y_avg=y_avg,
        lang=lang,
        title=t("stats.quad_title"),
        x_label=t("stats.col_employment"),
        y_label=t("stats.col_in_trade"),
    )
    return {
        "svg": svg,
        "rows": rows,
        "x_avg": pct(x_avg, lang),
        "y_avg": pct(y_avg, lang),
        "total": len(bundle.quadrant),
    }


# -- the programme × institution page --------------------------------------------------------


def offering_view(
    bundle: Any, programme_id: str, lang: str, programme: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """What a parent reads about one offering; ``None`` when neither the bundle nor the
    catalogue (``programme``) knows it."""
    t = Translator(lang)
    head = bundle.headline["offering"] if bundle is not None else None
    rows = (
        []
        if head is None
        else head[head["programme_id"].astype(str) == programme_id].to_dict("records")
    )
    if not rows and programme is None:
        return None
    r = rows[0] if rows else None
    code = (r or {}).get("programme_code") or (programme or {}).get("programme_code")
    name = None
    if programme is not None:
        name = programme.get("name_vi" if lang == "vi" else "name_en") or programme.get("name_vi")
    name = name or _name(programme_code_names(), code, lang)
    inst = (r or {}).get("institution_name") or (programme or {}).get("institution_name") or ""
    prov = (r or {}).get("province_code") or (programme or {}).get("province_code")
    level = (r or {}).get("level") or (programme or {}).get("level")
    view: dict[str, Any] = {
        "programme_id": programme_id,
        "name": name,
        "code": code,
        "institution": inst,
        "province": province_name(prov, lang) if prov else "—",
        "level": t(f"level.{level}") if level in LEVELS else (level or "—"),
        "has_row": r is not None,
        "withheld": bool(r is not None and withheld(r)),
        "reason": reason(r, lang) if r is not None and withheld(r) else "",
    }
    if r is None:
        return view
    view["cohort"] = cohort_text(r, t)
    view["pooled"] = bool(r.get("pooled"))
    if view["withheld"]:
        return view

    def rate(col: str) -> dict[str, str]:
        return {
            "value": pct(r[f"{col}_pct"], lang),
            "range": t(
                "stats.interval",
                lo=pct(r.get(f"{col}_lo_pct"), lang),
                hi=pct(r.get(f"{col}_hi_pct"), lang),
            ),
        }

    view.update(
        respondents=count(r["respondents"], lang),
        graduates=count(r["graduates"], lang),
        response=pct(r["response_rate_pct"], lang),
        employment_6m=rate("employment_6m"),
        employment_12m=rate("employment_12m"),
        formal=pct(r["formal_12m_pct"], lang),
        informal=pct(r["informal_12m_pct"], lang),
        self_employed=pct(r["self_employed_12m_pct"], lang),
        in_trade=rate("in_occupation_12m"),
        completion=pct(r["completion_pct"], lang),
        split=[
            (k, int(r[f"{k}_12m_pct"]))
            for k in ("formal", "informal", "self_employed")
            if not _missing(r[f"{k}_12m_pct"])
        ],
        wage=None
        if _missing(r["wage_median"])
        else {
            "p25": money(r["wage_p25"], lang),
            "median": money(r["wage_median"], lang),
            "p75": money(r["wage_p75"], lang),
        },
        wage_note=""
        if _missing(r.get("wage_suppressed_vi"))
        else str(r.get("wage_suppressed_vi" if lang == "vi" else "wage_suppressed_en")),
        # a wave with too few answers: its rates alone are withheld, with the reason
        wave_notes=[
            str(r[f"answered_{w}_suppressed_{lang}"])
            for w in ("6m", "12m")
            if not _missing(r.get(f"answered_{w}_suppressed_{lang}"))
        ],
    )
    view["by_cohort"] = _offering_cohorts(bundle, programme_id, lang, t)
    view["value_added"] = _value_added(bundle, r, lang)
    return view


def _offering_cohorts(
    bundle: Any, programme_id: str, lang: str, t: Translator
) -> list[dict[str, Any]]:
    table = bundle.outcomes["offering"]
    sel = table[table["programme_id"].astype(str) == programme_id]
    out = []
    for r in sel.sort_values(["pooled", "cohort"]).to_dict("records")[:20]:
        wh = withheld(r)
        out.append(
            {
                "cohort": cohort_text(r, t, short=True),
                "withheld": wh,
                "reason": reason(r, lang) if wh else "",
                "respondents": count(r["respondents"], lang),
                "response": pct(r["response_rate_pct"], lang),
                "employment_12m": pct(r["employment_12m_pct"], lang),
            }
        )
    return out


def _value_added(bundle: Any, offering: Mapping[str, Any], lang: str) -> dict[str, Any] | None:
    """The value added of the offering's institution (in its province), for the institution's
    headline cohort label; ``None`` when the bundle has none."""
    va = getattr(bundle, "value_added", None)
    if va is None or not len(va):
        return None
    inst_head = bundle.headline["institution"]
    key = (inst_head["institution_id"].astype(str) == str(offering["institution_id"])) & (
        inst_head["province_code"].astype(str) == str(offering["province_code"])
    )
    if not key.any():
        return None
    label = inst_head[key].iloc[0]["cohort"]
    sel = va[
        (va["institution_id"].astype(str) == str(offering["institution_id"]))
        & (va["province_code"].astype(str) == str(offering["province_code"]))
        & (va["cohort"] == label)
    ]
    if not len(sel):
        return None
    r = sel.iloc[0].to_dict()
    t = Translator(lang)
    if withheld(r):
        return {"withheld": True, "reason": reason(r, lang), "cohort": cohort_text(r, t)}

    def signed(v: Any) -> str:
        if _missing(v):
            return "—"
        return ("+" if float(v) > 0 else "") + fmt_number(float(v), lang)

    return {
        "withheld": False,
        "value": t("stats.pp", v=signed(r["value_added_pp"])),
        "range": t(
            "stats.va_range", lo=signed(r["value_added_lo_pp"]), hi=signed(r["value_added_hi_pp"])
        ),
        "observed": pct(r["observed_12m_pct"], lang),
        "expected": pct(r["expected_12m_pct"], lang),
        "cohort": cohort_text(r, t),
    }

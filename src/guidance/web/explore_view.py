"""The occupation and programme pages' view data: the API's answers
(``api.routes.catalogue.occupation_detail`` / ``programme_full``) as the strings a page
shows, numbers and months in the page's language (``1.234,5``; ``tháng 4/2028``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guidance.recommend.reasons import IN_PROVINCE_KM
from guidance.web.charts import fmt_number
from guidance.web.i18n import Translator
from guidance.web.stats_view import month_text

LEVELS = ("so_cap", "trung_cap", "cao_dang")


def millions(v: float | None, lang: str) -> str:
    """Đồng → millions with one decimal in the page's language (``4,5``)."""
    return "—" if v is None else fmt_number(v / 1e6, lang, 1)


def _count(v: float | None, lang: str, digits: int = 0) -> str:
    return "—" if v is None else fmt_number(v, lang, digits)


def trend_text(trend: float | None, t: Translator) -> str:
    if trend is None:
        return t("explore.trend_unknown")
    pct = abs(round(trend * 100))
    if pct == 0:
        return t("explore.trend_flat")
    return t("explore.trend_up" if trend > 0 else "explore.trend_down", pct=pct)


def _name(row: Any, lang: str) -> str:
    vi, en = getattr(row, "name_vi", None), getattr(row, "name_en", None)
    return str((en if lang == "en" else vi) or vi or en or "")


def _province(row: Any, lang: str) -> str:
    return str(row.province_name_en if lang == "en" else row.province_name_vi)


def programme_row(p: Any, t: Translator, lang: str) -> dict[str, str]:
    """A programme in a list (near the learner, also at)."""
    return {
        "id": p.programme_id,
        "name": _name(p, lang),
        "institution": p.institution_name,
        "province": _province(p, lang),
        "level": t(f"level.{p.level}") if p.level in LEVELS else p.level,
        "distance": "—"
        if p.distance_km is None
        else t("elig.in_province")
        if p.distance_km < IN_PROVINCE_KM
        else t("elig.km_centres", v=fmt_number(p.distance_km, lang, 0)),
        "duration": "—"
        if p.duration_months is None
        else t("unit.months", v=fmt_number(p.duration_months, lang)),
        "tuition": "—"
        if p.tuition_vnd_per_year is None
        else t("unit.million_year", v=millions(p.tuition_vnd_per_year, lang)),
    }


def occupation_view(d: Any, lang: str) -> dict[str, Any]:
    """``OccupationDetail`` → the occupation page."""
    t = Translator(lang)
    occ = d.occupation
    name = _name(occ, lang) or occ.name_en
    letters = [
        {
            "letter": x.letter,
            "name": x.name_en if lang == "en" else x.name_vi,
            "about": x.about_en if lang == "en" else x.about_vi,
            "main": i == 0,
        }
        for i, x in enumerate(d.riasec)
    ]
    wage = None
    if d.wage_min_vnd is not None and d.wage_max_vnd is not None:
        wage = t(
            "explore.wage_range",
            lo=millions(d.wage_min_vnd, lang),
            hi=millions(d.wage_max_vnd, lang),
        )
    return {
        "code": occ.occupation_code,
        "name": name,
        "other_name": occ.name_en if lang == "vi" and occ.name_vi else None,
        "description": d.description_en if lang == "en" else d.description_vi,
        "letters": letters,
        "period": month_text(d.demand_period, lang) if d.demand_period else None,
        "wage": wage,
        "demand": [
            {
                "code": r.province_code,
                "province": _province(r, lang),
                "vacancies": _count(r.vacancies, lang),
                "seekers": _count(r.job_seekers, lang),
                "ratio": _count(r.vacancies_per_seeker, lang, 1),
                "trend": trend_text(r.trend_12m, t),
                "wage": "—"
                if r.median_wage_vnd is None
                else t("unit.million_month", v=millions(r.median_wage_vnd, lang)),
                "home": r.province_code == d.province,
            }
            for r in d.demand
        ],
        "programmes": [programme_row(p, t, lang) for p in d.programmes],
        "programmes_total": d.programmes_total,
        "province": d.province,
    }


def programme_view(full: Any, lang: str, stats: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``ProgrammeFull`` → the programme page; ``stats`` is the published statistics' view
    of this offering (``stats_view.offering_view``), shown as it is (its suppression kept)."""
    t = Translator(lang)
    p, inst = full.programme, full.institution
    facts = [
        (t("card.level"), t(f"level.{p.level}") if p.level in LEVELS else p.level),
        (
            t("card.duration"),
            "—"
            if p.duration_months is None
            else t("unit.months", v=fmt_number(p.duration_months, lang)),
        ),
        (
            t("card.tuition"),
            "—"
            if p.tuition_vnd_per_year is None
            else t("unit.million_year", v=millions(p.tuition_vnd_per_year, lang)),
        ),
        (
            t("explore.total_tuition"),
            "—"
            if full.total_tuition_vnd is None
            else t("explore.million_total", v=millions(full.total_tuition_vnd, lang)),
        ),
        (t("explore.intake"), "—" if p.capacity is None else fmt_number(p.capacity, lang)),
    ]
    if p.mode:
        facts.append((t("explore.mode"), t(f"explore.mode_{p.mode}")))
    out = full.outcomes
    outcomes = None
    if out is not None:
        outcomes = {
            "n": fmt_number(out.n_graduates, lang),
            "small": out.small_cell or out.observed_employed_12m is None,
            "employed": "—"
            if out.observed_employed_12m is None
            else fmt_number(out.observed_employed_12m * 100, lang, 0) + "%",
            "in_trade": "—"
            if out.observed_job_matches_training is None
            else fmt_number(out.observed_job_matches_training * 100, lang, 0) + "%",
        }
    return {
        "id": p.programme_id,
        "code": p.programme_code,
        "name": _name(p, lang),
        "institution": inst.institution_name,
        "province": _province(inst, lang),
        "province_code": inst.province_code,
        "address": inst.address,
        "phone": inst.phone,
        "website": inst.website
        if inst.website and inst.website.startswith(("https://", "http://"))
        else None,
        "active": p.active is not False,
        "facts": facts,
        "occupations": [
            {
                "code": o.occupation_code,
                "name": (o.name_en if lang == "en" else o.name_vi)
                or o.name_en
                or o.occupation_code,
            }
            for o in full.occupations
        ],
        "outcomes": outcomes,
        "stats": stats,
        "stats_url": full.stats_url,
        "also_at": [programme_row(a, t, lang) for a in full.also_at],
        "also_at_total": full.also_at_total,
    }

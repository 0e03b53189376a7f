"""What a learner reads when exploring: an occupation (what the work is, its Holland letters,
its wage and demand by province, the programmes that train for it near them) and a
programme at one institution (total tuition, the same programme elsewhere).

Pure functions over rows the callers read (``store``, the served model); no I/O here. The
demand figures are the published ones (``guidance.demand_figures``: the 3-month current
mean, the 12-month trend, vacancies per job seeker); distances are ``guidance.geo``'s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from guidance import demand_figures as dfig
from guidance.features.interest import LETTER_WEIGHTS
from guidance.geo import haversine_km
from guidance.periods import month_of

ISCO_CODE = re.compile(r"^\d{4}$")
RIASEC = "RIASEC"
MAX_NEAR = 100  # programmes listed on an occupation page, at most


def _num(v: Any) -> float | None:
    """A finite float, else None (pandas NA, NaN, None)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def targets(value: Any) -> list[str]:
    """A programme's ``;``-separated target occupations as a list (order kept)."""
    return [c for c in str(value or "").split(";") if c]


def trains_for(programme: Mapping[str, Any], code: str) -> bool:
    return code in targets(programme.get("target_occupations"))


def is_active(programme: Mapping[str, Any]) -> bool:
    """An offering is active unless ``active`` is explicitly false (an empty cell counts
    as active, as the store loads it)."""
    v = programme.get("active")
    return True if v is None else bool(v)


def minor_group(code: str) -> str:
    return str(code)[:3]


def riasec_letters(letters: Any) -> list[dict[str, Any]]:
    """Holland letters (``"RIC"``) → one entry per letter, strongest first, with the weight
    the interest fit gives it (``features.interest.LETTER_WEIGHTS``, the one definition)."""
    out: list[dict[str, Any]] = []
    if not isinstance(letters, str):
        return out
    seen: set[str] = set()
    for w, ch in zip(LETTER_WEIGHTS, letters.strip().upper(), strict=False):
        if ch in RIASEC and ch not in seen:
            seen.add(ch)
            out.append({"letter": ch, "type": ch.lower(), "weight": w})
    return out


def month_axis(periods: Iterable[str]) -> list[str]:
    """Every month from the oldest to the newest of ``periods`` (gaps filled), oldest first."""
    ms = sorted({month_of(str(p)) for p in periods})
    if not ms:
        return []
    return [f"{t // 12:04d}-{t % 12 + 1:02d}" for t in range(ms[0], ms[-1] + 1)]


def demand_by_province(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One occupation's demand rows (``period, province_code, vacancies, job_seekers,
    median_wage_vnd``, any periods) → per province the published figures: current
    vacancies and job seekers (mean of the newest 3 months), vacancies per job seeker, the
    12-month trend, and the median wage of the newest month that reported one. Provinces
    sorted by current vacancies, most first. Also the wage range (lowest and highest
    province median) and the newest period."""
    axis = month_axis(r["period"] for r in rows)
    if not axis:
        return {"period": None, "rows": [], "wage_min": None, "wage_max": None}
    pos = {p: i for i, p in enumerate(axis)}
    provs = sorted({str(r["province_code"]) for r in rows})
    ppos = {p: i for i, p in enumerate(provs)}
    shape = (len(provs), len(axis))
    vac, seek, known = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    wage: dict[str, tuple[int, float]] = {}
    for r in rows:
        i, t = ppos[str(r["province_code"])], pos[str(r["period"])]
        vac[i, t] += _num(r.get("vacancies")) or 0.0
        s = _num(r.get("job_seekers"))
        if s is not None:
            seek[i, t] += s
            known[i, t] += 1
        w = _num(r.get("median_wage_vnd"))
        if w is not None and (provs[i] not in wage or wage[provs[i]][0] <= t):
            wage[provs[i]] = (t, w)
    cur_v, cur_s = dfig.current_mean(vac), dfig.current_mean(seek)
    cur_k = dfig.current_mean(known)
    ratio = dfig.per_seeker(cur_v, cur_s, cur_k)
    trend = dfig.yearly_trend(cur_v, dfig.lagged_mean(vac))
    out: list[dict[str, Any]] = []
    for i, p in enumerate(provs):
        out.append(
            {
                "province_code": p,
                "vacancies": _num(cur_v[i]),
                "job_seekers": _num(cur_s[i]) if cur_k[i] > 0 else None,
                "vacancies_per_seeker": _num(ratio[i]),
                "trend_12m": _num(trend[i]),
                "median_wage_vnd": int(wage[p][1]) if p in wage else None,
            }
        )
    out.sort(key=lambda r: (-(r["vacancies"] or 0.0), r["province_code"]))
    wages = [r["median_wage_vnd"] for r in out if r["median_wage_vnd"] is not None]
    return {
        "period": axis[-1],
        "rows": out,
        "wage_min": min(wages) if wages else None,
        "wage_max": max(wages) if wages else None,
    }


def distances_from(
    home: str | None, provinces: Mapping[str, tuple[float, float]], codes: Iterable[str]
) -> list[float | None]:
    """Centre-to-centre km from the ``home`` province to each of ``codes`` (None when a
    place is unknown, or no home is given)."""
    codes = list(codes)
    if home is None or home not in provinces:
        return [None] * len(codes)
    lat0, lon0 = provinces[home]
    out: list[float | None] = []
    for c in codes:
        if c not in provinces:
            out.append(None)
            continue
        lat, lon = provinces[c]
        out.append(float(haversine_km(lat0, lon0, lat, lon)))
    return out


def near_first(
    programmes: Sequence[Mapping[str, Any]],
    home: str | None,
    provinces: Mapping[str, tuple[float, float]],
    limit: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """The programmes (dicts with ``province_code``, ``name_vi``, ``programme_id``), each
    with ``distance_km`` from ``home``, nearest first (then by name and id; without a home,
    by province, name and id); at most ``limit``. Returns (rows, how many there were)."""
    dist = distances_from(home, provinces, (str(p["province_code"]) for p in programmes))
    rows = [{**p, "distance_km": d} for p, d in zip(programmes, dist, strict=True)]

    def key(r: dict[str, Any]) -> tuple:
        d = r["distance_km"]
        return (
            math.inf if d is None else round(d, 3),
            "" if home is not None else str(r["province_code"]),
            str(r.get("name_vi") or ""),
            str(r["programme_id"]),
        )

    rows.sort(key=key)
    return rows[: max(0, min(limit, MAX_NEAR))], len(rows)


def total_tuition(per_year: Any, duration_months: Any) -> int | None:
    """Tuition for the whole programme as the recommender counts it (its cost component,
    ``Item.total_tuition_vnd``): per year × duration in years, a programme shorter than a
    year paying one year; rounded to the đồng; None when either is unknown."""
    y, m = _num(per_year), _num(duration_months)
    if y is None or m is None:
        return None
    return int(round(y * max(m, 12.0) / 12.0))


def also_at(
    programme: Mapping[str, Any],
    same_code: Sequence[Mapping[str, Any]],
    provinces: Mapping[str, tuple[float, float]],
    limit: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """The same programme (same ``programme_code`` and level) at other institutions, active
    ones only, nearest to this offering's province first."""
    others = [
        p
        for p in same_code
        if p["programme_id"] != programme["programme_id"]
        and p.get("level") == programme.get("level")
        and p.get("institution_id") != programme.get("institution_id")
        and is_active(p)
    ]
    return near_first(others, str(programme["province_code"]), provinces, limit)

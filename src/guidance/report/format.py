"""Numbers, percentages, money and dates as the report shows them (Vietnamese first).

Vietnamese form: ``1.234.567``, ``12,5%``, ``5,8 triệu đồng``, ``ngày 5 tháng 12 năm 2026``;
English: ``1,234,567``, ``12.5%``, ``5.8 million VND``, ``5 December 2026``. Numbers and
percentages are the pages' (``web.charts.fmt_number`` / ``fmt_value``, themselves the
recommender's digit grouping), not a second formatter.
"""

from __future__ import annotations

import math
from datetime import date

from guidance.web.charts import fmt_number, fmt_value

EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DASH = "–"


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return True


def number(x, lang: str, digits: int = 0) -> str:
    """A number with the language's grouping and decimal mark; '—' when missing."""
    if _missing(x):
        return "—"
    return fmt_number(float(x), lang, digits)


def percent(x, lang: str, digits: int = 0) -> str:
    """A published percentage (already ×100), e.g. ``72%`` / ``12,5%``."""
    if _missing(x):
        return "—"
    return fmt_value(float(x), lang, "%", digits)


def millions(vnd, lang: str) -> str:
    """VND in millions with one decimal, without the unit (``5,8``)."""
    if _missing(vnd):
        return "—"
    return number(float(vnd) / 1e6, lang, 1)


def wage_range(p25, p75, lang: str) -> str:
    """The published quartile range of monthly wages, e.g. ``5,0–6,7 triệu đồng``."""
    if _missing(p25) or _missing(p75):
        return "—"
    unit = "triệu đồng" if lang == "vi" else "million VND"
    return f"{millions(p25, lang)}{DASH}{millions(p75, lang)} {unit}"


def long_date(d: date, lang: str) -> str:
    """``ngày 5 tháng 12 năm 2026`` / ``5 December 2026``."""
    if lang == "vi":
        return f"ngày {d.day} tháng {d.month} năm {d.year}"
    return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"


def month(period: str, lang: str) -> str:
    """A ``YYYY-MM`` period: ``tháng 4/2028`` / ``April 2028``."""
    y, m = period[:4], int(period[5:7])
    return f"tháng {m}/{y}" if lang == "vi" else f"{EN_MONTHS[m - 1]} {y}"


def cohorts(label: str, lang: str) -> str:
    """A cohort label: ``2025`` or a pool ``2023-2025`` shown as ``2023–2025 (gộp)``."""
    if "-" not in label:
        return label
    a, b = label.split("-", 1)
    return f"{a}{DASH}{b} ({'gộp' if lang == 'vi' else 'pooled'})"

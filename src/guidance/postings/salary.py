"""Salary text -> monthly VND range.

Job boards write pay in many ways ("10 - 15 triệu", "11 Tr - 13 Tr VND",
"$ 1,000-2,000 /tháng", "200tr-500tr ₫/năm", "Up to 40m vnd", "Thỏa thuận").
We keep a range (min, max) in VND per month; either side may be unknown
("Từ 8 triệu" has no max, "Tới 25 triệu" no min). Text that only says the pay
is good ("Cạnh tranh", "You'll love it") is *negotiable*: unknown, not an error.
Anything else we cannot read is *unparsed* and counted, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guidance.text import fold

# VND per USD for the December 2025 crawls: 26,300 is an approximate commercial-
# bank selling rate for late 2025, written from memory, NOT checked against a
# published table here (no rate source was reachable). Confirm it against the
# State Bank of Vietnam / Vietcombank rate of the snapshot month, or pass
# --usd-rate; docs/postings.md says the same.
DEFAULT_USD_RATE = 26_300.0
HOURS_PER_MONTH = 208  # 8 h x 26 working days, the usual Vietnamese full-time month
MILLION = 1_000_000

# Phrases meaning "negotiable / attractive" without a figure (folded text).
_NEGOTIABLE = re.compile(
    r"thoa thuan|thuong luong|canh tranh|negotia|competitive|love it|attractive|hap dan"
    r"|upon|deal|discuss|tbd|luong cao|xung dang|theo nang luc|by capabilit|\bnego|attract"
    r"|package"
)
# "Up to 30 month salary/year" states a bonus count, not a wage.
_MONTHS_OF_PAY = re.compile(r"\d+\s*(?:months?|thang)\s*(?:salary|luong)")
_NUM = r"(\d+(?:[.,]\d+)*)"
_SEP = r"\s*(?:-|–|—|~|to|den)\s*"


@dataclass(frozen=True)
class Salary:
    """Parsed pay. ``status``: ``range`` (a figure was read), ``negotiable``, ``empty``
    or ``unparsed``."""

    min_vnd: int | None
    max_vnd: int | None
    status: str

    @property
    def midpoint(self) -> float | None:
        """Middle of the range; a one-sided offer gives its only bound."""
        vals = [v for v in (self.min_vnd, self.max_vnd) if v is not None]
        return sum(vals) / len(vals) if vals else None


def _number(token: str) -> float:
    """'1,000' -> 1000, '1.500' -> 1500, '2,5' -> 2.5, '12.5' -> 12.5."""
    t = token
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", t):
        return float(re.sub(r"[.,]", "", t))
    return float(t.replace(",", "."))


def _unit(text: str) -> tuple[str | None, float]:
    """(currency, multiplier to the base unit) guessed from the whole text."""
    if "usd" in text or "$" in text:
        return "usd", 1_000.0 if re.search(r"\d\s*k\b", text) else 1.0
    if re.search(r"\d\s*(?:trieu|tr\b|tr\s|tr$|tr[-/₫]|m\b|m\s|m$|mil|million|cu\b)", text) or (
        re.search(r"\b(?:trieu|million)\b", text)
    ):
        return "vnd", MILLION
    if re.search(r"\d\s*(?:k\b|nghin|ngan)", text):
        return "vnd", 1_000.0
    if "vnd" in text or "₫" in text or "dong" in text or re.search(r"\d\s*d\b", text):
        return "vnd", 1.0
    return None, 1.0


def _period_divisor(text: str) -> float:
    """Monthly amounts from yearly or hourly ones (1 = already monthly)."""
    if re.search(r"/\s*(?:nam|year|yr|annum)|per year|mot nam|\byearly\b|annual", text):
        return 12.0
    if re.search(r"/\s*(?:gio|h|hour|hr)\b|per hour|theo gio|hourly", text):
        return 1.0 / HOURS_PER_MONTH
    return 1.0


def parse_salary(text: object, usd_rate: float = DEFAULT_USD_RATE) -> Salary:
    """Parse one salary string into a monthly VND range."""
    if text is None or (isinstance(text, float) and text != text):
        return Salary(None, None, "empty")
    t = fold(text).replace("\u00a0", " ")
    if not t or t in {"nan", "none", "-"}:
        return Salary(None, None, "empty")
    nums = re.findall(_NUM, t)
    if not nums or _MONTHS_OF_PAY.search(t):
        ok = _NEGOTIABLE.search(t) or _MONTHS_OF_PAY.search(t)
        return Salary(None, None, "negotiable" if ok else "unparsed")
    currency, mult = _unit(t)
    m = re.search(_NUM + r"\s*[a-z$₫]*\s*" + _SEP + r"\$?\s*" + _NUM, t)
    if m:
        lo, hi = _number(m.group(1)), _number(m.group(2))
    else:
        val = _number(nums[0])
        if re.search(r"\b(?:tu|from|tren|over|above|min|toi thieu|it nhat)\b", t):
            lo, hi = val, None
        elif re.search(r"\b(?:toi|den|up ?to|upto|len den|max|toi da|duoi|under)\b", t):
            lo, hi = None, val
        else:
            lo = hi = val
    if currency is None:
        # Bare numbers ("1500-3000"): ITviec writes USD this way; small numbers are
        # millions of VND. Anything else is not guessed.
        probe = max(v for v in (lo, hi) if v is not None)
        if probe >= MILLION:
            currency, mult = "vnd", 1.0
        elif 100 <= probe <= 20_000:
            currency, mult = "usd", 1.0
        elif 1 <= probe < 100:
            currency, mult = "vnd", MILLION
        else:
            return Salary(None, None, "unparsed")
    factor = mult * (usd_rate if currency == "usd" else 1.0) / _period_divisor(t)
    lo_v = None if lo is None else int(round(lo * factor))
    hi_v = None if hi is None else int(round(hi * factor))
    if lo_v is not None and hi_v is not None and lo_v > hi_v:
        lo_v, hi_v = hi_v, lo_v
    # Sanity: a monthly wage outside 100 thousand .. 2 billion VND is a misreading.
    for v in (lo_v, hi_v):
        if v is not None and not (100_000 <= v <= 2_000 * MILLION):
            return Salary(None, None, "unparsed")
    return Salary(lo_v, hi_v, "range")

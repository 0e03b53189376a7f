"""THE period index: ``YYYY-MM`` ↔ months since year 0 (``"2024-01"`` → 24288), and "now".

Every month axis in the core counts from year 0; the demo world's generator counts from its
own first month (``guidance.world.params.world_month``), built on this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
import pandas as pd


def month_of(period: str) -> int:
    """One ``YYYY-MM`` label → months since year 0."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def period_index(periods: Iterable[str] | pd.Series) -> np.ndarray:
    """``YYYY-MM`` labels → months since year 0 (vectorised through the unique values)."""
    s = pd.Series(periods).astype("str")
    inv, uniq = pd.factorize(s)  # hashing: faster than np.unique on strings
    out = np.array([month_of(str(p)) for p in uniq], dtype="int64")
    return out[inv] if len(uniq) else np.zeros(len(s), dtype="int64")


def period_label(t: int) -> str:
    """Months since year 0 → ``YYYY-MM`` (the inverse of ``month_of``)."""
    t = int(t)
    return f"{t // 12:04d}-{t % 12 + 1:02d}"


def this_month() -> int:
    """The current calendar month (UTC) as a month index."""
    now = datetime.now(UTC)
    return now.year * 12 + now.month - 1

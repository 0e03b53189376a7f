"""Learner × offering pair rows: training (one per tracer record) and serving (one per
candidate offering for one learner)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from guidance.features.columns import LEARNER_COLUMNS, OFFERING_COLUMNS
from guidance.periods import month_of, period_label


def training_pairs(outcomes: pd.DataFrame, programmes: pd.DataFrame) -> pd.DataFrame:
    """Join each tracer record to its offering: one learner × offering row per record."""
    offer = programmes[list(OFFERING_COLUMNS)]
    rows = outcomes.merge(offer, on="programme_id", how="inner", validate="many_to_one")
    return rows.reset_index(drop=True)


def graduation_month(start: int, duration_months: Any) -> np.ndarray:
    """Month index of graduation: start + duration (a missing duration counts as 0)."""
    d = np.asarray(duration_months, dtype="float64")
    d = np.where(np.isnan(d), 0.0, d).astype(int)
    return np.asarray(int(start) + d, dtype="int64")


def serving_pairs(
    learner: Mapping[str, Any], offerings: pd.DataFrame, start_period: str
) -> pd.DataFrame:
    """One row per candidate offering for one learner; graduation = start + duration."""
    rows = offerings[list(OFFERING_COLUMNS)].reset_index(drop=True).copy()
    for col in LEARNER_COLUMNS:
        rows[col] = learner.get(col, np.nan)
    end = graduation_month(month_of(start_period), rows["duration_months"].astype("float64"))
    rows["cohort"] = [period_label(p) for p in end]
    return rows

"""THE period index: hand-computed months since year 0, inverse label, vectorised form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.periods import month_of, period_index, period_label, this_month
from guidance.world.params import FIRST_PERIOD, world_label, world_month


def test_month_of_counts_months_since_year_zero():
    assert month_of("0000-01") == 0
    assert month_of("2024-01") == 2024 * 12  # 24288
    assert month_of("2023-12") == 2024 * 12 - 1


def test_label_is_the_inverse():
    assert period_label(24288) == "2024-01"
    assert period_label(24299) == "2024-12"
    for p in ("1999-07", "2024-02", "2031-11"):
        assert period_label(month_of(p)) == p


def test_vectorised_index_matches_the_scalar():
    got = period_index(pd.Series(["2024-01", "2023-12", "2024-01"]))
    assert got.tolist() == [24288, 24287, 24288]
    assert period_index([]).tolist() == []


def test_this_month_is_a_plausible_month():
    assert month_of("2024-01") < this_month() < month_of("2200-01")


def test_world_month_counts_from_the_worlds_first_period():
    assert FIRST_PERIOD == "2019-01"
    assert world_month("2019-01") == 0
    assert world_month("2025-12") == 83
    assert world_label(83) == "2025-12"
    assert np.all([world_label(world_month(p)) == p for p in ("2019-05", "2026-10")])

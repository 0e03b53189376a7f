"""Metrics, splits, fairness and baselines against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance import evaluate as ev


def test_time_split_is_by_month_never_random():
    months = [f"2023-{m:02d}" for m in range(1, 13)] + [f"2024-{m:02d}" for m in range(1, 13)]
    cohorts = pd.Series(months + ["2022-05"])
    got = ev.time_split(cohorts, test_months=6, val_months=3)
    assert set(cohorts[got == "test"]) == {f"2024-{m:02d}" for m in range(7, 13)}
    assert set(cohorts[got == "val"]) == {"2024-04", "2024-05", "2024-06"}
    assert cohorts[got == "train"].max() == "2024-03"


def test_ece_and_reliability_by_hand():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.05, 0.15, 0.95, 0.85, 0.55, 0.55])
    tab = ev.reliability_table(y, p, bins=10)
    assert tab["n"].tolist() == [1, 1, 2, 1, 1]
    # bins: [0,.1): |0-.05|; [.1,.2): |0-.15|; [.5,.6): |.5-.55|; [.8,.9): |1-.85|; [.9,1]: |1-.95|
    expected = (0.05 + 0.15 + 2 * 0.05 + 0.15 + 0.05) / 6
    assert ev.ece(y, p, bins=10) == pytest.approx(expected)


def test_binary_metrics_perfect_and_useless_rankings():
    y = np.array([0, 0, 1, 1])
    perfect = ev.binary_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]))
    assert perfect["auc"] == 1.0
    assert perfect["brier"] == pytest.approx((0.01 + 0.04 + 0.04 + 0.01) / 4)
    flat = ev.binary_metrics(y, np.full(4, 0.5))
    assert flat["auc"] == 0.5 and flat["brier"] == pytest.approx(0.25)
    assert flat["log_loss"] == pytest.approx(np.log(2))
    one_class = ev.binary_metrics(np.array([1, 1]), np.array([0.3, 0.6]))
    assert np.isnan(one_class["auc"])


def test_pinball_by_hand():
    # y=10, q=8 under-predicts: alpha * 2; y=10, q=13 over-predicts: (1-alpha) * 3
    assert ev.pinball([10, 10], [8, 13], 0.25) == pytest.approx((0.25 * 2 + 0.75 * 3) / 2)


def test_wage_metrics_coverage():
    preds = pd.DataFrame({"wage_q25": [5, 5], "wage_q50": [6, 6], "wage_q75": [7, 7]})
    got = ev.wage_metrics(np.array([6.5, 9.0]), preds)
    assert got["coverage_50"] == 0.5 and got["mae_q50"] == pytest.approx((0.5 + 3.0) / 2)


def test_fairness_gap_and_small_groups():
    y = np.array([1] * 60 + [0] * 40 + [1] * 30 + [0] * 70 + [1, 0])
    p = np.array([0.7] * 100 + [0.2] * 100 + [0.5, 0.5])
    groups = pd.Series(["F"] * 100 + ["M"] * 100 + ["X"] * 2)
    rep = ev.fairness_report(y, p, groups, min_n=100)
    tab = rep["groups"].set_index("group")
    assert tab.loc["F", "gap"] == pytest.approx(0.7 - 0.6)
    assert tab.loc["M", "gap"] == pytest.approx(0.2 - 0.3)
    assert rep["max_abs_gap"] == pytest.approx(0.1)
    assert rep["insufficient"] == ["X"]  # too small to judge, not a pass
    # ECE within each group equals |gap| here (one prediction per group)
    assert rep["calibration_gap"] == pytest.approx(0.0)


def test_code_province_baseline_is_smoothed_to_global():
    train = pd.DataFrame(
        {
            "programme_code": ["C1", "C1", "C2", "C2"],
            "province_code": ["01", "01", "01", "01"],
            "employed_12m": [True, True, False, False],
        }
    )
    rows = pd.DataFrame({"programme_code": ["C1", "C9"], "province_code": ["01", "01"]})
    got = ev.code_province_rates(train, rows, "employed_12m", prior=2.0)
    assert got[0] == pytest.approx((2 + 2 * 0.5) / (2 + 2))
    assert got[1] == pytest.approx(0.5)


def test_beats_lists_every_failure():
    model = {"auc": 0.70, "brier": 0.20}
    ok, reasons = ev.beats(model, {"a": {"auc": 0.60, "brier": 0.21}})
    assert ok and reasons == []
    ok, reasons = ev.beats(
        model, {"a": {"auc": 0.71, "brier": 0.19}, "g": {"auc": float("nan"), "brier": 0.25}}
    )
    assert not ok and len(reasons) == 2 and all(" a " in f" {r} " for r in reasons)

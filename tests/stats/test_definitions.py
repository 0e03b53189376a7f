"""The definitions on a 10-row frame whose figures are computed by hand below."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance.recommend.score import PRIOR_GRADUATES
from guidance.recommend.score import wilson_interval as recommender_interval
from guidance.stats import definitions as d

NA = pd.NA
# status, completed, employed_6m, employed_12m, type, matches, wage
ROWS = [
    ("responded", True, True, True, "formal", True, 8_000_000),
    ("responded", True, True, True, "formal", False, 6_000_000),
    ("responded", True, False, True, "informal", True, 5_000_000),
    ("responded", True, False, True, "self_employed", False, 10_000_000),
    ("responded", False, False, False, "none", False, NA),
    ("administrative", True, True, True, "formal", True, NA),  # employed, no wage given
    ("responded", True, True, False, "none", False, NA),
    ("no_response", NA, NA, NA, NA, NA, NA),
    ("unreachable", NA, NA, NA, NA, NA, NA),
    ("refused", NA, NA, NA, NA, NA, NA),
]


def frame(with_status: bool = True) -> pd.DataFrame:
    df = pd.DataFrame(
        ROWS,
        columns=[
            "survey_status",
            "completed",
            "employed_6m",
            "employed_12m",
            "employment_type",
            "job_matches_training",
            "monthly_wage_vnd",
        ],
    )
    for c in ("completed", "employed_6m", "employed_12m", "job_matches_training"):
        df[c] = df[c].astype("boolean")
    df["monthly_wage_vnd"] = df["monthly_wage_vnd"].astype("Int64")
    return df if with_status else df.drop(columns="survey_status").iloc[:7]


def counts(df: pd.DataFrame) -> pd.Series:
    return d.indicators(df)[list(d.INDICATORS)].sum()


def test_counts_by_hand():
    c = counts(frame())
    # 10 graduates; 9 surveyed (one unreachable); 7 respondents (6 responded + 1 administrative)
    assert c.to_dict() == {
        "graduates": 10,
        "surveyed": 9,
        "respondents": 7,
        "answered_6m": 7,
        "answered_12m": 7,
        "completed": 6,
        "employed_6m": 4,
        "employed_12m": 5,
        "formal": 3,
        "informal": 1,
        "self_employed": 1,
        "in_occupation": 3,
    }


def test_rates_use_respondents_not_graduates():
    r = d.add_rates(counts(frame()).to_frame().T).iloc[0]
    assert r["response_rate"] == pytest.approx(7 / 10)  # respondents / graduates
    assert r["employment_12m"] == pytest.approx(5 / 7)  # not 5/10
    assert r["employment_6m"] == pytest.approx(4 / 7)
    assert r["formal_12m"] == pytest.approx(3 / 7)
    assert r["informal_12m"] == pytest.approx(1 / 7)
    assert r["self_employed_12m"] == pytest.approx(1 / 7)
    assert r["formal_12m"] + r["informal_12m"] + r["self_employed_12m"] == pytest.approx(
        r["employment_12m"]
    )
    assert r["in_occupation_12m"] == pytest.approx(3 / 7)
    assert r["completion"] == pytest.approx(6 / 7)
    assert "response_rate_lo" not in r.index


def test_one_wave_graduates_count_only_in_the_wave_they_answered():
    """Tracer v1.1: a graduate who answered only the 6-month wave (employed_12m empty) is a
    respondent of that wave, not "not employed at 12 months"; and vice versa."""
    df = frame()
    df.loc[0, ["employed_12m", "employment_type", "job_matches_training", "monthly_wage_vnd"]] = [
        NA,
        NA,
        NA,
        NA,
    ]  # employed, 6-month wave only
    df.loc[4, "employed_6m"] = NA  # 12-month wave only
    c = counts(df)
    assert (c["respondents"], c["answered_6m"], c["answered_12m"]) == (7, 6, 6)
    assert (c["employed_6m"], c["employed_12m"], c["formal"]) == (4, 4, 2)
    r = d.add_rates(c.to_frame().T).iloc[0]
    assert r["employment_6m"] == pytest.approx(4 / 6)
    assert r["employment_12m"] == pytest.approx(4 / 6)  # not 4/7
    assert r["formal_12m"] == pytest.approx(2 / 6)
    assert r["in_occupation_12m"] == pytest.approx(2 / 6)
    assert r["completion"] == pytest.approx(6 / 7)
    assert d.indicators(df)["wage"].notna().sum() == 3


def test_v1_frame_every_record_is_a_respondent():
    c = counts(frame(with_status=False))
    assert c["graduates"] == c["surveyed"] == c["respondents"] == 7
    assert c["employed_12m"] == 5


def test_wilson_by_hand():
    # 5/7 at 95 %: z² = 3.841459; centre = (5/7 + z²/14) / (1 + z²/7) = 0.638358;
    # half = z·sqrt((5/7)(2/7)/7 + z²/196) / (1 + z²/7) = 0.279424 (rounded by hand to 6 places)
    lo, hi = d.wilson_interval(5 / 7, 7)
    assert float(lo) == pytest.approx(0.358934, abs=1e-6)
    assert float(hi) == pytest.approx(0.917781, abs=1e-6)
    # 0/10: lower bound 0, upper z²/(n + z²) = 3.841459/13.841459 = 0.277532
    lo, hi = d.wilson_interval(0.0, 10)
    assert float(lo) == 0.0 and float(hi) == pytest.approx(0.277532, abs=1e-6)
    # no evidence: (0, 1)
    lo, hi = d.wilson_interval(np.array([np.nan, 0.5]), np.array([0, 0]))
    assert lo.tolist() == [0.0, 0.0] and hi.tolist() == [1.0, 1.0]


def test_rates_table_carries_wilson_of_the_same_counts():
    r = d.add_rates(counts(frame()).to_frame().T).iloc[0]
    assert r["employment_12m_lo"] == pytest.approx(0.358934, abs=1e-6)
    assert r["employment_12m_hi"] == pytest.approx(0.917781, abs=1e-6)


def test_rate_never_divides_by_zero():
    out = d.rate([0, 3], [0, 6])
    assert np.isnan(out[0]) and out[1] == 0.5


def test_wage_quartiles_by_hand():
    # wages of respondents employed at 12 months with a wage: 5, 6, 8, 10 million
    # type 7: p25 at h = 0.75 -> 5.75 M; median at h = 1.5 -> 7 M; p75 at h = 2.25 -> 8.5 M
    w = d.indicators(frame())["wage"]
    assert sorted(w.dropna().tolist()) == [5e6, 6e6, 8e6, 10e6]
    assert d.wage_quartiles(w) == (5_750_000, 7_000_000, 8_500_000)


def test_grouped_quantiles_agree_with_numpy():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 40, 2000)
    vals = rng.lognormal(15, 0.5, 2000)
    vals[rng.random(2000) < 0.1] = np.nan
    n, q = d.grouped_quantiles(codes, vals, 42)
    by = np.argsort(np.where(np.isfinite(vals), vals, np.inf), kind="stable")
    n2, q2 = d.grouped_quantiles(codes[by], vals[by], 42, presorted=True)
    assert (n2 == n).all() and np.allclose(q2, q, equal_nan=True)
    for g in range(42):
        v = vals[(codes == g) & np.isfinite(vals)]
        assert n[g] == len(v)
        if len(v):
            assert q[g] == pytest.approx(np.quantile(v, [0.25, 0.5, 0.75]))
        else:
            assert np.isnan(q[g]).all()


@pytest.mark.parametrize("top", [50, 70_000, 2**31])
def test_stable_order_is_a_stable_sort(top):
    c = np.random.default_rng(1).integers(0, top, 5000)
    assert (d.stable_order(c) == np.argsort(c, kind="stable")).all()


def test_recommender_interval_is_the_same_function():
    p, n = np.array([0.7, 0.2]), np.array([0, 30])
    lo, hi = recommender_interval(p, n)
    lo2, hi2 = d.wilson_interval(p, n + PRIOR_GRADUATES, d.Z90)
    assert lo.tolist() == lo2.tolist() and hi.tolist() == hi2.tolist()

"""Supply against demand and the quadrant: hand-computed small cases, and the tiny world."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from guidance.stats import supply_demand as sd


def test_zscore_and_indicator_renormalise_missing_weights():
    z = sd.zscore([1.0, 3.0, np.nan])
    assert z[0] == -1.0 and z[1] == 1.0 and np.isnan(z[2])  # mean 2, population SD 1
    assert sd.zscore([5.0, np.nan]).tolist()[0] == 0.0  # one value: no spread
    comps = {
        "tension": np.array([1.0, 3.0, np.nan]),
        "employment_change": np.array([0.0, np.nan, 4.0]),
        "wage_change": np.array([np.nan, np.nan, np.nan]),
    }
    ind, n = sd.indicator(comps)
    # row 0: tension z=-1 (w .5), employment z (of [0, 4]) = -1 (w .3) -> -1
    assert math.isclose(ind[0], -1.0) and n[0] == 2
    assert math.isclose(ind[1], 1.0) and n[1] == 1  # tension only, weight renormalised
    assert math.isclose(ind[2], 1.0) and n[2] == 1
    assert sd.flag(np.array([0.5, 0.49, -0.5, np.nan])).tolist() == [
        "shortage",
        "balanced",
        "surplus",
        None,
    ]


def _pub(rows):  # noqa: ANN001, ANN202
    return pd.DataFrame(rows).assign(suppressed=lambda d: d.get("suppressed", False))


def test_expected_graduates_use_published_completion_with_fallbacks():
    programmes = pd.DataFrame(
        {
            "programme_id": ["A", "B", "C"],
            "institution_id": ["I1", "I1", "I2"],
            "institution_name": ["x", "x", "y"],
            "programme_code": ["p", "q", "r"],
            "level": ["trung_cap"] * 3,
            "province_code": ["01", "01", "02"],
            "target_occupations": ["7212", "7212;7213", "7212"],
            "capacity": [100, 40, 30],
            "active": [True, True, True],
        }
    )
    heads = {
        "offering": _pub(
            [
                {"programme_id": "A", "completion_pct": 80, "suppressed": False},
                {"programme_id": "B", "completion_pct": None, "suppressed": True},
            ]
        ),
        "trade4_province_level": _pub(
            [
                {
                    "trade_occupation": "7212",
                    "province_code": "01",
                    "level": "trung_cap",
                    "completion_pct": 50,
                    "respondents": 40,
                    "graduates": 50,
                    "suppressed": False,
                }
            ]
        ),
        "province": _pub([{"province_code": "02", "completion_pct": None, "suppressed": True}]),
        "nation": _pub([{"completion_pct": 70, "suppressed": False}]),
    }
    offers = sd.offering_frame(programmes)
    rate, src = sd.completion_rates(offers, heads, "trade4")
    assert rate.tolist() == [0.8, 0.5, 0.7]
    assert src.tolist() == ["offering", "trade_province", "nation"]
    demand = pd.DataFrame(
        {
            "period": [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"] * 1,
            "province_code": "01",
            "occupation_code": "7212",
            "vacancies": [10] * 10 + [20, 20, 20],
            "job_seekers": [10] * 13,
            "median_wage_vnd": 1,
            "source": "x",
        }
    )
    t = sd.supply_demand_table({}, programmes, demand, "trade4", 12, heads=heads)
    row = t[(t["trade"] == "7212") & (t["province_code"] == "01")].iloc[0]
    # 100 * 0.8 + 40 * 0.5 = 100 graduates; vacancies: mean of the last 3 months = 20
    assert row["expected_graduates"] == 100 and row["offerings"] == 2
    assert row["completion_source"] == "offering:1;trade_province:1"
    assert row["vacancies"] == 20.0 and row["vacancies_per_job_seeker"] == 2.0
    assert row["graduates_per_vacancy"] == 5.0
    # a year earlier = the window ending 12 months before 2026-01: 2025-01 only (10): +100 %
    assert row["vacancy_trend_12m"] == 1.0
    assert math.isclose(row["vacancies_per_job_seeker_projected"], 2.0 * 2**0.5, rel_tol=1e-3)
    other = t[(t["trade"] == "7212") & (t["province_code"] == "02")].iloc[0]
    assert other["expected_graduates"] == 20  # 30 * 0.7 = 21 -> rounded to 5
    assert pd.isna(other["vacancies"])


def test_quadrant_against_the_national_headline():
    heads = {
        "nation": _pub(
            [{"employment_12m_pct": 80, "in_occupation_12m_pct": 60, "suppressed": False}]
        ),
        "offering": _pub(
            [
                {
                    "programme_id": p,
                    "employment_12m_pct": e,
                    "in_occupation_12m_pct": i,
                    "suppressed": s,
                    **dict.fromkeys(
                        (
                            "cohort",
                            "cohorts",
                            "institution_id",
                            "institution_name",
                            "programme_code",
                            "level",
                            "province_code",
                            "trade_occupation",
                            "isco2",
                        ),
                        "x",
                    ),
                    "pooled": False,
                    "respondents": 20,
                    "response_rate_pct": 90,
                }
                for p, e, i, s in (
                    ("A", 85, 70, False),
                    ("B", 90, 50, False),
                    ("C", 70, 65, False),
                    ("D", 60, 40, False),
                    ("E", None, None, True),
                )
            ]
        ),
    }
    q = sd.quadrant(heads)
    assert q["programme_id"].tolist() == ["A", "B", "C", "D"]  # withheld E is left out
    assert q["quadrant"].tolist() == [
        "strong",
        "employed_outside_trade",
        "in_trade_fewer_jobs",
        "weak",
    ]
    assert q["employment_vs_national_pp"].tolist() == [5, 10, -10, -20]
    assert q.attrs["national"] == {"employment_12m_pct": 80.0, "in_occupation_12m_pct": 60.0}


@pytest.mark.parametrize("trade", ["isco2", "trade4"])
def test_tiny_world_supply_demand(world_tables, trade):
    from guidance.stats.bundle import build_bundle

    t = world_tables("tiny", 1)
    b = build_bundle(t, t["demand"])
    df = b.supply_demand[trade]
    assert len(df) and set(df["flag"].dropna()) <= {"shortage", "balanced", "surplus"}
    assert (df["expected_graduates"].dropna() % 5 == 0).all()
    has = df["expected_graduates"].notna().to_numpy()
    assert has.any()
    cap = df.loc[has, "capacity"].astype("float64")
    assert (df.loc[has, "expected_graduates"].astype("float64") <= cap + 2.5).all()
    ok = df["vacancies"] > 0
    # vacancies are published to 1 decimal, the ratio from the unrounded mean
    assert np.allclose(
        df.loc[ok, "graduates_per_vacancy"].dropna(),
        (df.loc[ok, "expected_graduates"].astype("float64") / df.loc[ok, "vacancies"]).dropna(),
        rtol=0.02,
        atol=0.002,
    )
    used = df["components"] > 0
    assert df.loc[used, "indicator"].notna().all() and df.loc[~used, "flag"].isna().all()

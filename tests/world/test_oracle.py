"""The oracle gives exactly the probabilities the generator sampled from."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from guidance.world import Oracle
from guidance.world.outcomes import POP_FEMALE
from guidance.world.params import world_label, world_month


@pytest.fixture(scope="module")
def oracle(demo_world):
    return Oracle.from_dir(demo_world[0])


@pytest.fixture(scope="module")
def expected(oracle, demo_joined):
    out, off = demo_joined
    return oracle.expected(out, off, period=out["cohort"])


def _z(observed: np.ndarray, p: np.ndarray) -> float:
    """Standardised gap between a Bernoulli count and its expectation."""
    return float((observed.sum() - p.sum()) / np.sqrt((p * (1 - p)).sum()))


@pytest.mark.parametrize(
    "column,event",
    [
        ("p_completed", lambda o: o["completed"]),
        ("p_employed_12m", lambda o: o["employed_12m"]),
        ("p_employed_6m", lambda o: o["employed_6m"]),
        ("p_in_trade_12m", lambda o: o["job_matches_training"]),
        ("p_formal_12m", lambda o: o["employment_type"] == "formal"),
    ],
)
def test_sampled_rates_match_oracle(demo_joined, expected, column, event):
    out, off = demo_joined
    obs = event(out).to_numpy(bool)
    p = expected[column].to_numpy()
    assert abs(_z(obs, p)) < 4
    for level in ("so_cap", "trung_cap", "cao_dang"):  # interactions hold by level too
        m = (off["level"] == level).to_numpy()
        assert abs(_z(obs[m], p[m])) < 4, level


def test_pandemic_cohorts_match_oracle(demo_joined, expected):
    out, _ = demo_joined
    t = out["cohort"].map(world_month)
    m = ((t >= world_month("2020-03")) & (t <= world_month("2021-03"))).to_numpy()
    assert m.sum() > 1000
    assert abs(_z(out["employed_12m"].to_numpy(bool)[m], expected["p_employed_12m"][m])) < 4


def test_mean_wage_matches_oracle(demo_joined, expected):
    out, _ = demo_joined
    emp = out["employed_12m"].to_numpy(bool)
    wage = out["monthly_wage_vnd"].to_numpy(float)[emp]
    p = expected["p_employed_12m"].to_numpy()
    predicted = float((p * expected["expected_wage_vnd"]).sum() / p.sum())
    se = wage.std() / np.sqrt(len(wage))
    assert abs(wage.mean() - predicted) < 4 * se + 5_000  # wages are rounded to 10,000


def test_from_dir_equals_for_world(oracle, demo_joined):
    out, off = demo_joined
    a = oracle.expected(out.head(500), off.head(500), period=out["cohort"].head(500))
    b = Oracle.for_world(seed=42, scale="demo").expected(
        out.head(500), off.head(500), period=out["cohort"].head(500)
    )
    pd.testing.assert_frame_equal(a, b)


def test_default_period_is_now_plus_duration(oracle, demo_joined):
    out, off = demo_joined
    lrn, o = out.head(50), off.head(50)
    grad = [world_label(world_month(oracle.now) + int(d)) for d in o["duration_months"]]
    pd.testing.assert_frame_equal(oracle.expected(lrn, o), oracle.expected(lrn, o, period=grad))


def test_missing_sex_is_population_average(oracle, demo_joined):
    out, off = demo_joined
    lrn, o = out.head(200).copy(), off.head(200)
    f = oracle.expected(lrn.assign(sex="F"), o, period=lrn["cohort"])
    m = oracle.expected(lrn.assign(sex="M"), o, period=lrn["cohort"])
    u = oracle.expected(lrn.drop(columns="sex"), o, period=lrn["cohort"])
    mix = POP_FEMALE * f["p_formal_12m"] + (1 - POP_FEMALE) * m["p_formal_12m"]
    np.testing.assert_allclose(u["p_formal_12m"], mix, rtol=1e-12)
    assert (f["p_formal_12m"] < m["p_formal_12m"]).all()


def test_contract_columns_only_are_enough(oracle, demo_joined):
    """A learner profile of the three required columns gets an answer."""
    out, off = demo_joined
    lrn = out.head(20)[["age", "home_province_code", "education_level"]]
    e = oracle.expected(lrn, off.head(20))
    assert e.notna().all().all()
    assert (
        ((e[["p_completed", "p_employed_12m"]] > 0) & (e[["p_completed", "p_employed_12m"]] < 1))
        .all()
        .all()
    )


def test_oracle_is_fast(oracle, demo_joined):
    out, off = demo_joined
    reps = 4
    lrn = pd.concat([out] * reps, ignore_index=True)
    o = pd.concat([off] * reps, ignore_index=True)
    period = lrn["cohort"]
    best = float("inf")
    for _ in range(3):  # best of three: the machine is shared with other jobs
        start = time.perf_counter()
        oracle.expected(lrn, o, period=period)
        best = min(best, time.perf_counter() - start)
    rate = len(lrn) / best
    assert rate > 80_000, f"{rate:.0f} pairs/s"  # ≈250k/s measured on 2 busy cores


def test_accepts_contract_loaded_tables(oracle, demo_world, demo_joined, expected):
    """Frames from guidance.contract.load_dir (nullable dtypes) give the same answer."""
    from guidance.contract import load_dir

    tables = load_dir(demo_world[0])
    out = tables["outcomes"]
    off = out[["programme_id"]].merge(tables["programmes"], on="programme_id", how="left")
    e = oracle.expected(out, off, period=out["cohort"])
    np.testing.assert_allclose(e.to_numpy(), expected.to_numpy(), rtol=1e-12)

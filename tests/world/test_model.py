"""Directions and interactions of the structural model (via the oracle)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from guidance.world import Oracle
from guidance.world.outcomes import design, structural_probabilities


@pytest.fixture(scope="module")
def oracle(demo_world):
    return Oracle.from_dir(demo_world[0])


@pytest.fixture(scope="module")
def rows(demo_joined):
    out, off = demo_joined
    return out.head(3000).reset_index(drop=True), off.head(3000).reset_index(drop=True)


def _design(oracle, rows):
    out, off = rows
    from guidance.world.params import world_month

    t = np.array([world_month(c) for c in out["cohort"]])
    return design(out, off, t, oracle.world.ctx)


def test_ability_helps_more_at_cao_dang(oracle, demo_joined):
    out, off = demo_joined
    lrn = out.head(1).copy()
    gains = {}
    for level in ("so_cap", "cao_dang"):
        o = off[off["level"] == level].head(1)
        lo = oracle.expected(lrn.assign(gpa=5.5, math_score=5.0), o, period="2023-06")
        hi = oracle.expected(lrn.assign(gpa=8.5, math_score=8.5), o, period="2023-06")
        gains[level] = float(hi["p_employed_12m"].iloc[0] - lo["p_employed_12m"].iloc[0])
    assert gains["cao_dang"] > gains["so_cap"] > 0


def test_more_demand_never_lowers_employment(oracle, rows):
    x = _design(oracle, rows)
    p = oracle.world.params
    base = structural_probabilities(x, p)
    more = structural_probabilities(dataclasses.replace(x, log_ratio=x.log_ratio + 0.5), p)
    assert (more.employed > base.employed).all()
    assert (more.in_trade > base.in_trade).all()


def test_non_completers_and_immobile_far_from_home_fare_worse(oracle, rows):
    x = _design(oracle, rows)
    pr = structural_probabilities(x, oracle.world.params)
    assert (pr.employed[0] < pr.employed[1]).all()  # completion
    far = structural_probabilities(
        dataclasses.replace(x, dist_km=x.dist_km + 800), oracle.world.params
    )
    np.testing.assert_array_equal(far.employed[:, 1], pr.employed[:, 1])  # mobile: no effect
    assert (far.employed[:, 0] < pr.employed[:, 0]).all()


def test_interest_fit_raises_in_trade_employment(oracle, rows):
    x = _design(oracle, rows)
    p = oracle.world.params
    good = structural_probabilities(dataclasses.replace(x, fit=np.full_like(x.fit, 0.9)), p)
    bad = structural_probabilities(dataclasses.replace(x, fit=np.full_like(x.fit, -0.5)), p)
    assert (good.in_trade > bad.in_trade).all() and (good.completed > bad.completed).all()


def test_pandemic_cohorts_have_lower_employment(oracle, rows):
    out, off = rows
    covid = oracle.expected(out, off, period="2020-09")
    later = oracle.expected(out, off, period="2023-09")
    assert covid["p_employed_12m"].mean() < later["p_employed_12m"].mean() - 0.03


def test_wages_grow_over_time(oracle, rows):
    out, off = rows
    early = oracle.expected(out, off, period="2019-06")["expected_wage_vnd"]
    late = oracle.expected(out, off, period="2025-06")["expected_wage_vnd"]
    assert (late > early * 1.2).all()


def test_institution_quality_is_hidden_but_real(oracle, demo_tables):
    """Same programme code at different institutions: different truths."""
    prog = demo_tables["programmes"]
    out = demo_tables["outcomes"].head(1)
    code = prog["programme_code"].value_counts().index[0]
    same = prog[prog["programme_code"] == code]
    assert same["institution_id"].nunique() >= 3
    lrn = out.loc[out.index.repeat(len(same))].assign(home_province_code="01")
    e = oracle.expected(lrn, same.assign(province_code="01"), period="2024-06")
    assert e["p_completed"].nunique() >= 3

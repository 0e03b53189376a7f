"""Historical bias: sex and ethnic minority status act only through the
documented discrimination terms (formal work and wages), so audits find it."""

from __future__ import annotations

import numpy as np
import pytest

from guidance.world import Oracle


@pytest.fixture(scope="module")
def unbiased(demo_world, demo_joined):
    out, off = demo_joined
    return Oracle.from_dir(demo_world[0]).expected(
        out, off, period=out["cohort"], discrimination=False
    )


def _z(obs, p):
    return float((obs.sum() - p.sum()) / np.sqrt((p * (1 - p)).sum()))


def test_women_and_minorities_get_less_formal_work_than_unbiased_world(demo_joined, unbiased):
    out, _ = demo_joined
    formal = (out["employment_type"] == "formal").to_numpy()
    p = unbiased["p_formal_12m"].to_numpy()
    female = (out["sex"] == "F").to_numpy()
    minority = out["ethnic_minority"].to_numpy(bool)
    men_majority = ~female & ~minority & (out["sex"] == "M").to_numpy()
    assert abs(_z(formal[men_majority], p[men_majority])) < 4  # no penalty: as predicted
    assert _z(formal[female & ~minority], p[female & ~minority]) < -3
    assert _z(formal[minority & ~female], p[minority & ~female]) < -3
    ratio = {
        g: formal[m].sum() / p[m].sum()
        for g, m in {"F": female, "M": men_majority, "EM": minority}.items()
    }
    assert ratio["F"] < ratio["M"] and ratio["EM"] < ratio["M"]


def test_women_earn_less_than_the_unbiased_world_predicts(demo_joined, unbiased):
    out, _ = demo_joined
    emp = out["employed_12m"].to_numpy(bool)
    wage = out["monthly_wage_vnd"].to_numpy(float)
    p, ew = unbiased["p_employed_12m"].to_numpy(), unbiased["expected_wage_vnd"].to_numpy()
    gap = {}
    for sex in ("F", "M"):
        m = (out["sex"] == sex).to_numpy() & ~out["ethnic_minority"].to_numpy(bool)
        gap[sex] = wage[m & emp].mean() / ((p[m] * ew[m]).sum() / p[m].sum())
    assert gap["F"] < 0.97 * gap["M"]


@pytest.mark.parametrize("column", ["sex", "ethnic_minority"])
def test_protected_attributes_act_only_through_discrimination(demo_world, demo_joined, column):
    out, off = demo_joined
    lrn, o = out.head(2000), off.head(2000)
    oracle = Oracle.from_dir(demo_world[0])
    a_val, b_val = ("F", "M") if column == "sex" else (True, False)
    a = oracle.expected(lrn.assign(**{column: a_val}), o, period=lrn["cohort"])
    b = oracle.expected(lrn.assign(**{column: b_val}), o, period=lrn["cohort"])
    for col in ("p_completed", "p_employed_12m", "p_in_trade_12m", "p_employed_6m"):
        np.testing.assert_array_equal(a[col], b[col])
    assert (a["p_formal_12m"] < b["p_formal_12m"]).all()
    assert (a["expected_wage_vnd"] < b["expected_wage_vnd"]).all()
    fa = oracle.expected(
        lrn.assign(**{column: a_val}), o, period=lrn["cohort"], discrimination=False
    )
    fb = oracle.expected(
        lrn.assign(**{column: b_val}), o, period=lrn["cohort"], discrimination=False
    )
    np.testing.assert_array_equal(fa.to_numpy(), fb.to_numpy())

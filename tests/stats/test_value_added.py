"""Value added: a hand-computed institution, and the published table on a generated world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance.stats.disclosure import publish
from guidance.stats.tables import outcome_tables
from guidance.stats.value_added import institution_value_added, publish_value_added, value_added


def test_value_added_by_hand():
    # 4 respondents, p = 0.5, 0.5, 0.8, 0.2; employed 1, 1, 1, 0
    # O = 3, E = 2.0, VA = (3 - 2) / 4 = 0.25
    # Var·n² = Σp(1-p) + n·p̂(1-p̂) = (0.25 + 0.25 + 0.16 + 0.16) + 4·0.75·0.25 = 0.82 + 0.75
    # se = sqrt(1.57) / 4 = 0.313249; half = 1.959964·0.313249 = 0.613957
    inst = pd.DataFrame(
        {
            "cohort": ["2024"],
            "institution_id": ["I1"],
            "province_code": ["01"],
            "cohorts": ["2024"],
            "pooled": [False],
            "respondents": [4],
            "answered_12m": [4],
            "employed_12m": [3],
            "expected_12m": [2.0],
            "expected_var_12m": [0.82],
        }
    )
    r = value_added(inst).iloc[0]
    assert r["observed_12m"] == 0.75 and r["expected_12m"] == 0.5
    assert r["value_added"] == pytest.approx(0.25)
    assert r["value_added_lo"] == pytest.approx(0.25 - 0.613957, abs=1e-6)
    assert r["value_added_hi"] == pytest.approx(0.25 + 0.613957, abs=1e-6)


def test_needs_expected_column(world_tables):
    raw = outcome_tables(world_tables("tiny", 1), groupings=["institution"])
    with pytest.raises(ValueError, match="expected"):
        value_added(raw["institution"])


def test_published_value_added(world_tables):
    tables = world_tables("demo", 1)
    out = tables["outcomes"]
    # an intake model that knows each institution's true rate: value added is then ~0
    prog = tables["programmes"].set_index("programme_id")["institution_id"]
    inst = out["programme_id"].map(prog)
    p_own = (
        out["employed_12m"]
        .astype(float)
        .groupby([inst, out["cohort"].str[:4]])
        .transform("mean")
        .to_numpy()
    )
    raw = outcome_tables(tables, expected=pd.Series(p_own))
    va = value_added(raw["institution"])
    single = ~va["pooled"].to_numpy()
    assert np.abs(va.loc[single, "value_added"]).max() < 1e-9
    # a uniform expectation: value added = observed rate - that constant
    va2 = institution_value_added(tables, np.full(len(out), 0.5))
    pub = publish(outcome_tables(tables))
    t = pub.tables["institution"]
    assert (va2["suppressed"].to_numpy() == t["suppressed"].to_numpy()).all()
    shown = ~va2["suppressed"]
    assert shown.any() and (~shown).any()
    assert va2.loc[~shown, ["value_added_pp", "respondents", "observed_12m_pct"]].isna().all().all()
    assert (va2.loc[shown, "respondents"] % 5 == 0).all()
    assert (pub.raw["institution"].loc[shown.to_numpy(), "respondents"] >= 20).all()
    diff = va2.loc[shown, "observed_12m_pct"] - 50 - va2.loc[shown, "value_added_pp"]
    assert diff.abs().max() <= 1  # both rounded to whole percent
    assert (va2.loc[shown, "value_added_lo_pp"] <= va2.loc[shown, "value_added_pp"]).all()
    assert (va2.loc[shown, "value_added_hi_pp"] >= va2.loc[shown, "value_added_pp"]).all()
    assert (va2.loc[~shown, "suppressed_vi"].notna()).all()


def test_misaligned_tables_refused(world_tables):
    raw = outcome_tables(world_tables("tiny", 1), expected=None)
    pub = publish(raw)
    raw_e = outcome_tables(
        world_tables("tiny", 1),
        expected=pd.Series(np.full(len(world_tables("tiny", 1)["outcomes"]), 0.5)),
    )
    va = value_added(raw_e["institution"]).iloc[::-1]
    with pytest.raises(ValueError, match="aligned"):
        publish_value_added(va.iloc[1:], pub.tables["institution"])

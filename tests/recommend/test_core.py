"""Behavioural tests of the recommender on a tiny seeded world."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from guidance.recommend.score import wilson_interval
from guidance.recommend.types import Preferences, Weights

WIDE = {"willing_to_relocate": True}


def _strip(rec_dict: dict) -> dict:
    rec_dict = dict(rec_dict)
    rec_dict.pop("timings_ms")
    return rec_dict


def test_items_are_eligible_ranked_and_breakdown_sums(make_recommender, learner):
    rec = make_recommender()
    r = rec.recommend(learner, WIDE, k=8)
    assert 0 < len(r.items) <= 8
    assert [it.rank for it in r.items] == list(range(1, len(r.items) + 1))
    scores = [it.score for it in r.items]
    assert scores == sorted(scores, reverse=True)
    for it in r.items:
        assert sum(it.components.values()) == pytest.approx(it.score, abs=1e-12)
        lo, hi = it.p_employed_12m_interval
        assert lo <= it.p_employed_12m <= hi
        assert it.wage_q25 <= it.wage_q50 <= it.wage_q75
    assert r.demand_period == rec.demand_period and r.model_version == "test"


def test_ineligible_offerings_never_appear(make_recommender, learner, tiny_tables):
    prog = tiny_tables["programmes"]
    rec = make_recommender()
    inactive = set(prog.loc[~prog["active"].fillna(True).astype(bool), "programme_id"])
    assert inactive, "the tiny world should have inactive offerings"
    low = {**learner, "education_level": 9}
    prefs = Preferences(
        levels=["so_cap", "trung_cap"],
        max_tuition_vnd_per_year=15_000_000,
        max_duration_months=24,
        willing_to_relocate=True,
    )
    r = rec.recommend(low, prefs, k=50)
    assert r.items
    by_id = prog.set_index("programme_id")
    for it in r.items:
        row = by_id.loc[it.programme_id]
        assert it.programme_id not in inactive
        assert row["min_education"] <= 9
        assert row["level"] in ("so_cap", "trung_cap")
        assert row["tuition_vnd_per_year"] <= 15_000_000
        assert row["duration_months"] <= 24
    home_only = rec.recommend(learner, {"provinces": [learner["home_province_code"]]}, k=50)
    assert {it.province_code for it in home_only.items} == {learner["home_province_code"]}


def test_default_location_is_home_and_neighbouring_provinces(make_recommender, learner):
    from guidance.geo import near_area

    rec = make_recommender()
    area = near_area(learner["home_province_code"])
    r = rec.recommend(learner, {}, k=50)
    assert r.items and all(it.province_code in area for it in r.items)
    far = rec.recommend(learner, {"max_distance_km": 0}, k=50)
    assert all(it.distance_km == 0 for it in far.items)


def test_protected_attributes_never_change_the_output(make_recommender, learner):
    rec = make_recommender()
    outputs = []
    for sex in ("F", "M", "X", None):
        for minority in (True, False, None):
            r = rec.recommend({**learner, "sex": sex, "ethnic_minority": minority}, WIDE, k=10)
            outputs.append(_strip(r.to_dict()))
    assert all(o == outputs[0] for o in outputs[1:])


def test_more_demand_never_lowers_the_demand_component(make_recommender, tiny_tables):
    rec = make_recommender(fresh=True)
    side, cat = rec.side, rec.cat
    idx = np.arange(len(cat))
    ahead = np.nan_to_num(cat.duration)
    before = side.demand_component(ahead, idx)
    occ = side.first_target[int(np.nanargmax(side.vacancies))]
    dem = tiny_tables["demand"].copy()
    recent = dem["period"] >= sorted(dem["period"].unique())[-3]
    hit = recent & (dem["occupation_code"] == occ)
    dem.loc[hit, "vacancies"] = (dem.loc[hit, "vacancies"] * 2 + 5).astype("Int64")
    rec.set_demand(dem)
    after = side.demand_component(ahead, idx)
    assert np.all(after >= before - 1e-12)
    touched = np.array([occ in t.split(";") for t in side.targets])
    assert np.any(after[touched] > before[touched])
    assert np.array_equal(after[~touched], before[~touched])


def test_obvious_case_ranks_first(make_recommender, learner, tiny_tables):
    """Two copies of one programme: at home and free, or far away and dear."""
    prog = tiny_tables["programmes"]
    base = prog[prog["active"].fillna(True).astype(bool)].iloc[0]
    home = learner["home_province_code"]
    prov = tiny_tables["provinces"].set_index("province_code")
    taught = prov.loc[prog["province_code"].unique()]  # regions the models have seen
    far = (taught["lat"] - prov.loc[home, "lat"]).abs().idxmax()
    good = base.copy()
    good[["programme_id", "programme_code", "province_code", "tuition_vnd_per_year"]] = [
        "PGOOD",
        "CODE-GOOD",
        home,
        0,
    ]
    bad = base.copy()
    bad[["programme_id", "programme_code", "province_code", "tuition_vnd_per_year"]] = [
        "PBAD",
        "CODE-BAD",
        far,
        60_000_000,
    ]
    extra = pd.DataFrame([good, bad]).astype(prog.dtypes.to_dict())
    rec = make_recommender(programmes=pd.concat([prog, extra], ignore_index=True))
    cost_and_distance = Weights(
        match=0, employed=0, completion=0, wage=0, demand=0, interest=0, cost=1, distance=1
    )
    r = rec.rank(learner, {"provinces": [home, far]}, cost_and_distance, shortlist=0)
    ids = list(rec.cat.ids[r.idx])
    assert r.score[ids.index("PGOOD")] == r.score.max() == 0.0
    assert ids.index("PGOOD") < ids.index("PBAD")
    assert ids[-1] == "PBAD" or r.score[-1] == r.score[ids.index("PBAD")]
    only_match = rec.rank(
        learner,
        WIDE,
        Weights(employed=0, completion=0, wage=0, demand=0, interest=0, cost=0, distance=0),
        shortlist=0,
    )
    best = int(np.argmax(only_match.preds["p_job_matches_training"]))
    assert (
        only_match.preds["p_job_matches_training"][0]
        == only_match.preds["p_job_matches_training"][best]
    )


def test_small_cells_and_cold_start_are_flagged(make_recommender, learner):
    from guidance.features import MIN_CELL

    rec = make_recommender(shortlist=0)
    r = rec.rank(learner, WIDE)
    seen = {"small": 0, "cold": 0, "pred": 0}
    for j in range(len(r.idx)):
        it = rec._item(r, j, j + 1, [], True)
        b = it.basis
        text = " ".join(it.reasons_en)
        if b.n_graduates < MIN_CELL:
            assert b.observed_employed_12m is None and b.observed_job_matches_training is None
            assert "Observed" not in text and "quan sát được" not in " ".join(it.reasons_vi)
        if 0 < b.n_graduates < MIN_CELL:
            seen["small"] += 1
            assert "small_sample" in it.flags and "not an observed rate" in text
        if b.n_graduates == 0:
            seen["cold"] += 1
            assert b.cold_start and b.cold_start_method == "attributes"
            assert "new_programme" in it.flags and "no graduates yet" in text
        if b.cold_start_method == "predecessor":
            seen["pred"] += 1
            assert "predecessor" in text
        if b.n_graduates >= MIN_CELL:
            assert f"{b.n_graduates} graduates" in text
    assert seen["cold"] + seen["small"] + seen["pred"] > 0


def test_diversity_cap_lists_alternatives(make_recommender, learner):
    rec = make_recommender(max_per_code=1, shortlist=0)
    r = rec.recommend(learner, WIDE, k=40)
    codes = [it.programme_code for it in r.items]
    assert len(codes) == len(set(codes))
    shown = {it.programme_id for it in r.items}
    n_alts = 0
    for it in r.items:
        for alt in it.alternatives:
            n_alts += 1
            assert alt.programme_id not in shown
            code = rec.catalogue_columns()["programme_code"][rec.position(alt.programme_id)]
            assert code == it.programme_code
            assert alt.score <= it.score
    assert n_alts > 0
    two = make_recommender(max_per_code=2, shortlist=0).recommend(learner, WIDE, k=40)
    assert max(pd.Series([it.programme_code for it in two.items]).value_counts()) <= 2


def test_reasons_are_vietnamese_and_state_their_basis(make_recommender, learner):
    rec = make_recommender()
    r = rec.recommend(learner, WIDE, k=5)
    for it in r.items:
        vi = " ".join(it.reasons_vi)
        assert unicodedata.normalize("NFC", vi) == vi
        assert "việc làm sau 12 tháng" in vi and "Mô hình phiên bản test" in vi
        assert f"kỳ {r.demand_period}" in vi
        assert f"{round(100 * it.p_employed_12m)}%" in vi
        assert f"period {r.demand_period}" in " ".join(it.reasons_en)


def test_interval_narrows_with_more_graduates():
    lo_small, hi_small = wilson_interval(np.array([0.7]), np.array([0]))
    lo_big, hi_big = wilson_interval(np.array([0.7]), np.array([2000]))
    assert hi_small - lo_small > 3 * (hi_big - lo_big)
    assert lo_big < 0.7 < hi_big

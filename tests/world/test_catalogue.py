"""Institutions and offerings look like Vietnam's vocational system."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from guidance import reference
from guidance.world.params import N_COHORT_MONTHS, world_month


@pytest.fixture(scope="module")
def programmes(demo_tables):
    return demo_tables["programmes"]


def test_institution_names_are_vietnamese(programmes):
    names = programmes["institution_name"].unique()
    assert all(unicodedata.normalize("NFC", n) == n for n in names)
    prefixes = ("Trường Cao đẳng ", "Trường Trung cấp ", "Trung tâm Giáo dục nghề nghiệp ")
    assert all(n.startswith(prefixes) for n in names)
    assert any(n.startswith("Trường Cao đẳng") for n in names)
    assert programmes.groupby("institution_id")["institution_name"].nunique().eq(1).all()
    assert programmes.drop_duplicates("institution_id")["institution_name"].is_unique


def test_every_province_has_a_school_and_big_ones_most(programmes):
    inst = programmes.drop_duplicates("institution_id")
    assert inst["province_code"].nunique() == 34
    counts = inst["province_code"].value_counts()
    assert counts.get("01", 0) + counts.get("79", 0) >= 6  # Hà Nội, Hồ Chí Minh
    assert counts.get("01", 0) > counts.get("12", 0)  # Lai Châu


def test_offerings_come_from_the_national_catalogue(programmes):
    cat = reference.training_occupations()
    known = set(cat["programme_code"].astype(str))
    assert set(programmes["programme_code"]) <= known
    assert programmes["programme_id"].is_unique
    min_edu = programmes["level"].map({"so_cap": 0, "trung_cap": 9, "cao_dang": 12})
    assert (programmes["min_education"] == min_edu).all()


def test_tuition_by_level_and_sector(programmes):
    med = programmes.groupby("level")["tuition_vnd_per_year"].median()
    assert med["so_cap"] < med["trung_cap"] < med["cao_dang"]
    assert (programmes["tuition_vnd_per_year"] % 100_000 == 0).all()


def test_reformed_offerings_replace_inactive_predecessors(demo_tables, programmes):
    succ = programmes[programmes["predecessor_id"].notna()]
    assert len(succ) > 0
    pred = programmes.set_index("programme_id").loc[succ["predecessor_id"]]
    assert not pred["active"].any()
    assert (pred["institution_id"].to_numpy() == succ["institution_id"].to_numpy()).all()
    out = demo_tables["outcomes"]
    t = out["cohort"].map(world_month)
    first_new = out[out["programme_id"].isin(succ["programme_id"])].groupby("programme_id")
    last_old = out[out["programme_id"].isin(pred.index)].groupby("programme_id")
    old_end = t.groupby(out["programme_id"]).max()
    new_start = t.groupby(out["programme_id"]).min()
    for _, r in succ.iterrows():
        if r["programme_id"] in new_start and r["predecessor_id"] in old_end:
            assert new_start[r["programme_id"]] > old_end[r["predecessor_id"]]
    assert len(first_new) > 0 and len(last_old) > 0


def test_some_active_offerings_have_no_graduates_yet(demo_tables, programmes):
    out = demo_tables["outcomes"]
    without = set(programmes.loc[programmes["active"], "programme_id"]) - set(out["programme_id"])
    assert len(without) >= 5
    assert out["cohort"].map(world_month).max() < N_COHORT_MONTHS


def test_learners_meet_entry_requirements(demo_joined):
    out, off = demo_joined
    assert (out["education_level"] >= off["min_education"]).all()
    assert out["age"].between(14, 70).all()
    assert out["age"].between(15, 22).mean() > 0.7
    assert set(out["sex"]) <= {"F", "M", "X"}
    for c in ("riasec_r", "riasec_i", "riasec_a", "riasec_s", "riasec_e", "riasec_c"):
        assert out[c].between(0, 1).all()
    assert out["gpa"].dropna().between(0, 10).all()


def test_minorities_concentrate_in_mountains_and_highlands(demo_joined):
    out, _ = demo_joined
    prov = reference.provinces().set_index("province_code")["region"]
    region = out["home_province_code"].map(prov)
    share = out.groupby(region)["ethnic_minority"].mean()
    assert share["northern_midlands_mountains"] > 3 * share["red_river_delta"]
    assert share["central_highlands"] > 2 * share["southeast"]


def test_learners_mostly_live_near_their_school(demo_joined):
    out, off = demo_joined
    assert (out["home_province_code"] == off["province_code"]).mean() > 0.5


def test_outcome_fields_are_consistent(demo_joined):
    out, off = demo_joined
    emp = out["employed_12m"]
    assert (out.loc[~emp, "employment_type"] == "none").all()
    assert out.loc[~emp, ["occupation_code", "monthly_wage_vnd"]].isna().all().all()
    assert out.loc[emp, ["occupation_code", "job_province_code"]].notna().all().all()
    targets = off["target_occupations"].str.split(";")
    match = pd.Series(
        [
            o in t if isinstance(o, str) else False
            for o, t in zip(out["occupation_code"], targets, strict=False)
        ]
    )
    assert (match.to_numpy() == out["job_matches_training"].to_numpy()).all()

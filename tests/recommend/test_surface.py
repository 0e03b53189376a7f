"""The recommender's public surface: it leaves the caller's models alone, answers why an
offering is excluded, builds valid result types, and is read only through its accessors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from guidance.errors import UnknownProgramme, UnknownProvince
from guidance.recommend.core import EXTEND_MAX_FACTOR
from guidance.recommend.loading import build_recommender
from guidance.recommend.types import Item, LearnerProfile, Preferences, Recommendation

WIDE = {"willing_to_relocate": True}
ROOT = Path(__file__).resolve().parents[2]


def _older_demand(tables: dict):  # noqa: ANN202 - DataFrame
    dem = tables["demand"]
    periods = sorted(dem["period"].unique())
    return dem[dem["period"] <= periods[-4]].reset_index(drop=True)


def test_the_callers_models_are_never_changed(tiny_models, tiny_tables, learner):
    before = tiny_models.features.demand_
    pipelines = dict(tiny_models.pipelines)
    older = _older_demand(tiny_tables)
    rec = build_recommender(tiny_models, tiny_tables, older, model_version="t")
    assert rec.demand_period < before.last_period  # it serves the older snapshot ...
    assert tiny_models.features.demand_ is before  # ... the caller's bundle does not
    assert tiny_models.pipelines == pipelines
    rec.set_demand(tiny_tables["demand"])
    assert rec.demand_period == before.last_period
    assert tiny_models.features.demand_ is before
    # without a demand argument the bundle's own snapshot is served, still on a copy
    same = build_recommender(tiny_models, {**tiny_tables, "demand": None})
    assert same.demand_period == before.last_period and same.models is not tiny_models


def test_build_recommender_passes_the_shortlist(tiny_models, tiny_tables, learner):
    default = build_recommender(tiny_models, tiny_tables, model_version="v9")
    small = build_recommender(tiny_models, tiny_tables, shortlist=5)
    assert default.model_version == "v9" and small.shortlist == 5
    r = small.recommend(learner, WIDE, k=3)
    # the shortlist starts at 5 and grows (adaptive) by at most EXTEND_MAX_FACTOR × 5
    assert 5 <= r.n_scored <= min(EXTEND_MAX_FACTOR * 5, r.n_eligible)
    assert r.n_eligible > 5


def test_why_excluded_names_the_rules(make_recommender, learner):
    rec = make_recommender()
    profile = LearnerProfile.model_validate(learner)
    prefs = Preferences(levels=["so_cap"], willing_to_relocate=True)
    eligible = set(rec.programme_ids[rec.eligible_mask(profile, prefs)])
    cols = rec.catalogue_columns()
    levels = rec.offerings["level"].astype(str).to_numpy()
    assert eligible and eligible <= {
        pid for pid, lv in zip(cols["programme_id"], levels, strict=True) if lv == "so_cap"
    }
    for pid, lv in zip(cols["programme_id"], levels, strict=True):
        why = rec.why_excluded(profile, prefs, pid)
        assert (why == []) == (pid in eligible)
        if lv != "so_cap":
            assert "level" in why
    # a learner without the schooling an offering asks for: the education rule
    need = rec.offerings["min_education"].astype("Float64").fillna(0).to_numpy()
    hard = str(cols["programme_id"][int(np.argmax(need))])
    low = profile.model_copy(update={"education_level": 5})
    assert "education" in rec.why_excluded(low, WIDE, hard)
    with pytest.raises(UnknownProgramme) as info:
        rec.why_excluded(profile, prefs, "NO-SUCH-ID")
    assert info.value.field == "programme_id" and info.value.message_vi


def test_items_are_the_eligible_best(make_recommender, learner):
    rec = make_recommender()
    profile = LearnerProfile.model_validate(learner)
    prefs = Preferences(willing_to_relocate=True)
    r = rec.recommend(profile, prefs, k=10)
    eligible = rec.programme_ids[rec.eligible_mask(profile, prefs)]
    assert set(r.ids()) <= set(eligible)
    assert r.n_eligible == len(eligible)


def test_unknown_home_province_is_a_domain_error(make_recommender, learner):
    rec = make_recommender()
    with pytest.raises(UnknownProvince) as info:
        rec.recommend({**learner, "home_province_code": "99"})
    err = info.value
    assert err.field == "home_province_code" and err.rule == "known_province"
    assert "'99'" in err.message_en and "'99'" in err.message_vi
    assert not isinstance(err, ValueError)  # never confused with a bug's ValueError


def test_offering_facts_match_the_items_basis(make_recommender, learner):
    rec = make_recommender()
    r = rec.recommend(learner, WIDE, k=10)
    for it in r.items:
        facts = rec.offering_facts(it.programme_id)
        assert facts["n_graduates"] == it.basis.n_graduates
        assert facts["small_cell"] == it.basis.small_cell
        assert facts["observed_employed_12m"] == it.basis.observed_employed_12m
        if facts["n_graduates"] < 20:
            assert facts["observed_employed_12m"] is None
        assert it.demand.occupation_code in (facts["first_target_occupation"] or None, None)


def test_results_built_cheaply_are_valid_types(make_recommender, learner):
    rec = make_recommender()
    r = rec.recommend(learner, WIDE, k=10)
    again = Recommendation.model_validate(r.model_dump())  # what the API validates
    assert again.ids() == r.ids()
    for it in r.items:
        Item.model_validate(it.model_dump())
        assert len(it.p_employed_12m_interval) == 2
    assert "timings_ms" not in r.model_dump() and r.timings_ms["total_ms"] > 0
    assert r.to_dict()["timings_ms"] == r.timings_ms


def test_nothing_outside_the_core_reads_the_recommenders_internals():
    pattern = re.compile(r"\b(rec|recommender|self\.rec|cur\.recommender)\.(cat|side)\b")
    offenders = []
    for top in ("src", "training"):
        for path in (ROOT / top).rglob("*.py"):
            if path.name == "core.py" and path.parent.name == "recommend":
                continue
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not offenders, offenders

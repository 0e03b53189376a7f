"""The fast path reproduces the fitted pipeline exactly (else the recommender falls back)."""

from __future__ import annotations

import numpy as np
import pytest

from guidance.features import LEARNER_COLUMNS
from guidance.model import PREDICTION_COLUMNS
from guidance.recommend.scorer import PipelineScorer


def test_fast_path_is_used_and_matches_the_pipeline(make_recommender, learner):
    rec = make_recommender()
    assert rec.scorer.name == "fast"
    ref = PipelineScorer(rec.models, rec.cat)
    idx = np.arange(len(rec.cat))
    start = rec.demand_period
    for change in ({}, {"gpa": None, "riasec_r": None}, {"home_province_code": "79", "age": 40}):
        full = {k: {**learner, **change}.get(k) for k in LEARNER_COLUMNS}
        got = rec.scorer.predict(full, idx, start)
        want = ref.predict(full, idx, start)
        for k in PREDICTION_COLUMNS:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-12)


def test_fast_and_pipeline_recommenders_agree(make_recommender, learner):
    fast = make_recommender().recommend(learner, {"willing_to_relocate": True}, k=10)
    slow = make_recommender(scorer="pipeline").recommend(learner, {"willing_to_relocate": True},
                                                        k=10)
    assert fast.ids() == slow.ids()
    assert [it.score for it in fast.items] == pytest.approx([it.score for it in slow.items])


def test_fast_path_refuses_a_model_it_cannot_reproduce(make_recommender, monkeypatch):
    from guidance.recommend.fastscore import FastScorer

    rec = make_recommender()
    original = FastScorer.matrix

    def drifted(self, learner, idx, start):  # e.g. features.py changed a formula
        X = original(self, learner, idx, start)
        X[:, self.col["distance_km"]] += 250.0
        return X

    monkeypatch.setattr(FastScorer, "matrix", drifted)
    with pytest.raises(TypeError, match="differs"):
        FastScorer(rec.models, rec.cat)
    assert make_recommender(fresh=True).scorer.name == "pipeline"


def test_start_before_the_snapshot_end_uses_the_pipeline(make_recommender, learner):
    """The demand window then moves, which the precomputed offering side cannot follow."""
    fast, slow = make_recommender(), make_recommender(scorer="pipeline")
    prefs = {"willing_to_relocate": True, "start_period": "2025-01"}
    a, b = fast.recommend(learner, prefs, k=5), slow.recommend(learner, prefs, k=5)
    assert a.start_period == "2025-01" and a.ids() == b.ids()
    assert [it.score for it in a.items] == pytest.approx([it.score for it in b.items])


def test_swapping_demand_changes_period_and_indicators(make_recommender, tiny_tables):
    rec = make_recommender(fresh=True)
    dem = tiny_tables["demand"]
    last = sorted(dem["period"].unique())[-1]
    rec.set_demand(dem[dem["period"] < last])
    assert rec.demand_period < last
    assert rec.scorer.demand_t == rec.side.demand_t

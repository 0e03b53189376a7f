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
    slow = make_recommender(scorer="pipeline").recommend(
        learner, {"willing_to_relocate": True}, k=10
    )
    assert fast.ids() == slow.ids()
    assert [it.score for it in fast.items] == pytest.approx([it.score for it in slow.items])


def test_fast_path_refuses_a_model_it_cannot_reproduce(make_recommender, monkeypatch):
    from guidance.recommend.fastscore import FastScorer

    rec = make_recommender()
    original = FastScorer.dependent

    def drifted(self, learner, idx, start):  # e.g. the fast path's own distance formula
        cols = original(self, learner, idx, start)
        cols[self.col["distance_km"]] = cols[self.col["distance_km"]] + 250.0
        return cols

    monkeypatch.setattr(FastScorer, "dependent", drifted)
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


def test_shortlist_proxy_equals_the_linear_model_on_the_full_matrix(make_recommender, learner):
    """A proxy adds only the learner-dependent terms to the offerings' own, summed once at
    refresh; that must be the logistic part evaluated on the whole feature matrix, for
    every classifier whose blend has one."""
    from guidance.recommend.forest import expit

    rec = make_recommender()
    sc = rec.scorer
    # the fixture's classifiers are blends with a logistic part: each proxy is that part
    assert sc.proxy_part is not None and sc.proxy_forest is None
    idx = np.arange(len(rec.cat))
    for change in ({}, {"riasec_r": None, "education_level": 9}, {"home_province_code": "79"}):
        full = {k: {**learner, **change}.get(k) for k in LEARNER_COLUMNS}
        X = sc.matrix(full, idx, rec.demand_period)
        for figure in ("p_job_matches_training", "p_employed_12m", "p_completed"):
            (part,) = sc.reads[figure][1]
            np.testing.assert_allclose(
                sc.proxy(full, idx, rec.demand_period, figure),
                expit(sc.linear[part](X)),
                rtol=1e-12,
                atol=1e-12,
                err_msg=figure,
            )
    assert sc.reads["p_job_matches_training"][1] == {sc.proxy_part}
    assert sc.proxy(full, idx, rec.demand_period, "wage_q50") is None  # no logistic part


def test_compiled_forest_walks_trees_as_scikit_learn_does():
    """NaN, negative and unseen categories, and values on a threshold, against
    ``predict`` of gradient-boosting models with native categorical features."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    from guidance.recommend.forest import FlatForest
    from guidance.recommend.hgb_adapter import raw_predict

    rng = np.random.default_rng(3)
    n = 3000
    X = np.column_stack(
        [
            rng.integers(0, 6, n).astype(float),
            rng.normal(size=n),
            rng.integers(0, 4, n).astype(float),
        ]
    )
    X[rng.random(n) < 0.1, 1] = np.nan
    X[rng.random(n) < 0.1, 0] = np.nan
    y = (X[:, 0] % 2 == 0) ^ (np.nan_to_num(X[:, 1]) > 0.3) ^ (rng.random(n) < 0.1)
    clf = HistGradientBoostingClassifier(
        max_iter=30, categorical_features=[0, 2], random_state=0
    ).fit(X, y)
    reg = HistGradientBoostingRegressor(
        max_iter=20, max_depth=8, categorical_features=[0], random_state=0
    ).fit(X, np.nan_to_num(X[:, 1]) * 2 + X[:, 2])
    probe = np.vstack(
        [
            X[:500],
            [
                [7.0, 0.0, 1.0],
                [-1.0, 0.5, 2.0],
                [np.nan, np.nan, np.nan],
                [2.0, float(np.nanmedian(X[:, 1])), 9.0],
            ],
        ]
    )
    raw = FlatForest([clf, reg]).raw(probe)
    np.testing.assert_allclose(raw[:, 0], raw_predict(clf, probe)[:, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(raw[:, 1], raw_predict(reg, probe)[:, 0], rtol=1e-12, atol=1e-12)
    # the numpy walk (command line, no numba) gives the same bits as the compiled loop
    np.testing.assert_array_equal(FlatForest([clf, reg], kernel="numpy").raw(probe), raw)


def test_numpy_kernel_scores_every_offering_as_the_compiled_one(make_recommender, learner):
    from guidance.recommend.fastscore import FastScorer

    rec = make_recommender()
    slow = FastScorer(rec.models, rec.cat, kernel="numpy")  # passes the load-time probe too
    assert slow.forest.kernel == "numpy" and rec.scorer.forest.kernel == "numba"
    idx = np.arange(len(rec.cat))
    for change in ({}, {"gpa": None, "riasec_r": None}, {"home_province_code": "79", "age": 40}):
        full = {k: {**learner, **change}.get(k) for k in LEARNER_COLUMNS}
        got = slow.predict(full, idx, rec.demand_period)
        want = rec.scorer.predict(full, idx, rec.demand_period)
        for k in PREDICTION_COLUMNS:
            np.testing.assert_array_equal(got[k], want[k], err_msg=k)


def test_without_numba_the_forest_walks_in_numpy(make_recommender, monkeypatch, caplog):
    import sys

    from guidance.recommend.forest import FlatForest

    rec = make_recommender()
    forest = rec.scorer.forest
    X = rec.scorer.matrix(
        {k: None for k in LEARNER_COLUMNS} | {"age": 20, "home_province_code": "01"},
        np.arange(len(rec.cat)),
        rec.demand_period,
    )
    want = forest.raw(X)
    lone = FlatForest.__new__(FlatForest)
    lone.__dict__.update(forest.__dict__)
    monkeypatch.setitem(sys.modules, "guidance.recommend._kernels", None)  # import fails
    with caplog.at_level("WARNING", logger="guidance.recommend"):
        got = lone.raw(X)
    assert lone.kernel == "numpy" and "numba unavailable" in caplog.text
    np.testing.assert_array_equal(got, want)


def test_adapter_accepts_only_the_tested_scikit_learn_versions():
    from guidance.recommend.hgb_adapter import UnsupportedScikitLearn, check_version

    check_version("1.9.1")
    check_version("1.9.0rc1")
    for v in ("1.8.2", "1.10.0", "2.0.0", "dev"):
        with pytest.raises(UnsupportedScikitLearn):
            check_version(v)


def _refuse_this_version(monkeypatch):
    from guidance.recommend import hgb_adapter

    monkeypatch.setattr(hgb_adapter, "TESTED", ((0, 1),))


def test_untested_scikit_learn_falls_back_logged_with_its_cause(
    make_recommender, learner, monkeypatch, caplog
):
    _refuse_this_version(monkeypatch)
    with caplog.at_level("WARNING", logger="guidance.recommend"):
        rec = make_recommender(fresh=True)
    assert rec.scorer.name == "pipeline"
    assert rec.scorer.fallback_cause == "sklearn_version"
    [record] = [r for r in caplog.records if r.name == "guidance.recommend"]
    assert record.fallback_cause == "sklearn_version"
    assert "scikit-learn" in record.getMessage()
    assert len(rec.recommend(learner, {"willing_to_relocate": True}, k=3).items) == 3


def test_probe_mismatch_cause_is_recorded(make_recommender, monkeypatch):
    from guidance.recommend.fastscore import FastScorer

    original = FastScorer.dependent

    def drifted(self, learner, idx, start):
        cols = original(self, learner, idx, start)
        cols[self.col["interest_fit"]] = 0.0
        return cols

    monkeypatch.setattr(FastScorer, "dependent", drifted)
    rec = make_recommender(fresh=True)
    assert (rec.scorer.name, rec.scorer.fallback_cause) == ("pipeline", "probe_mismatch")


def test_fallbacks_are_counted_in_metrics(tiny_models, tiny_tables, monkeypatch):
    from guidance.api.metrics import Metrics
    from guidance.recommend.candidates import Catalogue
    from guidance.recommend.scorer import make_scorer

    metrics = Metrics()
    _refuse_this_version(monkeypatch)
    cat = Catalogue(tiny_tables["programmes"], tiny_tables["provinces"])
    for _ in range(2):
        assert make_scorer(tiny_models, cat, "fast").name == "pipeline"
    text = metrics.render()[0].decode()
    assert 'guidance_scorer_fallbacks_total{cause="sklearn_version"} 2.0' in text


def test_splits_on_columns_of_one_value_are_decided_once_to_the_same_leaves():
    """A batch where columns hold one value in every row (as a learner's own columns do in
    a request: numeric, categorical, unseen category, NaN) walks the specialised trees
    (``_kernels.specialize``) to scikit-learn's raw scores and the numpy walk's bits."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from guidance.recommend.forest import FlatForest
    from guidance.recommend.hgb_adapter import raw_predict

    rng = np.random.default_rng(5)
    n = 3000
    X = np.column_stack(
        [rng.integers(0, 6, n).astype(float), rng.normal(size=n), rng.normal(size=n)]
    )
    X[rng.random(n) < 0.1, 1] = np.nan
    y = (X[:, 0] % 2 == 0) ^ (np.nan_to_num(X[:, 1]) > 0.3) ^ (X[:, 2] > 0)
    clf = HistGradientBoostingClassifier(max_iter=40, categorical_features=[0], random_state=0).fit(
        X, y
    )
    forest = FlatForest([clf])
    for c0, c1 in ((2.0, 0.5), (9.0, np.nan), (-1.0, -0.2), (np.nan, 1.0)):
        probe = np.column_stack([np.full(50, c0), np.full(50, c1), rng.normal(size=50)])
        raw = forest.raw(probe)
        np.testing.assert_allclose(raw[:, 0], raw_predict(clf, probe)[:, 0], rtol=1e-12)
        np.testing.assert_array_equal(FlatForest([clf], kernel="numpy").raw(probe), raw)
        np.testing.assert_array_equal(forest.raw(probe[:1]), raw[:1])  # one row: all fixed


def test_a_requests_candidates_score_each_batch_as_predict_does(make_recommender, learner):
    """``FastCandidates``: the learner-side columns and the forest's learner splits made
    once per request give the bits of ``predict`` on every batch, and of the proxy."""
    from guidance.recommend.fastscore import FastCandidates

    rec = make_recommender()
    sc = rec.scorer
    start = rec.demand_period
    idx = np.arange(len(rec.cat))[::-1].copy()  # not in catalogue order
    for change in ({}, {"gpa": None, "riasec_r": None}, {"home_province_code": "79", "age": 40}):
        full = {k: {**learner, **change}.get(k) for k in LEARNER_COLUMNS}
        cands = sc.candidates(full, idx, start)
        assert isinstance(cands, FastCandidates) and cands.trees is not None
        for rows in (np.arange(0, len(idx), 3), np.array([len(idx) - 1]), np.arange(5)):
            got, want = cands.predict(rows), sc.predict(full, idx[rows], start)
            for k in PREDICTION_COLUMNS:
                np.testing.assert_array_equal(got[k], want[k], err_msg=k)
        for figure in ("p_job_matches_training", "p_employed_12m", "p_completed"):
            want = sc.proxy(full, idx, start, figure)
            got = cands.proxy(figure)
            assert (got is None) == (want is None)
            if got is not None:
                np.testing.assert_array_equal(got, want)

"""Intervals that include the models' error (split conformal at the offering-group level),
and thin evidence in the ranking: the cautious P(job in the trade), the flags."""

from __future__ import annotations

import copy
from functools import partial

import numpy as np
import pandas as pd
import pytest

from guidance import conformal as cf
from guidance.features import MIN_CELL
from guidance.recommend.score import Z80, item_intervals, lower_match
from guidance.recommend.scorer import Candidates
from guidance.recommend.types import BatchRow, Weights

WIDE = {"willing_to_relocate": True}
MATCH_ONLY = Weights(employed=0, completion=0, wage=0, demand=0, interest=0, cost=0, distance=0)


def _groups(rng: np.random.Generator, n_groups: int, tau: float) -> pd.DataFrame:
    """Offering groups whose true rate misses the prediction by N(0, tau) (the model's
    error), observed through a binomial draw of the group's size."""
    p = rng.uniform(0.3, 0.9, n_groups)
    n = rng.integers(3, 40, n_groups)
    truth = np.clip(p + rng.normal(0, tau, n_groups), 0.01, 0.99)
    return pd.DataFrame(
        {
            "observed": rng.binomial(n, truth) / n,
            "predicted": p,
            "n": n,
            "n_hist": rng.choice([0, 5, 50, 500], n_groups),
            "n_ref": n.astype(float),
        }
    )


def test_conformal_covers_fresh_groups_at_the_stated_level():
    rng = np.random.default_rng(7)
    calib = cf.fit_target(_groups(rng, 600, 0.08), "employed_12m")
    assert calib is not None and calib["level"] == 0.8
    assert calib["q_low"] <= 0 <= calib["q_high"]
    fresh = _groups(rng, 2000, 0.08)
    lo, hi = cf.bounds(calib, fresh["predicted"], fresh["n_hist"], fresh["n_ref"])
    inside = ((fresh["observed"] >= lo) & (fresh["observed"] <= hi)).mean()
    assert 0.75 <= inside <= 0.85
    # the model's error is seen: the same intervals without tau² cover far less
    no_error = {**calib, "tau2": dict.fromkeys(cf.STRATA, 0.0)}
    lo0, hi0 = cf.bounds(no_error, fresh["predicted"], fresh["n_hist"], fresh["n_ref"])
    assert (hi0 - lo0).mean() < (hi - lo).mean()


def test_thin_evidence_never_gets_less_model_error_and_wider_intervals():
    rng = np.random.default_rng(3)
    g = _groups(rng, 400, 0.05)
    thin = g["n_hist"] < MIN_CELL
    # established groups err little, thin ones a lot
    g.loc[thin, "observed"] = np.clip(
        g.loc[thin, "predicted"] + rng.normal(0, 0.2, thin.sum()), 0, 1
    )
    calib = cf.fit_target(g, "employed_12m")
    tau2 = calib["tau2"]
    assert tau2["new"] >= tau2["small"] >= tau2["established"]
    assert tau2["small"] > 2 * tau2["established"]
    lo, hi = cf.bounds(calib, [0.7, 0.7], [5, 500], [20, 20])
    assert hi[0] - lo[0] > hi[1] - lo[1]
    # too few groups: no conformal numbers (serving falls back, and says so)
    assert cf.fit_target(g.head(cf.MIN_GROUPS - 1), "employed_12m") is None


def test_finite_sample_quantile_by_hand():
    # 29 established groups at p = 0.5, n = 100: residuals k·sd for k = -14 … 14, sd the
    # binomial sd. Mean squared residual 70·sd² -> tau2 = 69·sd², total sd = sqrt(70)·sd,
    # signed scores k / sqrt(70); ranks floor(30·0.1) = 3 and ceil(30·0.9) = 27 -> k = ∓12
    sd = np.sqrt(0.25 / 100)
    k = np.arange(-14, 15, dtype=float)
    g = pd.DataFrame(
        {"observed": 0.5 + k * sd, "predicted": 0.5, "n": 100, "n_hist": 500, "n_ref": 100.0}
    )
    calib = cf.fit_target(g, "employed_12m", level=0.8)
    assert calib["tau2"]["established"] == pytest.approx(69 * sd**2)
    assert calib["q_low"] == pytest.approx(-12 / np.sqrt(70))
    assert calib["q_high"] == pytest.approx(12 / np.sqrt(70))


def test_wage_interval_is_in_vnd_and_brackets_the_median():
    rng = np.random.default_rng(5)
    n = rng.integers(3, 30, 300)
    centre = np.log(rng.uniform(5e6, 12e6, 300))
    g = pd.DataFrame(
        {
            "observed": centre + rng.normal(0, 0.3 / np.sqrt(n)),
            "predicted": centre,
            "spread": 0.3,
            "n": n,
            "n_hist": 100,
            "n_ref": n.astype(float),
        }
    )
    calib = cf.fit_target(g, cf.WAGE)
    assert calib["kind"] == "log_median"
    lo, hi = cf.bounds(calib, [8_000_000.0], [100], [10], [0.3])
    assert 5_000_000 < lo[0] < 8_000_000 < hi[0] < 13_000_000


def test_lower_match_marks_thin_evidence_down_more():
    calib = {"job_matches_training": {"tau2": {"new": 0.02, "small": 0.02, "established": 0.005}}}
    p = np.array([0.8, 0.8, 0.8])
    low = lower_match(calib, p, np.array([0, 5, 500]), z=1.0)
    assert low[0] < p[0] and low[1] < low[2] < p[2]
    assert np.array_equal(lower_match(calib, p, np.array([0, 5, 500]), z=0.0), p)
    # an older bundle (no conformal numbers): only the evidence term, still cautious
    old = lower_match(None, np.array([0.8, 0.8]), np.array([3, 3000]), z=1.0)
    assert old[0] < old[1] < 0.8


def test_item_intervals_fall_back_to_wilson_and_say_so():
    preds = {
        "p_employed_12m": np.array([0.8]),
        "p_job_matches_training": np.array([0.6]),
        "p_completed": np.array([np.nan]),  # not learnt: no interval, no fallback flag
        "wage_q25": np.array([6e6]),
        "wage_q50": np.array([8e6]),
        "wage_q75": np.array([1e7]),
    }
    out, fallback = item_intervals({}, preds, np.array([10]), np.array([5.0]))
    assert fallback == ["employed_12m", "job_matches_training", "wage_q50"]
    lo, hi = out["employed_12m"][0]
    from guidance.stats.definitions import wilson_interval

    wl, wh = wilson_interval(np.array([0.8]), np.array([30.0]), Z80)
    assert (lo, hi) == pytest.approx((wl[0], wh[0]))
    assert out["completed"][0] == [None, None] and out["wage_q50"][0] == [None, None]


def test_tiny_bundle_carries_conformal_numbers_into_its_artifact(tiny_models, tiny_artifacts):
    from guidance.artifacts import load_artifact

    assert set(tiny_models.intervals) == set(cf.TARGETS)
    art = load_artifact(tiny_artifacts["1"])
    assert art.models.intervals == tiny_models.intervals
    assert art.metadata["schema"]["intervals"]["employed_12m"]["q_high"] == pytest.approx(
        tiny_models.intervals["employed_12m"]["q_high"]
    )


def test_items_state_every_interval_and_the_flags(make_recommender, learner):
    rec = make_recommender(shortlist=0)
    r = rec.recommend(learner, WIDE, k=50)
    seen = set()
    for it in r.items:
        assert it.interval_level == 0.8
        assert set(it.intervals) == {
            "employed_12m",
            "job_matches_training",
            "completed",
            "wage_q50",
        }
        for key, figure in (
            ("employed_12m", it.p_employed_12m),
            ("job_matches_training", it.p_job_matches_training),
            ("completed", it.p_completed),
            ("wage_q50", it.wage_q50),
        ):
            lo, hi = it.intervals[key]
            assert lo <= figure <= hi and lo < hi, (key, lo, figure, hi)
        assert it.p_employed_12m_interval == it.intervals["employed_12m"]
        assert "interval_without_model_error" not in it.flags
        n = it.basis.n_graduates
        assert ("small_sample" in it.flags) == (0 < n < MIN_CELL)
        assert ("new_programme" in it.flags) == it.basis.cold_start
        seen |= set(it.flags)
        for alt in it.alternatives:
            facts = rec.offering_facts(alt.programme_id)
            assert ("small_sample" in alt.flags) == facts["small_cell"]
    assert seen & {"small_sample", "new_programme"}, "the tiny world has thin offerings"
    row = BatchRow.of(0, "x", r)
    assert [b.flags for b in row.items] == [it.flags for it in r.items]
    dumped = r.to_dict()["items"][0]
    assert dumped["interval_level"] == 0.8 and len(dumped["intervals"]["wage_q50"]) == 2


def test_an_older_bundle_still_serves_with_the_sampling_only_interval(
    tiny_models, tiny_tables, learner
):
    from guidance.recommend.loading import build_recommender

    old = copy.deepcopy(tiny_models)
    del old.intervals  # a bundle saved before the conformal numbers existed
    rec = build_recommender(old, tiny_tables, model_version="old")
    r = rec.recommend(learner, WIDE, k=5)
    assert r.items
    for it in r.items:
        assert "interval_without_model_error" in it.flags
        lo, hi = it.intervals["employed_12m"]
        assert lo <= it.p_employed_12m <= hi
        assert it.intervals["wage_q50"] == [None, None]


def test_conformal_numbers_of_another_form_fall_back_and_say_so(tiny_models, tiny_tables, learner):
    from guidance.recommend.loading import build_recommender

    odd = copy.deepcopy(tiny_models)
    good = odd.intervals["employed_12m"]
    assert cf.usable(good)
    odd.intervals = {
        "employed_12m": {k: v for k, v in good.items() if k != "q_low"},  # incomplete
        "job_matches_training": {**good, "level": 0.9},  # another level
        "completed": {**good, "tau2": {"new": float("nan"), "small": 0, "established": 0}},
        "wage_q50": "not numbers",
    }
    assert not any(cf.usable(c) for c in odd.intervals.values())
    rec = build_recommender(odd, tiny_tables, model_version="odd")
    for it in rec.recommend(learner, WIDE, k=3).items:
        assert "interval_without_model_error" in it.flags
        lo, hi = it.intervals["job_matches_training"]
        assert lo <= it.p_job_matches_training <= hi
    odd.intervals = ["not", "a", "mapping"]
    assert build_recommender(odd, tiny_tables).recommend(learner, WIDE, k=1).items


def test_thin_offering_tops_the_list_only_when_its_lower_value_wins(
    make_recommender, learner, monkeypatch
):
    """Two offerings: a thin one estimated a little better than an established one. Ranked on
    the estimate the thin one wins; with the cautious value the established one does, unless
    the thin one's lead is larger than its extra uncertainty."""
    rec = make_recommender(fresh=True, shortlist=0)
    n = rec.catalogue_columns()["n_graduates"]
    r0 = rec.rank(learner, WIDE)
    cand = r0.idx
    thin = int(min((i for i in cand if 0 < n[i] < MIN_CELL), key=lambda i: n[i]))
    big = int(cand[np.argmax(n[cand])])
    assert n[big] >= MIN_CELL > n[thin]
    # how much more the thin offering is marked down than the established one at 0.8
    low = lower_match(rec.calibration, np.array([0.8, 0.8]), n[[thin, big]], z=1.0)
    extra = low[1] - low[0]
    assert extra > 0

    def fixed(lead: float):
        def predict(inputs, idx, start):
            out = rec.scorer.__class__.predict(rec.scorer, inputs, idx, start)
            p = np.full(len(idx), 0.2)
            p[idx == big] = 0.80
            p[idx == thin] = 0.80 + lead
            out["p_job_matches_training"] = p
            return out

        return predict

    def top(z: float, lead: float) -> int:
        monkeypatch.setattr(rec, "evidence_z", z)
        monkeypatch.setattr(rec.scorer, "predict", fixed(lead))
        # every batch through ``predict`` (the fast path's own batches bypass it)
        monkeypatch.setattr(rec.scorer, "candidates", partial(Candidates, rec.scorer))
        return int(rec.rank(learner, WIDE, MATCH_ONLY).idx[0])

    assert top(0.0, extra / 2) == thin
    assert top(1.0, extra / 2) == big
    assert top(1.0, 2 * extra) == thin  # its lower plausible value still beats the others

"""Property: the fast scorer and the pipeline give the same predictions (to 1e-9) for random
learners — every learner column, missing values included — × every offering."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guidance.features import LEARNER_COLUMNS, serving_pairs
from guidance.model import PREDICTION_COLUMNS
from guidance.periods import month_of, period_label

PER_EXAMPLE = 10  # learners per example: one pipeline call scores them all
EXAMPLES = 55  # 550 learners


def _maybe(s: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), s)


def _learner(provinces: list[str]) -> st.SearchStrategy:
    score = _maybe(st.floats(0, 10, allow_nan=False))
    interest = _maybe(st.floats(0, 1, allow_nan=False))
    return st.fixed_dictionaries(
        {
            "age": st.integers(14, 70),
            "home_province_code": st.sampled_from(provinces),
            "education_level": st.sampled_from([5, 9, 12, 13]),
            "gpa": score,
            "math_score": score,
            "literature_score": score,
            "english_score": score,
            **{c: interest for c in LEARNER_COLUMNS if c.startswith("riasec_")},
            "prior_work_months": _maybe(st.integers(0, 240)),
        }
    )


def _pipeline(models, cat, learners: list[dict], start: str) -> dict[str, np.ndarray]:
    """The reference: every learner's pair rows in one ``OutcomeModels.predict`` call."""
    pairs = pd.concat([serving_pairs(lr, cat.frame, start) for lr in learners], ignore_index=True)
    out = models.predict(pairs)
    return {k: out[k].to_numpy(dtype="float64") for k in PREDICTION_COLUMNS}


def _assert_same(got: dict, want: dict) -> None:
    for k in PREDICTION_COLUMNS:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-9, err_msg=k)


def test_fast_equals_pipeline_for_random_learners(make_recommender, tiny_tables):
    rec = make_recommender()
    assert rec.scorer.name == "fast"
    cat, models = rec.cat, rec.models
    provinces = [str(p) for p in cat.prov_codes]
    idx = np.arange(len(cat))  # every offering of the world
    last = month_of(rec.demand_period)
    starts = [period_label(last + d) for d in (0, 1, 7, 14)]
    seen: set[str] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        learners=st.lists(_learner(provinces), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE),
        start=st.sampled_from(starts),
    )
    def check(learners: list[dict], start: str) -> None:
        want = _pipeline(models, cat, learners, start)
        got = [rec.scorer.predict(lr, idx, start) for lr in learners]
        _assert_same({k: np.concatenate([g[k] for g in got]) for k in PREDICTION_COLUMNS}, want)
        seen.update(lr["home_province_code"] for lr in learners)

    check()
    assert len(seen) > len(provinces) // 2


def test_fast_equals_pipeline_from_every_home_province(make_recommender, learner):
    rec = make_recommender()
    idx = np.arange(len(rec.cat))
    start = rec.demand_period
    learners = [
        {**{k: learner.get(k) for k in LEARNER_COLUMNS}, "home_province_code": str(p)}
        for p in rec.cat.prov_codes
    ]
    want = _pipeline(rec.models, rec.cat, learners, start)
    got = [rec.scorer.predict(lr, idx, start) for lr in learners]
    _assert_same({k: np.concatenate([g[k] for g in got]) for k in PREDICTION_COLUMNS}, want)

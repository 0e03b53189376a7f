"""The outcome models on a tiny generated world: one pipeline per target, no protected inputs."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from guidance.features import PROTECTED
from guidance.model import (
    CLASSIFIER_TARGETS,
    PREDICTION_COLUMNS,
    LogitBlend,
)


@pytest.fixture(scope="module")
def fitted(tiny_models, tiny_parts, tiny_tables):
    """The session's tiny models (copied: a test swaps their demand), the split they were
    fitted on and the tables (tests/conftest.py)."""
    return copy.deepcopy(tiny_models), tiny_parts, tiny_tables


def test_predictions_are_probabilities_and_ordered_wages(fitted):
    models, parts, _ = fitted
    got = models.predict(parts["test"])
    assert list(got.columns) == list(PREDICTION_COLUMNS)
    for t in CLASSIFIER_TARGETS:
        assert got[f"p_{t}"].between(0, 1).all()
    assert (got["wage_q25"] <= got["wage_q50"]).all() and (got["wage_q50"] <= got["wage_q75"]).all()
    assert (got["wage_q25"] > 0).all()


def test_each_pipeline_is_the_served_object(fitted):
    models, parts, _ = fitted
    test = parts["test"]
    bundle = models.predict(test)
    for t in CLASSIFIER_TARGETS:
        pipe = models.pipelines[t]
        assert pipe[0] is models.features  # one shared feature step
        assert np.allclose(pipe.predict_proba(test)[:, 1], bundle[f"p_{t}"])
    assert np.allclose(np.exp(models.pipelines["wage_q50"].predict(test)), bundle["wage_q50"])


def test_protected_attributes_are_never_inputs_and_change_nothing(fitted):
    models, parts, _ = fitted
    test = parts["test"]
    for name, pipe in models.pipelines.items():
        assert not set(PROTECTED) & set(pipe[0].feature_names_in_), name
        assert not set(PROTECTED) & set(pipe[0].get_feature_names_out()), name
    flipped = test.assign(
        sex=np.where(test["sex"] == "F", "M", "F"),
        ethnic_minority=~test["ethnic_minority"].astype(bool),
    )
    pd.testing.assert_frame_equal(models.predict(test), models.predict(flipped))
    for t in CLASSIFIER_TARGETS:
        assert np.array_equal(
            models.pipelines[t].predict_proba(test), models.pipelines[t].predict_proba(flipped)
        )


def test_demand_snapshot_swaps_for_every_pipeline(fitted):
    models, parts, tables = fitted
    test = parts["test"].head(50)
    col = models.feature_names().index("dem_vac_study")
    before = models.features.transform(test)[:, col]
    more = tables["demand"].assign(vacancies=tables["demand"]["vacancies"] * 3)
    try:
        models.set_demand(more)
        after = models.pipelines["employed_12m"][0].transform(test)[:, col]
    finally:
        models.set_demand(tables["demand"])
    known = ~np.isnan(before)
    assert known.any() and np.all(after[known] >= before[known])
    assert np.all(after[before > 0] > before[before > 0]) and (before > 0).any()


def test_unseen_offering_predicts_through_its_attributes(fitted):
    models, parts, _ = fitted
    row = parts["test"].head(3).copy()
    row["programme_id"] = "NEW-OFFERING"
    row["institution_id"] = "NEW-SCHOOL"
    row["predecessor_id"] = np.nan
    got = models.predict(row)
    assert np.isfinite(got.to_numpy()).all()
    hist = models.offering_history(row.drop_duplicates("programme_id"))
    assert hist["n_graduates"].tolist() == [0]


def test_logit_blend_by_hand():
    class Const:
        def __init__(self, p):
            self.p = p

        def predict_proba(self, X):
            return np.column_stack([1 - np.full(len(X), self.p), np.full(len(X), self.p)])

    X = np.zeros((2, 1))
    only_first = LogitBlend.of([Const(0.8), Const(0.2)], [1.0, 0.0])
    assert np.allclose(only_first.predict_proba(X)[:, 1], 0.8)
    half = LogitBlend.of([Const(0.8), Const(0.2)], [0.5, 0.5])
    assert np.allclose(half.predict_proba(X)[:, 1], 0.5)  # logit(0.8) = -logit(0.2)
    assert half.predict(X).tolist() == [1, 1]


def test_describe_records_schema_and_calibration(fitted):
    models = fitted[0]
    info = models.describe()
    assert "employed_12m" in info["calibration"]
    assert info["calibration"]["employed_12m"]["method"] in {"sigmoid", "isotonic", "none"}
    assert "level" in info["categorical_levels"]
    assert not set(PROTECTED) & set(info["inputs"])

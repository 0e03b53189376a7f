"""Fit + evaluate on the tiny world: honest split, baselines, slices, summary."""

from __future__ import annotations

import numpy as np
from training.config import load_config
from training.pipeline import split_pairs, summary_table

from guidance.periods import period_index


def test_split_is_temporal_and_disjoint(tiny_tables):
    parts = split_pairs(tiny_tables, load_config())
    t = {k: period_index(v["cohort"]) for k, v in parts.items()}
    assert t["train"].max() < t["val"].min() and t["val"].max() < t["test"].min()
    assert t["test"].max() - t["test"].min() <= 11
    ids = [set(v["record_id"]) for v in parts.values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert sum(map(len, ids)) == len(tiny_tables["outcomes"])


def test_evaluation_has_every_baseline_slice_and_fairness_table(trained):
    result, parts = trained
    ev = result.evaluation
    for t in ("employed_12m", "job_matches_training", "completed"):
        assert set(ev.baselines[t]) == {
            "global_rate",
            "offering_history",
            "code_province",
            "logistic",
        }
        for s in ("level", "region", "sex", "ethnic_minority", "offering_seen"):
            assert f"{t}/{s}" in ev.slices
        assert {f"{t}/sex", f"{t}/ethnic_minority"} <= set(ev.fairness)
    assert ev.baselines["employed_12m"]["global_rate"]["auc"] == 0.5
    assert ev.n_rows["test"] == len(parts["test"])
    # the learned model must at least rank better than a constant
    assert ev.metrics["employed_12m"]["auc"] > 0.6
    flat = ev.flat_metrics()
    assert "test.employed_12m.auc" in flat and "baseline.logistic.employed_12m.brier" in flat
    assert all(np.isfinite(v) or np.isnan(v) for v in flat.values())


def test_wage_model_beats_a_global_quantile(trained):
    ev = trained[0].evaluation
    assert ev.wages["model"]["pinball_q50"] < ev.wages["baseline_global"]["pinball_q50"]


def test_summary_table_prints_model_against_baselines(trained):
    text = summary_table(trained[0].evaluation)
    for word in (
        "global_rate",
        "offering_history",
        "code_province",
        "logistic",
        "fairness employed_12m/sex",
        "beats every baseline",
    ):
        assert word in text

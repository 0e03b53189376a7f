"""Recommender evaluation: metric functions by hand, and a run on the tiny world's oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from training.recs_eval import BASELINES, captured_uplift, dcg, ndcg_at_k


def test_perfect_ranking_has_ndcg_one():
    gains = np.array([0.9, 0.7, 0.4, 0.1])
    assert ndcg_at_k(gains, gains[::-1], k=10) == pytest.approx(1.0)
    assert ndcg_at_k(gains[:2], gains, k=2) == pytest.approx(1.0)


def test_ndcg_hand_computed():
    # ranking [0, 1] of gains {0, 1}: DCG = 0/log2(2) + 1/log2(3); ideal DCG = 1/log2(2) = 1
    assert ndcg_at_k(np.array([0.0, 1.0]), np.array([1.0, 0.0]), k=2) == pytest.approx(
        1 / math.log2(3)
    )
    assert dcg(np.array([3.0, 2.0, 1.0]), k=2) == pytest.approx(3 + 2 / math.log2(3))
    assert math.isnan(ndcg_at_k(np.array([0.0]), np.array([0.0]), k=1))


def test_captured_uplift_by_hand():
    assert captured_uplift(0.7, 0.5, 0.9) == pytest.approx(0.5)
    assert captured_uplift(0.9, 0.5, 0.9) == pytest.approx(1.0)
    assert captured_uplift(0.4, 0.5, 0.9) == pytest.approx(-0.25)
    assert math.isnan(captured_uplift(0.5, 0.6, 0.6))


@pytest.fixture(scope="module")
def tiny_eval(tiny_dir):  # the training tests' tiny world (tests/training/conftest.py)
    from training.recs_cli import run

    results, rec, parts = run(tiny_dir, max_iter=25, learners=60, k=5, progress=False)
    return results, rec, parts


def test_evaluation_on_tiny_world(tiny_eval):
    results, rec, parts = tiny_eval
    ev = results["default"]
    assert ev.n_learners > 20
    m = ev.means["in_trade"]
    for p in ("top1", "top5", "oracle", *BASELINES):
        assert np.isfinite(m[p])
    # the oracle's best is the best of each candidate set, which holds the actual choice
    for p in ("top1", "top5", "random", "popular", "best_history", "demand_only"):
        assert m[p] <= m["oracle"] + 1e-12
    assert np.isfinite(ev.uplift["top1"]["in_trade"])
    assert 0 < ev.ndcg["recommended"] <= 1
    assert set(ev.pruning) == {"top1_agreement", "topk_jaccard"}
    assert 0 < ev.coverage["offerings"] <= 1
    assert {"match_only", "employment", "balanced"} <= set(results)
    flat = ev.flat()
    assert "uplift.top1.in_trade" in flat and "ndcg5.recommended" in flat


@pytest.mark.filterwarnings("ignore:.*type hint:UserWarning")
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")
def test_evaluation_is_logged_to_mlflow(tiny_eval, tmp_path):
    import argparse

    from training.recs_cli import log_to_mlflow

    results, rec, parts = tiny_eval
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    args = argparse.Namespace(top_k=5, learners=60, seed=0)
    run_id = log_to_mlflow(uri, {n: ev.flat() for n, ev in results.items()}, rec, args, "2025-01")
    import mlflow

    got = mlflow.MlflowClient(uri).get_run(run_id)
    assert "default.uplift.top1.in_trade" in got.data.metrics
    assert got.data.params["top_k"] == "5"


def test_evaluate_command_needs_a_world(tmp_path, capsys):
    from guidance.cli import main

    assert main(["evaluate", "--data", str(tmp_path), "--quiet"]) == 2
    assert "world.json" in capsys.readouterr().err

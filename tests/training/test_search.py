"""``guidance train --search``: the grid, the same trials locally and on a real Dask
``LocalCluster`` (2 worker processes), child runs in a real MLflow store, and the command
line's refusals and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from training.config import load_config

from guidance.cli import main

pytestmark = [  # third-party noise of MLflow's imports and store (as tests/training/conftest.py)
    pytest.mark.filterwarnings("ignore:.*type hint:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]

GRID = """[model]
max_iter = 30
[search]
learning_rate = [0.05, 0.2]
depth_leaves = [[3, 8], [4, 15]]
max_iter = [25]
l2_regularization = [0.5, 5.0]
"""
SETTINGS = 8  # 2 × 2 × 1 × 2


def _strip(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k not in ("fit_seconds", "fit_cpu_seconds")}


@pytest.fixture(scope="module")
def parts(tiny_tables):
    from training.pipeline import split_with_info

    cfg = load_config(overrides={"model": {"max_iter": 30}})
    return split_with_info(tiny_tables, cfg)[0]


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "grid.toml"
    path.write_text(GRID)
    return path


@pytest.fixture(scope="module")
def local_search(parts, tiny_tables, grid_file):
    """The grid run sequentially in this process (the reference for the other paths)."""
    from training.search import SearchRunner, search

    cfg = load_config(grid_file)
    return search(parts["train"], parts["val"], tiny_tables, cfg.model, cfg.search, SearchRunner())


def test_grid_is_every_combination_in_a_fixed_order():
    from training.search import grid

    g = grid(load_config(overrides={"search": {"learning_rate": [0.1, 0.3]}}).search)
    assert len(g) == 2 * 2 * 2 * 2
    assert [s["learning_rate"] for s in g[:8]] == [0.1] * 8
    assert g[0] == {
        "learning_rate": 0.1,
        "max_depth": 3,
        "max_leaf_nodes": 8,
        "max_iter": 100,
        "l2_regularization": 1.0,
    }
    assert len({tuple(s.values()) for s in g}) == len(g)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"learning_rate": []}, "learning_rate: needs at least one"),
        ({"learning_rate": [0.1, 2.0]}, "learning_rate: 2.0"),
        ({"depth_leaves": [[3]]}, "depth_leaves: [3]"),
        ({"max_iter": [0]}, "max_iter: 0"),
        ({"metric": "accuracy"}, "metric: 'accuracy'"),
        ({"target": "wage"}, "target: 'wage'"),
        ({"learning_rate": [0.01, 0.02, 0.05, 0.1, 0.2], "max_trials": 20}, "40 settings"),
    ],
)
def test_a_bad_grid_is_refused_naming_the_key(change, words):
    from training.search import grid

    with pytest.raises(ValueError, match="search") as exc:
        grid(load_config(overrides={"search": change}).search)
    assert words in str(exc.value)


def test_the_local_search_chooses_the_lowest_validation_log_loss(local_search):
    res = local_search
    assert len(res.trials) == SETTINGS
    losses = [t.metrics["val_log_loss"] for t in res.trials]
    assert res.best == losses.index(min(losses))
    assert res.chosen == res.trials[res.best].settings
    assert len(set(losses)) > 1  # the settings matter on this world
    assert res.n_train > res.n_val > 0
    for t in res.trials:
        assert 0.0 < t.metrics["val_log_loss"] < 1.0 and 0.0 < t.metrics["val_auc"] <= 1.0
        assert 1 <= t.metrics["n_iter"] <= t.settings["max_iter"]


def test_joblib_processes_give_the_same_trials(local_search, parts, tiny_tables, grid_file):
    from training.search import SearchRunner, search

    cfg = load_config(grid_file)
    res = search(
        parts["train"], parts["val"], tiny_tables, cfg.model, cfg.search, SearchRunner(jobs=2)
    )
    assert [_strip(t.metrics) for t in res.trials] == [
        _strip(t.metrics) for t in local_search.trials
    ]
    assert res.chosen == local_search.chosen


@pytest.mark.slow
def test_a_given_local_cluster_gives_the_same_trials(local_search, parts, tiny_tables, grid_file):
    from distributed import Client
    from training.search import SearchRunner, search

    from guidance.daskcluster import local_cluster

    cfg = load_config(grid_file)
    with local_cluster(2) as cluster, Client(cluster) as client:
        res = search(
            parts["train"],
            parts["val"],
            tiny_tables,
            cfg.model,
            cfg.search,
            SearchRunner(client=client),
        )
        ran_on = client.run(os.getpid)
    assert len(set(ran_on.values()) | {os.getpid()}) == 3  # two worker processes
    assert [_strip(t.metrics) for t in res.trials] == [
        _strip(t.metrics) for t in local_search.trials
    ]
    assert res.chosen == local_search.chosen


def test_train_search_on_a_local_cluster_logs_child_runs(
    local_search, tiny_dir, grid_file, tmp_path, monkeypatch, capsys
):
    """The command line on a real 2-process LocalCluster: the same trial metrics as the local
    search, one child run per trial, the choice on the parent, in the config and the card."""
    import mlflow

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert (
        main(
            [
                "train",
                "--data",
                str(tiny_dir),
                "--config",
                str(grid_file),
                "--search",
                "--local-workers",
                "2",
                "--tracking-uri",
                uri,
                "--artifact-root",
                str(tmp_path / "mlartifacts"),
                "--models-dir",
                str(tmp_path / "models"),
                "--no-promote",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert f"search trial {SETTINGS}/{SETTINGS}" in err and "LocalCluster of 2" in err
    client = mlflow.MlflowClient(uri)
    exp = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(exp)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == SETTINGS
    parent = parents[0]
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    by_trial = {int(c.data.params["search.trial"]): c for c in children}
    assert sorted(by_trial) == list(range(1, SETTINGS + 1))
    for t in local_search.trials:
        child = by_trial[t.index + 1]
        assert {k: float(child.data.params[k]) for k in t.settings} == t.settings
        assert {k: child.data.metrics[k] for k in _strip(t.metrics)} == _strip(t.metrics)
        assert child.data.tags["search.chosen"] == str(t.index == local_search.best).lower()
    chosen = local_search.chosen
    p = parent.data.params
    assert {k: float(p[f"search.chosen.{k}"]) for k in chosen} == chosen
    assert float(p["config.model.learning_rate"]) == chosen["learning_rate"]
    assert int(p["config.model.max_leaf_nodes"]) == chosen["max_leaf_nodes"]
    assert parent.data.tags["search.best_trial"] == str(local_search.best + 1)
    assert (
        parent.data.metrics["search.best.val_log_loss"]
        == local_search.trials[local_search.best].metrics["val_log_loss"]
    )
    card = next((tmp_path / "models").glob("*.md")).read_text(encoding="utf-8")
    assert "## Hyperparameter search" in card and f"(trial {local_search.best + 1})" in card
    assert f"learning_rate = {chosen['learning_rate']:g}" in card


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--local-workers", "2"], "apply to --search only"),
        (["--search", "--local-workers", "99"], "--local-workers must be between 0 and 64"),
        (["--search", "--jobs", "0"], "--jobs must be between 1 and 64"),
    ],
)
def test_bad_search_options_are_one_line_errors(argv, words, tiny_dir, tmp_path, capsys):
    assert (
        main(
            ["train", "--data", str(tiny_dir), "--no-mlflow", "--models-dir", str(tmp_path), *argv]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_bad_grid_is_a_one_line_error(tiny_dir, tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[search]\nlearning_rate = [5.0]\n")
    assert (
        main(
            [
                "train",
                "--data",
                str(tiny_dir),
                "--config",
                str(cfg),
                "--search",
                "--no-mlflow",
                "--models-dir",
                str(tmp_path / "m"),
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "[search] learning_rate: 5.0" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").iterdir())


@pytest.mark.slow
def test_ctrl_c_during_a_dask_search_stops_without_a_traceback(tiny_dir, tmp_path):
    cfg = tmp_path / "long.toml"
    cfg.write_text(
        "[model]\nn_iter_no_change = 5000\n"  # no early stop: long trials
        "[search]\nlearning_rate = [0.01, 0.02, 0.03, 0.05, 0.1, 0.2]\n"
        "max_iter = [3000]\nl2_regularization = [1.0]\n"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "training",
            "--data",
            str(tiny_dir),
            "--config",
            str(cfg),
            "--search",
            "--local-workers",
            "2",
            "--no-mlflow",
            "--models-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 120
    seen = ""
    while time.monotonic() < deadline:  # wait for the first trial done on the cluster
        line = proc.stderr.readline()
        seen += line
        if "search trial 1/12" in line or not line:
            break
    assert "search trial 1/12" in seen and "LocalCluster of 2" in seen
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "train: interrupted" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.joblib"))


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_one_line_error(tiny_dir, tmp_path, capsys):
    assert (
        main(
            [
                "train",
                "--data",
                str(tiny_dir),
                "--search",
                "--scheduler",
                "tcp://127.0.0.1:9",
                "--no-mlflow",
                "--models-dir",
                str(tmp_path),
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("train: ") and "127.0.0.1:9" in err and "Traceback" not in err

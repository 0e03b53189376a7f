"""MLflow end to end on a real store in tmp_path: train → register → promote gate → models."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from guidance.cli import main

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*type hint:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]
NAME = "guidance-outcomes"
OUTCOME_BLOCK = [
    "completed",
    "employed_6m",
    "employed_12m",
    "employment_type",
    "occupation_code",
    "job_province_code",
    "monthly_wage_vnd",
    "job_matches_training",
]


@pytest.fixture(scope="module")
def env(tmp_path_factory, tiny_dir):
    root = tmp_path_factory.mktemp("mlflow")
    fast = root / "fast.toml"
    fast.write_text("[model]\nmax_iter = 15\n")
    strict = root / "strict.toml"
    strict.write_text("[promotion]\nmax_abs_gap = 0.0001\nmax_calibration_gap = 0.0001\n")
    e = SimpleNamespace(
        root=root,
        uri=f"sqlite:///{root / 'mlflow.db'}",
        fast=fast,
        strict=strict,
        models=root / "models",
        tiny=tiny_dir,
    )
    e.common = ["--tracking-uri", e.uri]
    e.train = [
        "--config",
        str(fast),
        "--artifact-root",
        str(root / "mlartifacts"),
        "--models-dir",
        str(e.models),
        "--quiet",
        *e.common,
    ]
    return e


def _client(e):
    from guidance.registry import connect

    return connect(e.uri)


def _champion(e):
    from guidance.registry import champion_version

    return champion_version(_client(e), NAME)


def _shuffled_world(src, dst):
    """Same learners and offerings, but outcomes shuffled among all records older than the test
    split: a model trained on it has nothing real to learn."""
    shutil.copytree(src, dst)
    out = pd.read_csv(dst / "outcomes.csv", dtype=str, keep_default_na=False)
    newest = out["cohort"].max()
    cut = f"{int(newest[:4]) - 1}{newest[4:]}"
    old = np.flatnonzero((out["cohort"] <= cut).to_numpy())
    perm = np.random.default_rng(0).permutation(old)
    out.loc[old, OUTCOME_BLOCK] = out.loc[perm, OUTCOME_BLOCK].to_numpy()
    out.to_csv(dst / "outcomes.csv", index=False)
    return dst


def _first_model_is_registered_and_champion_only_if_it_beats_baselines(env, capsys):
    assert main(["train", "--data", str(env.tiny), *env.train]) == 0
    out = capsys.readouterr().out
    assert "beats every baseline" in out and "version: 1" in out
    for ext in ("joblib", "json", "md"):
        assert (env.models / f"{NAME}-1.{ext}").is_file()
    client = _client(env)
    run = client.get_run(client.get_model_version(NAME, "1").run_id)
    assert run.data.params["data_hash"] and "test.employed_12m.auc" in run.data.metrics
    beats = run.data.metrics["beats_baselines"] == 1.0
    if beats:
        assert _champion(env) == "1"
    else:  # the gate refused; a human may still choose it, with a recorded reason
        assert _champion(env) is None and "not promoted automatically" in out
        assert (
            main(["promote", "--version", "1", "--force", "--reason", "test seed", *env.common])
            == 0
        )
        assert client.get_model_version(NAME, "1").tags["forced_reason"] == "test seed"
    assert _champion(env) == "1"


def test_first_champion_rule_refuses_a_model_that_loses_to_a_baseline(tmp_path):
    from training.config import load_config
    from training.promote import first_champion

    from guidance.registry import connect

    client = connect(f"sqlite:///{tmp_path / 'empty.db'}")
    result = SimpleNamespace(
        config=load_config(),
        evaluation=SimpleNamespace(beat_reasons=["AUC 0.60 ≤ logistic 0.61"], fairness={}),
    )
    promoted, reasons = first_champion(client, NAME, "1", result, "unused")
    assert not promoted and "AUC 0.60 ≤ logistic 0.61" in reasons
    assert any("fairness by sex: not measured" in r for r in reasons)


def _worse_challenger_is_refused(env, capsys, tmp_path):
    bad = _shuffled_world(env.tiny, tmp_path / "shuffled")
    assert main(["train", "--data", str(bad), *env.train]) == 0
    capsys.readouterr()
    assert main(["promote", "--version", "2", *env.common]) == 1
    out = capsys.readouterr().out
    assert "refused" in out and "employed_12m auc: challenger" in out
    assert _champion(env) == "1"


def _unfair_challenger_is_refused(env, capsys):
    assert main(["train", "--data", str(env.tiny), "--no-promote", *env.train]) == 0
    capsys.readouterr()
    assert main(["promote", "--version", "3", "--config", str(env.strict), *env.common]) == 1
    out = capsys.readouterr().out
    assert "fairness by sex" in out and "limit 0.0001" in out
    assert _champion(env) == "1"


def _equal_or_better_fair_challenger_is_promoted(env, capsys):
    # version 3 was trained on the same data and seed as version 1: not worse, fair by default
    assert main(["promote", "--version", "3", *env.common]) == 0
    out = capsys.readouterr().out
    assert "champion: version 3 (was 1)" in out
    assert _champion(env) == "3"
    tags = _client(env).get_model_version(NAME, "3").tags
    assert tags["promoted_from"] == "1" and "forced_reason" not in tags


def _force_needs_a_reason_and_records_it(env, capsys):
    assert main(["promote", "--version", "2", "--force", *env.common]) == 2
    assert (
        main(["promote", "--version", "2", "--force", "--reason", "audit drill", *env.common]) == 0
    )
    assert "FORCED: audit drill" in capsys.readouterr().out
    tags = _client(env).get_model_version(NAME, "2").tags
    assert tags["forced_reason"] == "audit drill" and "auc" in tags["overridden_gate"]
    assert _champion(env) == "2"


def _models_lists_versions_aliases_and_metrics(env, capsys):
    assert main(["models", *env.common]) == 0
    out = capsys.readouterr().out
    lines = [ln.split() for ln in out.splitlines()[1:]]
    assert [ln[0] for ln in lines] == ["1", "2", "3"]
    assert lines[1][1] == "champion" and lines[0][1] == "-"


def _sqlite_reader_answers_as_mlflow_does(env, tmp_path):
    """``guidance models`` and the CLI read a local SQLite registry without MLflow: the
    same versions, aliases, tags, metrics and dates as MLflow's client gives."""
    import math

    from guidance import registry_sqlite
    from guidance.registry import champion_version, list_versions

    client = _client(env)
    direct = registry_sqlite.list_versions(env.uri, NAME)
    via_mlflow = list_versions(client, NAME)
    assert direct is not None and len(direct) == len(via_mlflow) == 3
    for a, b in zip(direct, via_mlflow, strict=True):
        assert (a.version, a.run_id, a.aliases, a.tags, a.created_ms) == (
            b.version,
            b.run_id,
            b.aliases,
            b.tags,
            b.created_ms,
        )
        assert a.metrics.keys() == b.metrics.keys() and a.metrics
        assert all(
            math.isclose(a.metrics[k], b.metrics[k])
            or (math.isnan(a.metrics[k]) and math.isnan(b.metrics[k]))
            for k in a.metrics
        )
    got = registry_sqlite.champion(env.uri, NAME)
    assert got is not None and got[0] == champion_version(client, NAME)
    assert got[1] == next(v.tags["sha256"] for v in via_mlflow if v.version == got[0])
    # what it cannot read it leaves to MLflow (None), never a wrong answer
    assert registry_sqlite.list_versions(f"sqlite:///{tmp_path / 'absent.db'}", NAME) is None
    assert registry_sqlite.list_versions("http://127.0.0.1:5000", NAME) is None
    assert registry_sqlite.list_versions(env.uri, "no-such-model") == []
    assert registry_sqlite.champion(env.uri, "no-such-model") is None


def _serving_loads_the_verified_champion(env, tmp_path, tiny_tables):
    from guidance.features import training_pairs
    from guidance.registry import load_champion

    art = load_champion(env.uri, NAME, tmp_path)
    assert art is not None
    tag = _client(env).get_model_version(NAME, "2").tags["sha256"]
    assert art.metadata["sha256"] == tag
    pairs = training_pairs(tiny_tables["outcomes"].head(20), tiny_tables["programmes"])
    got = art.models.predict(pairs)
    assert got["p_employed_12m"].between(0, 1).all()


def test_registry_step_by_step(env, capsys, tmp_path, tiny_tables):
    """One registry, its steps in order, in ONE test: pytest-xdist may send a module's tests
    to different workers, and each worker would build its own registry without the versions
    the other one trained (seen in CI once the suite's size moved xdist's chunks)."""
    for sub in ("worse", "reader", "serving"):
        (tmp_path / sub).mkdir()
    _first_model_is_registered_and_champion_only_if_it_beats_baselines(env, capsys)
    _worse_challenger_is_refused(env, capsys, tmp_path / "worse")
    _unfair_challenger_is_refused(env, capsys)
    _equal_or_better_fair_challenger_is_promoted(env, capsys)
    _force_needs_a_reason_and_records_it(env, capsys)
    _models_lists_versions_aliases_and_metrics(env, capsys)
    _sqlite_reader_answers_as_mlflow_does(env, tmp_path / "reader")
    _serving_loads_the_verified_champion(env, tmp_path / "serving", tiny_tables)

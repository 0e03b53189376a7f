"""Issue 13 §1: metrics marked unreliable reach MLflow, and promotion refuses them unless
forced with a reason (real MLflow store in tmp_path)."""

from __future__ import annotations

import pytest

from guidance.cli import main

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*type hint:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]
NAME = "guidance-outcomes"


def test_unreliable_metrics_are_logged_and_gate_promotion(degenerate_dir, tmp_path, capsys):
    from guidance.registry import champion_version, connect

    d = degenerate_dir("one_cohort_mlflow", outcomes=lambda o: o.assign(cohort="2024-06"))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    fast = tmp_path / "fast.toml"
    fast.write_text("[model]\nmax_iter = 10\n")
    rc = main(
        [
            "train",
            "--data",
            str(d),
            "--config",
            str(fast),
            "--models-dir",
            str(tmp_path / "models"),
            "--artifact-root",
            str(tmp_path / "mlartifacts"),
            "--quiet",
            "--tracking-uri",
            uri,
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "not promoted automatically: metrics are marked unreliable" in out
    client = connect(uri)
    assert champion_version(client, NAME) is None
    mv = client.get_model_version(NAME, "1")
    assert mv.tags["metrics_unreliable"] == "true"
    run = client.get_run(mv.run_id)
    assert run.data.metrics["metrics_unreliable"] == 1.0
    assert run.data.tags["split_method"] == "random_by_offering"
    assert run.data.tags["target_status.employed_12m"] == "fitted"

    rc = main(["promote", "--version", "1", "--tracking-uri", uri])
    out = capsys.readouterr().out
    assert rc == 1
    assert "metrics are marked unreliable" in out
    assert champion_version(client, NAME) is None

    rc = main(
        [
            "promote",
            "--version",
            "1",
            "--force",
            "--reason",
            "pilot on one cohort",
            "--tracking-uri",
            uri,
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0 and "FORCED: pilot on one cohort" in out
    assert champion_version(client, NAME) == "1"
    assert (
        "metrics are marked unreliable"
        in client.get_model_version(NAME, "1").tags["overridden_gate"]
    )

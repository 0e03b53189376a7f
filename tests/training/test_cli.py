"""``guidance train`` without MLflow, ``python -m training`` and the light parser."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from guidance.cli import main


def test_train_without_mlflow_writes_artifact_metadata_and_card(
    tiny_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "fast.toml"
    cfg.write_text("[model]\nmax_iter = 10\n")
    models = tmp_path / "models"
    assert (
        main(
            [
                "train",
                "--data",
                str(tiny_dir),
                "--config",
                str(cfg),
                "--no-mlflow",
                "--models-dir",
                str(models),
                "--quiet",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "logistic" in out and "artifact:" in out
    meta = json.loads((models / "guidance-outcomes-1.json").read_text(encoding="utf-8"))
    assert meta["run_id"] is None and meta["data_hash"] and len(meta["sha256"]) == 64
    card = (models / "guidance-outcomes-1.md").read_text(encoding="utf-8")
    for heading in ("## Intended use", "## Data vintage", "## Fairness", "## Limitations"):
        assert heading in card
    assert not (tmp_path / "var").exists()  # nothing written outside the given folders


def test_python_m_training_is_guidance_train():
    from training.__main__ import main as module_main

    with pytest.raises(SystemExit) as exc:
        module_main(["--help"])
    assert exc.value.code == 0


def test_parser_stays_light():
    code = (
        "import sys; from guidance.cli import build_parser; build_parser(); "
        "print(any(m in sys.modules for m in ('sklearn', 'mlflow', 'pandas')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

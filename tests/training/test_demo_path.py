"""`make run` does each thing once: `guidance train --no-promote` registers and says so,
then `guidance promote` runs the gate once and says what it did (in a temp dir)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guidance.cli import main

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*type hint:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]
REPO = Path(__file__).resolve().parents[2]


def _run_recipe() -> list[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    m = re.search(r"^run:.*?\n((?:\t.*\n|\s*\n)+)", text, re.M)
    assert m, "no run target"
    return [ln.strip() for ln in m.group(1).splitlines() if ln.strip()]


def test_make_run_trains_without_promoting_then_promotes_once():
    lines = _run_recipe()
    train = [ln for ln in lines if " train " in ln]
    promote = [ln for ln in lines if " promote" in ln]
    assert len(train) == 1 and "--no-promote" in train[0]
    assert len(promote) == 1
    # a refused gate (exit 1) keeps the champion and the demo goes on; errors (2) stop it
    assert promote[0].endswith("|| [ $$? -eq 1 ]")
    assert lines.index(train[0]) < lines.index(promote[0])


def test_train_then_promote_each_say_what_they_did(tmp_path, tiny_dir, capsys):
    fast = tmp_path / "fast.toml"
    fast.write_text("[model]\nmax_iter = 15\n")
    common = ["--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"]
    train = [
        "train",
        "--data",
        str(tiny_dir),
        "--no-promote",
        "--config",
        str(fast),
        "--artifact-root",
        str(tmp_path / "mlartifacts"),
        "--models-dir",
        str(tmp_path / "models"),
        "--quiet",
        *common,
    ]
    assert main(train) == 0
    out = capsys.readouterr().out
    assert "version 1 registered, not promoted: `guidance promote` runs the gate" in out
    assert "now the champion" not in out and "not promoted automatically" not in out
    from guidance.registry import champion_version, connect

    client = connect(common[1])
    assert champion_version(client, "guidance-outcomes") is None
    code = main(["promote", *common])
    out = capsys.readouterr().out
    if code == 0:
        assert "champion: version 1 (was none)" in out
        assert champion_version(client, "guidance-outcomes") == "1"
        # run again, it says there is nothing to do rather than doing it twice
        assert main(["promote", *common]) == 0
        assert capsys.readouterr().out.strip() == "version 1 is already the champion"
    else:  # the gate refused the tiny world's model: it says so and names why
        assert code == 1 and "refused: version 1 stays a challenger" in out
        assert champion_version(client, "guidance-outcomes") is None

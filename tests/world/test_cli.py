"""``guidance demo-data`` writes a world and reports it."""

from __future__ import annotations

import json

from guidance.cli import main


def test_demo_data_command(tmp_path, capsys):
    rc = main(["demo-data", "--out", str(tmp_path), "--seed", "7", "--format", "parquet"])
    assert rc == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"programmes.parquet", "outcomes.parquet", "demand.parquet", "world.json"} <= names
    meta = json.loads((tmp_path / "world.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 7 and meta["format"] == "parquet"
    assert "wrote demo world" in capsys.readouterr().out

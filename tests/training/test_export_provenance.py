"""Training on a tracer export: the model card and the artifact metadata name the export's
data hash and the submission versions it holds (both engines); a plain directory says so."""

from __future__ import annotations

import json

from guidance.cli import main


def test_card_and_metadata_name_the_export(tiny_dir, db_url, tmp_path, capsys, monkeypatch):
    from guidance.store.db import make_engine
    from guidance.store.migrate import upgrade
    from guidance.store.tracer import withdraw
    from guidance.tracer.dirs import export_dir, load_demo

    monkeypatch.chdir(tmp_path)
    engine = make_engine(db_url)
    upgrade(engine)
    results = load_demo(engine, tiny_dir, b"provenance-secret", "test")
    first = results[0]
    withdraw(engine, first.institution_id, first.cohort, first.wave, "test", "test")
    meta = export_dir(engine, tmp_path / "export")
    engine.dispose()
    assert len(meta["submissions"]) == len(results) - 1  # the withdrawn one is not held
    cfg = tmp_path / "fast.toml"
    cfg.write_text("[model]\nmax_iter = 10\n")
    models = tmp_path / "models"
    assert (
        main(
            [
                "train",
                "--data",
                str(tmp_path / "export"),
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
    capsys.readouterr()
    art = json.loads((models / "guidance-outcomes-1.json").read_text(encoding="utf-8"))
    exp = art["tracer_export"]
    assert exp["data_hash"] == meta["data_hash"] == art["data_hash"]
    assert exp["matches_files"] is True
    held = {
        f"{s['institution_id']}/{s['cohort']}/{s['wave']}/v{s['version']}"
        for s in meta["submissions"]
    }
    assert set(exp["submissions"]) == held and len(held) == len(results) - 1
    assert f"{first.institution_id}/{first.cohort}/{first.wave}/v1" not in held
    assert {r.version for r in results} == {1}
    card = (models / "guidance-outcomes-1.md").read_text(encoding="utf-8")
    assert f"export hash `{meta['data_hash']}` (matches the files read)" in card
    assert (
        f"submission versions held ({len(held):,}; institution/cohort/wave/version): "
        f"{len(held):,} × v1" in card
    )
    assert f"`{exp['submissions'][0]}`" in card and "more (all in the artifact metadata" in card

    # the export's files changed after the export: the provenance (and card) say so
    from training.model_card import _export_lines

    from guidance.contract import data_hash
    from guidance.tracer.dirs import export_provenance

    out = tmp_path / "export" / "outcomes.csv"
    out.write_text(
        out.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0] + "\n", encoding="utf-8"
    )
    changed = export_provenance(tmp_path / "export", data_hash(tmp_path / "export"))
    assert changed["data_hash"] == meta["data_hash"] and changed["matches_files"] is False
    assert "does NOT match the files read" in "\n".join(_export_lines(changed))


def test_card_of_a_plain_directory(tiny_dir, tmp_path, capsys, monkeypatch):
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
    capsys.readouterr()
    art = json.loads((models / "guidance-outcomes-1.json").read_text(encoding="utf-8"))
    assert "tracer_export" not in art
    card = (models / "guidance-outcomes-1.md").read_text(encoding="utf-8")
    assert "not a tracer database export" in card

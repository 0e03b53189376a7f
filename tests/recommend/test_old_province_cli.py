"""``guidance recommend`` and the batch row parser read a pre-2025 province code (``49``,
also as a JSON number) as its 2025 province; the CLI says so."""

from __future__ import annotations

import json

import pytest

from guidance.cli import main
from guidance.recommend.learner_rows import parse_row
from guidance.settings import get_settings


@pytest.fixture
def model_file(tiny_models, tmp_path):
    from guidance.artifacts import save_artifact

    job, _ = save_artifact(tiny_models, tmp_path / "models", "guidance-outcomes", 4)
    return job


def test_cli_maps_an_old_code_and_says_so(monkeypatch, tiny_dir, model_file, tmp_path, capsys):
    monkeypatch.setenv("GUIDANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("GUIDANCE_MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("GUIDANCE_DATA_DIR", str(tiny_dir))
    get_settings.cache_clear()
    learner = tmp_path / "learner.json"
    profile = {"age": 17, "home_province_code": 49, "education_level": 12}
    learner.write_text(json.dumps({"profile": profile}), encoding="utf-8")
    try:
        args = ["recommend", "--learner", str(learner), "--model", str(model_file)]
        assert main([*args, "--lang", "en"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "! The pre-2025 province code 49 (Quảng Nam) in home_province_code was read as 48" in out


def test_batch_rows_map_old_codes_and_refuse_unknown_ones():
    known = {"48", "79", "01"}
    profile, prefs = parse_row(
        {"age": "17", "home_province_code": "49", "education_level": "9", "provinces": "74;1"},
        2,
        provinces=known,
    )
    assert profile.home_province_code == "48" and prefs.provinces == ["79", "01"]
    assert profile.province_mappings == [("home_province_code", "49", "48")]
    errors = parse_row(
        {"age": "17", "home_province_code": "99", "education_level": "9"}, 3, provinces=known
    )
    assert [(e.row, e.column, e.rule) for e in errors] == [
        (3, "home_province_code", "known_province")
    ]

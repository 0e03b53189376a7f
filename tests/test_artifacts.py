"""Artifacts: metadata beside the joblib file, sha256 before unpickling, version checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from guidance import artifacts
from guidance.artifacts import ArtifactMismatch, check_versions, load_artifact, save_artifact


@pytest.fixture(scope="module")
def bundle(tiny_models, tiny_parts, tiny_tables):
    """The session's tiny models (tests/conftest.py; ``save_artifact`` leaves them as they
    were, which a test below checks), their test rows and the tables."""
    return tiny_models, tiny_parts["test"], tiny_tables


@pytest.fixture
def saved(bundle, tmp_path):
    models = bundle[0]
    job, meta = save_artifact(
        models,
        tmp_path,
        "guidance-outcomes",
        3,
        metadata={"data_hash": "abc123", "metrics": {"auc": 0.7}, "run_id": "r1"},
    )
    return job, meta


def test_round_trip_keeps_predictions_and_metadata(bundle, saved):
    models, test, tables = bundle
    job, meta = saved
    assert job.name == "guidance-outcomes-3.joblib" and meta.name == "guidance-outcomes-3.json"
    record = json.loads(meta.read_text(encoding="utf-8"))
    for key in ("libraries", "git_commit", "data_hash", "metrics", "schema", "run_id", "sha256"):
        assert key in record
    assert record["sha256"] == artifacts.sha256_file(job)
    assert set(record["libraries"]) >= {"python", "scikit-learn", "numpy", "pandas"}
    assert "sex" not in record["schema"]["inputs"]
    loaded = load_artifact(job)
    assert loaded.metadata["version"] == "3"
    # the artifact carries only the newest demand months; with the same snapshot it predicts
    # exactly like the in-memory models
    loaded.models.set_demand(tables["demand"])
    pd.testing.assert_frame_equal(loaded.models.predict(test), models.predict(test))
    assert models.features.demand_.vac.shape[2] > 15  # saving did not compact the original


def test_flipped_byte_is_refused_before_unpickling(saved, monkeypatch):
    job, _ = saved
    data = bytearray(job.read_bytes())
    data[len(data) // 2] ^= 0x01
    job.write_bytes(bytes(data))
    import joblib

    def never(*a, **k):
        raise AssertionError("unpickled a tampered file")

    monkeypatch.setattr(joblib, "load", never)
    with pytest.raises(ArtifactMismatch, match="sha256"):
        load_artifact(job)


def test_other_library_version_is_refused(saved):
    job, meta = saved
    record = json.loads(meta.read_text(encoding="utf-8"))
    record["libraries"]["scikit-learn"] = "0.24.2"
    meta.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ArtifactMismatch, match="scikit-learn: artifact built with 0.24.2"):
        load_artifact(job)


def test_registry_hash_and_missing_metadata(saved):
    job, meta = saved
    with pytest.raises(ArtifactMismatch, match="registry"):
        load_artifact(job, expected_sha256="0" * 64)
    meta.unlink()
    with pytest.raises(ArtifactMismatch, match="no metadata"):
        load_artifact(job)


def test_version_rules():
    have = {
        "python": "3.11.7",
        "scikit-learn": "1.9.1",
        "numpy": "2.4.6",
        "pandas": "3.1.1",
        "scipy": "1.16.0",
    }
    assert check_versions(dict(have, numpy="2.4.0"), have) == []  # same major.minor
    problems = check_versions(dict(have, numpy="2.3.9", **{"scikit-learn": "1.9.0"}), have)
    assert len(problems) == 2 and any("numpy" in p for p in problems)
    assert any("not recorded" in p for p in check_versions({}, have))


def test_only_outcome_models_are_saved(tmp_path):
    with pytest.raises(TypeError):
        save_artifact(np.zeros(3), tmp_path, "x", 1)

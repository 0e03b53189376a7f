"""Issue 13 §1: the API serves a model with a target that was not learnt and says which
figures are absent (null values, a ``missing_<target>`` flag, a reason in vi and en)."""

from __future__ import annotations

import pytest

from .conftest import MODEL_NAME, install_model, make_settings, wait_ready


@pytest.fixture(scope="module")
def constant_completed_artifact(world, tmp_path_factory):
    from tests.conftest import fit_tiny

    from guidance.artifacts import save_artifact

    tables = dict(world, outcomes=world["outcomes"].assign(completed=True))
    models = fit_tiny(tables, 8)
    job, _ = save_artifact(models, tmp_path_factory.mktemp("missing"), MODEL_NAME, "1")
    return job


def test_api_says_which_figures_are_missing(seeded, constant_completed_artifact, tmp_path, learner):
    from fastapi.testclient import TestClient

    from guidance.api.app import create_app

    path = tmp_path / "serving" / f"{MODEL_NAME}-active.joblib"
    install_model(constant_completed_artifact, path)
    with TestClient(create_app(make_settings(tmp_path, seeded.url, path))) as client:
        wait_ready(client)
        r = client.post(
            "/api/v1/recommendations",
            json={"profile": learner, "k": 3},
            headers={"X-API-Key": seeded.counsellor_key},
        )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items
    for item in items:
        assert item["p_completed"] is None
        assert item["p_employed_12m"] is not None and item["wage_q50"] is not None
        assert "missing_completed" in item["flags"]
        assert any(s.startswith("Chưa có ước tính tỷ lệ hoàn thành") for s in item["reasons_vi"])
        assert any(s.startswith("No estimate of completing") for s in item["reasons_en"])

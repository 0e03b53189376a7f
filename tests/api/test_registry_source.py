"""Serving the MLflow registry's ``champion``: loaded, and moved aliases are followed."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import MODEL_NAME, make_settings, register_versions, wait_ready

from guidance.api.app import create_app


@pytest.mark.filterwarnings("ignore")
def test_serves_champion_and_follows_the_alias(seeded, tmp_path, artifacts, learner):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = register_versions(uri, tmp_path / "mlruns", artifacts)
    app = create_app(make_settings(tmp_path, seeded.url, None, mlflow_tracking_uri=uri))
    with TestClient(app) as api:
        wait_ready(api)
        body = api.post("/api/v1/recommendations", json={"profile": learner}).json()
        assert body["model_version"] == "1"  # the registry's version number
        client.set_registered_model_alias(MODEL_NAME, "champion", "2")
        t0 = time.monotonic()
        while (
            api.post("/api/v1/recommendations", json={"profile": learner}).json()["model_version"]
            != "2"
        ):
            assert time.monotonic() - t0 < 60
            time.sleep(0.1)
        models = api.get("/api/v1/models", headers={"X-API-Key": seeded.admin_key}).json()
        assert models["active"]["source"]["kind"] == "registry"
        assert {v["version"] for v in models["versions"]} == {"1", "2"}
        assert [v["aliases"] for v in models["versions"] if v["version"] == "2"] == [["champion"]]

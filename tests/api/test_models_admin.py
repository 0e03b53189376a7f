"""The admin's models panel behind the API: a reload that changes nothing says so, and a
server on the MLflow registry logs no download progress bars when it (re)loads."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import MODEL_NAME, make_settings, register_versions, wait_ready

from guidance.api.app import create_app
from guidance.api.holder import MLFLOW_PROGRESS_ENV


def test_reload_without_a_change_says_so(api, artifacts):
    r = api.post("/api/v1/models/reload", headers=api.admin)
    assert r.status_code == 200
    assert r.json() == {"version": "1", "swapped": False, "previous": "1"}
    from tests.api.conftest import install_model

    api.app.state.ctx.holder.stop()  # no watcher: the reload itself must notice the change
    install_model(artifacts["2"], api.model_path)
    r = api.post("/api/v1/models/reload", headers=api.admin)
    assert r.json() == {"version": "2", "swapped": True, "previous": "1"}
    r = api.post("/api/v1/models/reload", headers=api.admin)
    assert r.json() == {"version": "2", "swapped": False, "previous": "2"}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_registry_reload_logs_no_progress_bar(seeded, tmp_path, artifacts, capfd, monkeypatch):
    # the variable unset (restored afterwards): the server must set it itself
    monkeypatch.setenv(MLFLOW_PROGRESS_ENV, "true")
    monkeypatch.delenv(MLFLOW_PROGRESS_ENV)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = register_versions(uri, tmp_path / "mlruns", artifacts)
    from guidance import registry

    # the control: outside the server, a download draws MLflow's bar
    capfd.readouterr()
    registry.download_bundle(client, MODEL_NAME, "1", tmp_path / "dl")
    assert "Downloading artifacts" in capfd.readouterr().err
    app = create_app(make_settings(tmp_path, seeded.url, None, mlflow_tracking_uri=uri))
    with TestClient(app) as api:
        wait_ready(api)
        api.app.state.ctx.holder.stop()  # the reload below, not the watcher, loads version 2
        client.set_registered_model_alias(MODEL_NAME, registry.CHAMPION, "2")
        r = api.post("/api/v1/models/reload", headers={"X-API-Key": seeded.admin_key})
        assert r.json() == {"version": "2", "swapped": True, "previous": "1"}
    out = capfd.readouterr()
    assert os.environ[MLFLOW_PROGRESS_ENV] == "false"
    assert "Downloading artifacts" not in out.err + out.out


def test_metrics_view_reads_the_flat_names_as_tables():
    from guidance.api.routes.models import _roles, metrics_view

    flat = {
        "test.employed_12m.n": 4277.0,
        "test.employed_12m.auc": 0.71234,
        "test.employed_12m.unreliable": 0.0,
        "baseline.global_rate.employed_12m.auc": 0.5,
        "baseline.global_rate.employed_12m.brier": float("nan"),
        "fairness.employed_12m.sex.max_abs_gap": 0.02,
        "fitted.employed_12m": 1.0,
        "fitted.wage": 1.0,
        "beats_baselines": 1.0,
        "metrics_unreliable": 0.0,
    }
    view = metrics_view(flat)
    assert view["targets"] == [
        {
            "target": "employed_12m",
            "fitted": True,
            "unreliable": False,
            "model": {"n": 4277.0, "auc": 0.71234},
            "baselines": [{"name": "global_rate", "auc": 0.5, "brier": None}],
        }
    ]
    assert view["fairness"] == [{"target": "employed_12m", "attribute": "sex", "max_abs_gap": 0.02}]
    assert view["beats_baselines"] is True and view["metrics_unreliable"] is False
    versions = [
        {"version": "1", "aliases": [], "tags": {}},
        {"version": "2", "aliases": ["champion"], "tags": {"promoted_from": "1"}},
        {"version": "10", "aliases": [], "tags": {}},
    ]
    assert _roles(versions) == ("2", "10", "1")
    assert _roles([{"version": "1", "aliases": ["active"]}]) == ("1", None, None)

"""The active model's card (admins only): served as Markdown from beside the artifact; 404
when the served version has none, 503 when no model is loaded."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import MODEL_NAME, make_settings, wait_ready

from guidance.api.app import create_app
from guidance.artifacts import sha256_file

CARD = "/api/v1/models/card"
TEXT = (
    "# Model card: guidance-outcomes version 1\n\n## Giới hạn\n"
    "- Kết quả là gợi ý, không phải quyết định <script>x</script>\n"
)


def test_card_of_the_active_version_for_admins_only(api):
    served = api.model_path  # .../serving/guidance-outcomes-active.joblib, version 1
    r = api.get(CARD, headers=api.admin)
    assert r.status_code == 404, r.text
    err = r.json()["error"]
    assert err["code"] == "not_found" and "version 1 has no model card" in err["message"]
    # a card of another version does not stand in for the active one
    (served.parent / f"{MODEL_NAME}-2.md").write_text("# version 2\n", encoding="utf-8")
    assert api.get(CARD, headers=api.admin).status_code == 404
    (served.parent / f"{MODEL_NAME}-1.md").write_text(TEXT, encoding="utf-8")
    r = api.get(CARD, headers=api.admin)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/markdown; charset=utf-8"
    assert r.text == TEXT  # verbatim, diacritics intact, nothing rendered or escaped
    assert api.get(CARD, headers=api.counsellor).status_code == 403
    r = api.get(CARD)
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


def test_card_beside_a_served_copy_is_found(api):
    """A deployment may copy the artifact to a fixed name; its ``.md`` goes with it."""
    api.model_path.with_suffix(".md").write_text(TEXT, encoding="utf-8")
    r = api.get(CARD, headers=api.admin)
    assert r.status_code == 200 and r.text == TEXT


def test_no_model_loaded_gives_503(seeded, tmp_path):
    app = create_app(make_settings(tmp_path, seeded.url, tmp_path / "missing.joblib"))
    with TestClient(app) as client:
        for _ in range(100):  # wait for the first (failing) load attempt
            if client.get("/readyz", headers={"X-API-Key": seeded.admin_key}).json()["details"][
                "last_model_error"
            ]:
                break
            time.sleep(0.05)
        r = client.get(CARD, headers={"X-API-Key": seeded.admin_key})
        assert r.status_code == 503 and r.json()["error"]["code"] == "model_not_ready"
        assert client.get(CARD, headers={"X-API-Key": seeded.counsellor_key}).status_code == 403


@pytest.mark.filterwarnings("ignore")
def test_registry_card_comes_from_the_versions_run(seeded, tmp_path, artifacts):
    """Registry source: the card logged under ``model_card/`` of the champion's run."""
    import json
    import warnings

    import mlflow

    from guidance import registry

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = registry.connect(uri)
    exp = registry.ensure_experiment(client, tmp_path / "mlruns")
    job = artifacts["1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mlflow.start_run(experiment_id=exp) as run:
            meta = json.loads(job.with_suffix(".json").read_text(encoding="utf-8"))
            meta_path = tmp_path / "bundle" / job.with_suffix(".json").name
            meta_path.parent.mkdir()
            meta_path.write_text(json.dumps({**meta, "run_id": run.info.run_id}), encoding="utf-8")
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=registry.OutcomesPyfunc(),
                artifacts={"bundle": str(job), "metadata": str(meta_path)},
                pip_requirements=["mlflow"],
            )
            card = tmp_path / f"{MODEL_NAME}-1.md"  # the registry assigns version 1
            card.write_text(TEXT, encoding="utf-8")
            mlflow.log_artifact(str(card), artifact_path="model_card")
        mlflow.register_model(info.model_uri, MODEL_NAME, tags={"sha256": sha256_file(job)})
    client.set_registered_model_alias(MODEL_NAME, registry.CHAMPION, "1")
    app = create_app(make_settings(tmp_path, seeded.url, None, mlflow_tracking_uri=uri))
    with TestClient(app) as api:
        wait_ready(api)
        r = api.get(CARD, headers={"X-API-Key": seeded.admin_key})
        assert r.status_code == 200, r.text
        assert r.text == TEXT and r.headers["content-type"].startswith("text/markdown")

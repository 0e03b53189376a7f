"""API fixtures: the session's tiny world and two model versions (tests/conftest.py), and
for each test a database of each engine (SQLite file in tmp_path; PostgreSQL in a fresh
random schema, which FAILS rather than skips when the server is down) holding that world's
catalogue, its newest demand periods and API keys (admin, counsellor, and an institution key
for each of two institutions of the catalogue)."""

from __future__ import annotations

import os
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MODEL_NAME = "guidance-outcomes"
DEMAND_PERIODS = 3


@pytest.fixture(scope="session")
def world(tiny_tables) -> dict:
    """The tiny world's tables (tests/conftest.py ``tiny_tables``, seed 42). Read-only."""
    return tiny_tables


@pytest.fixture(scope="session")
def artifacts(tiny_artifacts) -> dict[str, Path]:
    """Two model versions saved as verified artifacts: ``{"1": path, "2": path}``; they
    differ (different boosting iterations), so their scores tell them apart
    (tests/conftest.py ``tiny_artifacts``; read-only: ``install_model`` copies)."""
    return tiny_artifacts


def install_model(src: Path, dst: Path) -> None:
    """Put artifact ``src`` at ``dst`` (joblib and json), each file replaced atomically."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for a, b in ((src.with_suffix(".json"), dst.with_suffix(".json")), (src, dst)):
        tmp = b.with_name(b.name + ".tmp")
        shutil.copyfile(a, tmp)
        os.replace(tmp, b)


@dataclass
class Seeded:
    url: str
    engine: object
    admin_key: str
    counsellor_key: str
    counsellor_id: int
    periods: list[str]
    institution_a: str = ""  # two institutions of the tiny world's catalogue, with a key each
    institution_b: str = ""
    institution_a_key: str = ""
    institution_b_key: str = ""


def newest_demand(world: dict, n: int = DEMAND_PERIODS):  # noqa: ANN201 - DataFrame
    d = world["demand"]
    periods = sorted(d["period"].unique())[-n:]
    return d[d["period"].isin(periods)].reset_index(drop=True)


@pytest.fixture
def seeded(db_url, world) -> Iterator[Seeded]:
    """A migrated database with the catalogue, the newest demand periods and two keys."""
    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.demand import load_demand
    from guidance.store.keys import create_key
    from guidance.store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    load_catalogue(engine, world)
    demand = newest_demand(world)
    load_demand(engine, demand)
    _, admin = create_key(engine, "admin", "admin")
    cid, counsellor = create_key(engine, "counsellor", "counsellor")
    inst_a, inst_b = sorted(world["programmes"]["institution_id"].astype(str).unique())[:2]
    _, key_a = create_key(engine, "clerk A", "institution", inst_a)
    _, key_b = create_key(engine, "clerk B", "institution", inst_b)
    yield Seeded(
        db_url,
        engine,
        admin,
        counsellor,
        cid,
        sorted(demand["period"].unique()),
        inst_a,
        inst_b,
        key_a,
        key_b,
    )
    engine.dispose()


@pytest.fixture
def model_path(tmp_path, artifacts) -> Path:
    """The served artifact path, holding version 1."""
    p = tmp_path / "serving" / f"{MODEL_NAME}-active.joblib"
    install_model(artifacts["1"], p)
    return p


def make_settings(tmp_path: Path, url: str, model_path: Path | None, **kw):  # noqa: ANN201
    from guidance.settings import Settings

    values = dict(
        database_url=url,
        var_dir=tmp_path / "var",
        model_path=model_path,
        model_poll_seconds=0.2,
        api_secret="test-secret",
        mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
    )
    values.update(kw)
    return Settings(**values)


def wait_ready(client, timeout: float = 60.0) -> dict:  # noqa: ANN001
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        r = client.get("/readyz")
        if r.status_code == 200:
            return r.json()
        time.sleep(0.05)
    raise AssertionError(f"not ready after {timeout} s: {r.json()}")


@pytest.fixture
def api(seeded, model_path, tmp_path) -> Iterator:
    """A started app (lifespan run) with model version 1, ready; ``api.seeded`` etc."""
    from fastapi.testclient import TestClient

    from guidance.api.app import create_app

    app = create_app(make_settings(tmp_path, seeded.url, model_path))
    with TestClient(app) as client:
        wait_ready(client)
        client.seeded = seeded
        client.model_path = model_path
        client.admin = {"X-API-Key": seeded.admin_key}
        client.counsellor = {"X-API-Key": seeded.counsellor_key}
        client.institution_a = {"X-API-Key": seeded.institution_a_key}
        client.institution_b = {"X-API-Key": seeded.institution_b_key}
        yield client


@pytest.fixture
def learner(world) -> dict:
    """A fixture learner; the personal-looking values are scanned for in the logs."""
    prog = world["programmes"]
    home = str(prog["province_code"].value_counts().index[0])
    return {
        "learner_id": "HS-PRIVATE-4711",
        "age": 17,
        "home_province_code": home,
        "education_level": 12,
        "gpa": 7.37,
        "math_score": 8.13,
        "riasec_r": 0.61,
        "riasec_i": 0.42,
        "riasec_s": 0.27,
        "sex": "F",
        "prior_work_months": 3,
    }


def register_versions(tracking_uri: str, root, artifacts):  # noqa: ANN001, ANN201 - MlflowClient
    """Versions 1 and 2 of ``MODEL_NAME`` in the MLflow registry at ``tracking_uri`` (the
    bundles of ``artifacts``, each tagged with its sha256), alias champion = 1."""
    import mlflow

    from guidance import registry
    from guidance.artifacts import sha256_file

    client = registry.connect(tracking_uri)
    exp = registry.ensure_experiment(client, root)
    for version in ("1", "2"):
        job = artifacts[version]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with mlflow.start_run(experiment_id=exp):
                info = mlflow.pyfunc.log_model(
                    name="model",
                    python_model=registry.OutcomesPyfunc(),
                    artifacts={"bundle": str(job), "metadata": str(job.with_suffix(".json"))},
                    pip_requirements=["mlflow"],
                )
            mlflow.register_model(info.model_uri, MODEL_NAME, tags={"sha256": sha256_file(job)})
    client.set_registered_model_alias(MODEL_NAME, registry.CHAMPION, "1")
    return client

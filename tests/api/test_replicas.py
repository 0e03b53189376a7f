"""Stateless API replicas: two real ``guidance serve`` processes on different ports over one
PostgreSQL schema and one MLflow registry (a SQLite store in tmp), each with its own
``var_dir``. Same answers from both; a promotion and a demand upload made through one are
served by both; audit rows from both land in the one database."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select
from tests.api.conftest import MODEL_NAME, register_versions
from tests.api.server import Server
from tests.api.test_demand import _valid_csv

POLL = 0.5  # GUIDANCE_MODEL_POLL_SECONDS of both replicas

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.filterwarnings("ignore")]


def _replica(tmp_path, url: str, uri: str, name: str) -> Server:  # noqa: ANN001
    s = Server(
        tmp_path,
        url,
        tmp_path / "unused.joblib",
        GUIDANCE_MLFLOW_TRACKING_URI=uri,
        GUIDANCE_VAR_DIR=str(tmp_path / f"var-{name}"),
        GUIDANCE_MODEL_POLL_SECONDS=str(POLL),
        GUIDANCE_API_SECRET="shared-secret",
    )
    del s.env["GUIDANCE_MODEL_PATH"]  # serve the registry's champion
    return s


def _until(fn, timeout: float = 60.0):  # noqa: ANN001, ANN202
    t0 = time.monotonic()
    while True:
        got = fn()
        if got:
            return got, time.monotonic() - t0
        assert time.monotonic() - t0 < timeout, "condition not met in time"
        time.sleep(0.05)


def _answer(r: httpx.Response) -> dict:
    assert r.status_code == 200, r.text
    body = r.json()
    body.pop("request_id")
    return body


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_replicas_share_everything_that_matters(seeded, artifacts, world, learner, tmp_path):
    from guidance.store.audit import AUDIT

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = register_versions(uri, tmp_path / "mlruns", artifacts)
    a = _replica(tmp_path, seeded.url, uri, "a").start()
    try:
        b = _replica(tmp_path, seeded.url, uri, "b").start()
    except BaseException:
        a.stop()
        raise
    admin = {"X-API-Key": seeded.admin_key}
    counsellor = {"X-API-Key": seeded.counsellor_key}
    try:
        with (
            httpx.Client(base_url=a.url, timeout=30) as ha,
            httpx.Client(base_url=b.url, timeout=30) as hb,
        ):

            def rec(h: httpx.Client, **kw) -> httpx.Response:  # noqa: ANN003
                return h.post("/api/v1/recommendations", json={"profile": learner}, **kw)

            # 1. the same request, the same answer from both
            first_a, first_b = rec(ha, headers=counsellor), rec(hb, headers=counsellor)
            ids = {first_a.headers["x-request-id"], first_b.headers["x-request-id"]}
            got_a, got_b = _answer(first_a), _answer(first_b)
            assert got_a == got_b and got_a["model_version"] == "1" and got_a["items"]

            # 2. a promotion (alias moved in the registry) is served by both
            client.set_registered_model_alias(MODEL_NAME, "champion", "2")
            for h in (ha, hb):
                _, took = _until(lambda h=h: _answer(rec(h))["model_version"] == "2")
                # noticed at the next poll; the rest is downloading and checking the bundle
                assert took < POLL + 30
            assert _answer(rec(ha)) == _answer(rec(hb))

            # 3. a demand upload through A is served by B (and B answers A's job status)
            new = "2031-01"
            r = ha.put(
                f"/api/v1/demand/{new}",
                content=_valid_csv(world, new).encode(),
                headers={**admin, "Content-Type": "text/csv"},
            )
            assert r.status_code == 202, r.text
            job, _ = _until(
                lambda: (
                    (j := hb.get(r.json()["status_url"], headers=admin).json()).get("status")
                    in ("succeeded", "failed")
                    and j
                )
            )
            assert job["status"] == "succeeded", job
            _until(lambda: _answer(rec(hb))["demand_period"] == new)
            assert _answer(rec(ha)) == _answer(rec(hb))

            # 4. audit rows from both land in the one database, hashed with the one secret
            last_a, last_b = rec(ha, headers=counsellor), rec(hb, headers=counsellor)
            ids |= {last_a.headers["x-request-id"], last_b.headers["x-request-id"]}

            def audited() -> list:
                with seeded.engine.connect() as conn:
                    return conn.execute(
                        select(
                            AUDIT.c.request_id, AUDIT.c.profile_hash, AUDIT.c.model_version
                        ).where(AUDIT.c.request_id.in_(ids))
                    ).all()

            rows, _ = _until(lambda: (got := audited()) and len(got) == len(ids) and got)
            assert {r.request_id for r in rows} == ids
            assert len({r.profile_hash for r in rows}) == 1  # one learner, one hash
            assert sorted(r.model_version for r in rows) == ["1", "1", "2", "2"]
            # both replicas' rows are visible through either one
            today = time.strftime("%Y-%m-%d", time.gmtime())
            listed = hb.get(
                "/api/v1/audit", params={"start": today, "end": today}, headers=admin
            ).json()["items"]
            assert ids <= {i["request_id"] for i in listed}

            # 5. metrics are per process: each replica counts only what it served
            def served(h: httpx.Client) -> float:
                text = h.get("/metrics").text
                return sum(
                    float(line.rsplit(" ", 1)[1])
                    for line in text.splitlines()
                    if line.startswith("guidance_requests_total{")
                    and 'route="/api/v1/recommendations"' in line
                )

            before_a, before_b = served(ha), served(hb)
            for _ in range(3):
                rec(ha)
            assert served(ha) == before_a + 3 and served(hb) == before_b
    finally:
        for s in (a, b):
            s.stop()

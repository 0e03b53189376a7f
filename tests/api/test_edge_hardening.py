"""Edge hardening (issue 14): body limits per route, capped error details, undecodable
JSON and database data errors as 422, trusted hosts, no slash redirects, /readyz."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.api.conftest import make_settings, wait_ready

API = "/api/v1"
KIB = 1024


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only in this module (the engine-specific part is the data-error test)."""
    yield f"sqlite:///{tmp_path / 'db' / 'guidance.db'}"


def _unknown_keys(n: int, start: int = 0) -> bytes:
    return json.dumps({f"k{i:06d}": 0 for i in range(start, start + n)}).encode()


def _unknown_keys_up_to(size: int) -> tuple[bytes, int]:
    """The largest body of unknown keys not beyond ``size`` bytes, and its key count."""
    n = size // 12
    while len(_unknown_keys(n)) > size:
        n -= 50
    return _unknown_keys(n), n


def _chunks(data: bytes, size: int = 8 * KIB) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _is_error(r, status: int, code: str) -> dict:  # noqa: ANN001
    assert r.status_code == status, (r.status_code, r.text[:500])
    err = r.json()["error"]
    assert err["code"] == code, err
    assert set(err) >= {"code", "message", "request_id"}
    return err


@pytest.fixture
def small_upload(seeded, model_path, tmp_path) -> Iterator:
    """The app with an 8 KiB demand-upload limit (the default 64 MiB is too big to send)."""
    from fastapi.testclient import TestClient

    from guidance.api.app import create_app

    app = create_app(make_settings(tmp_path, seeded.url, model_path, max_upload_bytes=8 * KIB))
    with TestClient(app) as client:
        wait_ready(client)
        client.admin = {"X-API-Key": seeded.admin_key}
        yield client


ROUTES = [
    ("POST", f"{API}/recommendations", 64 * KIB),
    ("POST", f"{API}/recommendations/what-if", 64 * KIB),
    ("POST", f"{API}/recommendations/batch", 1 << 20),
    ("POST", f"{API}/feedback", 1 << 20),
]  # any other route: max_body_bytes


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "streamed"])
def test_413_per_route_declared_and_streamed(api, small_upload, streamed):
    def send(client, method, path, data, headers):  # noqa: ANN001, ANN202
        content = _chunks(data) if streamed else data
        return client.request(
            method, path, content=content, headers={"content-type": "application/json", **headers}
        )

    cases = ROUTES + [("PUT", f"{API}/demand/2030-01", 8 * KIB)]
    for method, path, limit in cases:
        client = small_upload if method == "PUT" else api
        headers = {**api.counsellor} if "batch" in path else {}
        if method == "PUT":
            headers = {**small_upload.admin, "content-type": "text/csv"}
        over = b"a" * (limit + 1)
        r = send(client, method, path, over, headers)
        err = _is_error(r, 413, "payload_too_large")
        assert str(limit) in err["message"], (path, err)
        # at the limit it is parsed (and refused for other reasons), never a 413
        at = b" " * (limit - 2) + b"{}"
        r = send(client, method, path, at, headers)
        assert r.status_code != 413, (path, r.status_code)


def test_650kb_of_unknown_keys_is_413(api):
    body = _unknown_keys(60_000)
    assert len(body) > 600_000
    for path in (f"{API}/recommendations", f"{API}/recommendations/what-if"):
        r = api.post(path, content=body, headers={"content-type": "application/json"})
        _is_error(r, 413, "payload_too_large")


def test_thousands_of_unknown_keys_give_20_details_and_the_true_count(api, learner):
    n = 4000
    body = json.loads(_unknown_keys(n))
    body["profile"] = learner  # a valid request plus n unknown keys: n errors exactly
    raw = json.dumps(body).encode()
    assert 50 * KIB < len(raw) < 64 * KIB
    r = api.post(
        f"{API}/recommendations", content=raw, headers={"content-type": "application/json"}
    )
    err = _is_error(r, 422, "validation_error")
    assert len(err["details"]) == 20
    assert err["details_total"] == n, err["details_total"]
    assert err["details_truncated"] is True
    assert len(r.content) < 10 * KIB, len(r.content)
    assert "HS-PRIVATE-4711" not in r.text  # no value echoed


def test_worst_body_under_the_public_limit_is_fast(api):
    raw, n = _unknown_keys_up_to(64 * KIB)
    api.post(
        f"{API}/recommendations", content=raw, headers={"content-type": "application/json"}
    )  # warm
    t0 = time.perf_counter()
    r = api.post(
        f"{API}/recommendations", content=raw, headers={"content-type": "application/json"}
    )
    dt = time.perf_counter() - t0
    print(f"\n64 KiB body ({len(raw)} B, {n} unknown keys): {r.status_code} in {dt * 1e3:.1f} ms")
    err = _is_error(r, 422, "validation_error")
    assert err["details_total"] >= n
    assert dt < 1.0


def test_invalid_utf8_and_deep_json_are_422(api):
    deep = b"[" * 10_000 + b"]" * 10_000
    bad_utf8 = b'{"age": "\xff\xfe\xfa"}'
    for raw in (bad_utf8, deep):
        for path in (f"{API}/recommendations", f"{API}/recommendations/what-if"):
            r = api.post(path, content=raw, headers={"content-type": "application/json"})
            _is_error(r, 422, "validation_error")
            assert "Traceback" not in r.text


def test_unknown_host_is_400_without_location(api):
    for method, path in (
        ("GET", f"{API}/models"),
        ("GET", f"{API}/models/"),
        ("GET", "/docs"),
        ("POST", f"{API}/recommendations"),
    ):
        r = api.request(
            method, path, headers={"Host": "evil.example", **api.admin}, follow_redirects=False
        )
        _is_error(r, 400, "host_not_allowed")
        assert "location" not in r.headers
        assert "evil.example" not in r.text
    # probes are exempt: orchestrators call them by IP
    for path in ("/healthz", "/readyz"):
        assert api.get(path, headers={"Host": "10.1.2.3"}).status_code == 200


def test_trailing_slash_is_404_not_redirect(api):
    for path in (f"{API}/models/", f"{API}/catalogue/programmes/", "/readyz/"):
        r = api.get(path, headers=api.admin, follow_redirects=False)
        assert r.status_code == 404, (path, r.status_code)
        assert "location" not in r.headers
    r = api.get(f"{API}/models", headers=api.admin, follow_redirects=False)
    assert r.status_code == 200


def test_readyz_public_body_is_code_only_admin_gets_details(api):
    r = api.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"ready": True, "status": "ok"}
    assert ".joblib" not in r.text and "sha" not in r.text.lower()
    r = api.get("/readyz", headers=api.counsellor)
    assert set(r.json()) == {"ready", "status"}
    r = api.get("/readyz", headers=api.admin)
    body = r.json()
    assert set(body) == {"ready", "status", "details"}
    assert body["details"]["model_version"] == "1"


def test_batch_empty_csv_is_422_and_other_types_415(api):
    url = f"{API}/recommendations/batch"
    for raw in (b"", b"\n", b"\xef\xbb\xbf"):
        r = api.post(url, content=raw, headers={**api.counsellor, "content-type": "text/csv"})
        err = _is_error(r, 422, "validation_error")
        assert [d["type"] for d in err["details"]] == ["csv_empty"], err
    for ctype in ("text/plain", "application/xml", "multipart/form-data; boundary=x"):
        r = api.post(url, content=b"age\n17\n", headers={**api.counsellor, "content-type": ctype})
        _is_error(r, 415, "unsupported_media_type")


# --- database data errors: 422, never 503 -----------------------------------------------


def test_is_data_error_on_constructed_exceptions():
    import sqlite3

    import psycopg.errors as pe
    from sqlalchemy.exc import DataError, OperationalError

    from guidance.api.errors import is_data_error
    from guidance.store.db import StoreError

    assert is_data_error(DataError("SELECT", {}, Exception("x")))
    assert is_data_error(OverflowError("Python int too large to convert to SQLite INTEGER"))
    assert is_data_error(OperationalError("SELECT", {}, pe.NumericValueOutOfRange("x")))
    assert is_data_error(OperationalError("SELECT", {}, sqlite3.DataError("x")))
    wrapped = StoreError("store failed")
    wrapped.__cause__ = pe.InvalidTextRepresentation("bad")
    assert is_data_error(wrapped)
    assert not is_data_error(OperationalError("SELECT", {}, pe.ConnectionTimeout("down")))
    assert not is_data_error(StoreError("store failed"))
    assert not is_data_error(ValueError("x"))
    assert not is_data_error(None)
    loop = StoreError("a")
    loop.__context__ = loop  # a cycle must end
    assert not is_data_error(loop)


@pytest.mark.postgres
def test_real_postgres_data_error_is_422_not_503(tmp_path):
    """A real PostgreSQL refusal (``CAST('x' AS INTEGER)``) raised from a route, as
    SQLAlchemy raises it and wrapped in ``StoreError``, answers 422; a real connection
    failure answers 503."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    from tests.conftest import PG_URL

    from guidance.api import errors
    from guidance.store.db import StoreError, make_engine

    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT CAST('x' AS INTEGER)"))
    except DBAPIError as exc:
        real = exc
    finally:
        engine.dispose()
    assert errors.is_data_error(real), type(real.orig)
    wrapped = StoreError("store failed")
    wrapped.__cause__ = real

    down = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2")
    try:
        with down.connect():
            pass
    except DBAPIError as exc:
        outage = exc
    finally:
        down.dispose()
    assert not errors.is_data_error(outage)

    app = FastAPI()
    errors.install(app)
    raised = {"plain": real, "wrapped": wrapped, "outage": outage}

    @app.get("/boom/{kind}")
    def boom(kind: str) -> None:
        raise raised[kind]

    with TestClient(app, raise_server_exceptions=False) as client:
        for kind in ("plain", "wrapped"):
            r = client.get(f"/boom/{kind}")
            assert r.status_code == 422, (kind, r.text)
            assert r.json()["error"]["code"] == "validation_error"
            assert "CAST" not in r.text and "SELECT" not in r.text
        r = client.get("/boom/outage")
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "database_unavailable"

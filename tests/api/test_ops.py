"""Health, readiness (503 and why, never 500), metrics, limits and security headers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.api.conftest import make_settings, wait_ready

from guidance.api.app import create_app


def test_not_ready_without_a_model_gives_503_never_500(seeded, tmp_path, learner):
    app = create_app(make_settings(tmp_path, seeded.url, tmp_path / "missing.joblib"))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        import time

        admin = {"X-API-Key": seeded.admin_key}
        for _ in range(100):  # the first load attempt runs in the background
            r = client.get("/readyz", headers=admin)
            assert r.status_code == 503
            if r.json()["details"]["last_model_error"]:
                break
            time.sleep(0.05)
        details = r.json()["details"]
        assert any("no model" in x and "does not exist" in x for x in details["reasons"])
        # the public probe says not ready and why in one code, nothing internal
        public = client.get("/readyz")
        assert public.status_code == 503
        assert public.json() == {"ready": False, "status": "no_model"}
        assert "joblib" not in public.text
        r = client.post("/api/v1/recommendations", json={"profile": learner})
        assert r.status_code == 503 and r.json()["error"]["code"] == "model_not_ready"
        assert r.headers["retry-after"]
        # the catalogue does not need the model
        assert client.get("/api/v1/programmes").status_code == 200


def test_database_down_gives_503_and_not_ready(tmp_path, model_path, learner):
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    (tmp_path / "no").write_text("a file where a directory should be")
    app = create_app(make_settings(tmp_path, url, model_path))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "database_unavailable"
        for method, path, kw in (
            ("GET", "/api/v1/programmes", {}),
            ("POST", "/api/v1/recommendations", {"json": {"profile": learner}}),
            ("GET", "/api/v1/demand", {}),
        ):
            r = client.request(method, path, **kw)
            assert r.status_code == 503, (path, r.text)
            assert "Traceback" not in r.text and "SELECT" not in r.text


def test_database_lost_after_start_gives_503(api):
    from guidance.store.db import make_engine

    ctx = api.app.state.ctx
    real, dead = ctx.engine, make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    ctx.engine = dead  # as if the server went away
    try:
        r = api.get("/api/v1/programmes")
        assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"
        assert "psycopg" not in r.text and "SELECT" not in r.text
        ready = api.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"ready": False, "status": "database_unavailable"}
    finally:
        ctx.engine = real
        dead.dispose()
    assert api.get("/readyz").status_code == 200


def test_metrics_show_requests_model_version_and_demand_period(api):
    api.get("/api/v1/occupations")
    text = api.get("/metrics").text
    assert 'guidance_model_info{version="1"} 1.0' in text
    assert f'guidance_demand_period_info{{period="{api.seeded.periods[-1]}"}} 1.0' in text
    assert 'guidance_requests_total{method="GET",route="/api/v1/occupations",status="200"}' in text


def test_body_limit_413_declared_and_streamed(api, learner):
    big = b'{"profile": {}, "pad": "' + b"x" * (1 << 20) + b'"}'
    r = api.post(
        "/api/v1/recommendations", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(20):
            yield b"x" * 100_000

    r = api.post(
        "/api/v1/recommendations/batch",
        content=chunks(),
        headers={**api.counsellor, "Content-Type": "text/csv"},
    )
    assert r.status_code == 413


def test_security_headers_on_json_and_html(api):
    from guidance.api.limits import STRICT_CSP

    for path in ("/healthz", "/api/v1/occupations", "/docs", "/openapi.json", "/nowhere"):
        r = api.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "server" not in r.headers and "x-powered-by" not in r.headers
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        if path != "/docs":
            assert csp == STRICT_CSP
    html = api.get("/docs")
    assert html.headers["content-type"].startswith("text/html")
    # the docs page's inline script is allowed by hash, and only it
    import base64
    import hashlib
    import re

    scripts = re.findall(r"<script>(.*?)</script>", html.text, flags=re.S)
    assert scripts
    for s in scripts:
        h = base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
        assert f"'sha256-{h}'" in html.headers["content-security-policy"]


def test_concurrency_limit_sheds_with_503(seeded, model_path, tmp_path):
    import asyncio

    import httpx

    app = create_app(make_settings(tmp_path, seeded.url, model_path, max_concurrency=1))
    limits = app.middleware_stack  # noqa: F841 - built lazily by the TestClient below
    with TestClient(app):
        # find the limit middleware and occupy its only slot
        layer = app.middleware_stack
        while layer is not None and type(layer).__name__ != "LimitMiddleware":
            layer = getattr(layer, "app", None)
        assert layer is not None
        layer.in_flight = 1

        async def go():  # noqa: ANN202
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.get("/api/v1/occupations"), await c.get("/healthz")

        shed, health = asyncio.run(go())
        layer.in_flight = 0
    assert shed.status_code == 503 and shed.headers["retry-after"] == "1"
    assert health.status_code == 200  # probes are never shed


def test_timeout_gives_503(seeded, model_path, tmp_path, learner, monkeypatch):
    import time

    from guidance.api.routes import catalogue

    app = create_app(make_settings(tmp_path, seeded.url, model_path, request_timeout_seconds=0.3))
    with TestClient(app) as client:
        real = catalogue.occupations

        monkeypatch.setattr(
            "guidance.store.catalogue.list_occupations", lambda engine: time.sleep(1.0) or []
        )
        t0 = time.monotonic()
        r = client.get("/api/v1/occupations")
        assert r.status_code == 503 and r.json()["error"]["code"] == "timeout"
        assert time.monotonic() - t0 < 0.9
        assert real is catalogue.occupations


def test_nul_characters_are_422_on_both_engines(api, world):
    """PostgreSQL cannot store or compare NUL; the edge refuses it everywhere, so both
    engines answer the same."""
    r = api.get("/api/v1/programmes", params={"province": "0\x001"})
    assert r.status_code == 422
    r = api.post("/api/v1/feedback", json={"programme_id": "P\x001"}, headers=api.counsellor)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    known = str(world["programmes"]["programme_id"][0])  # feedback refuses unknown ids
    assert (
        api.post(
            "/api/v1/feedback", json={"programme_id": known}, headers=api.counsellor
        ).status_code
        == 201
    )


def test_a_hanging_model_call_times_out_and_the_model_is_free_again(
    seeded, model_path, tmp_path, learner
):
    """A model call that hangs past the budget: 503 within budget + 0.5 s, probes still
    answer, requests arriving meanwhile do not queue behind it for longer than their own
    budget, and once the call returns the next request is served (RELIABILITY A6)."""
    import threading
    import time

    app = create_app(make_settings(tmp_path, seeded.url, model_path, request_timeout_seconds=0.5))
    body = {"profile": learner, "k": 3}
    with TestClient(app) as client:
        wait_ready(client)
        served = app.state.ctx.holder.require()
        real = served.recommender.recommend
        release = threading.Event()

        def hang(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            release.wait(10)
            return real(*args, **kwargs)

        served.recommender.recommend = hang
        t0 = time.monotonic()
        r = client.post("/api/v1/recommendations", json=body)
        assert r.status_code == 503 and r.json()["error"]["code"] == "timeout"
        assert time.monotonic() - t0 < 1.0
        assert client.get("/healthz").status_code == 200
        t0 = time.monotonic()
        r = client.post("/api/v1/recommendations", json=body)  # the model is still held
        assert r.status_code == 503 and time.monotonic() - t0 < 1.0
        served.recommender.recommend = real
        release.set()
        deadline = time.monotonic() + 5
        while (r := client.post("/api/v1/recommendations", json=body)).status_code != 200:
            assert time.monotonic() < deadline, r.text
        assert r.json()["items"]

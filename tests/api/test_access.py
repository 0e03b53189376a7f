"""The access matrix: every route of the app is in it, and each route answers exactly the
roles the matrix allows (401 without a key, 403 for a role it refuses)."""

from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts

from guidance.api.security import ACCESS, ADMIN, COUNSELLOR, INSTITUTION, PUBLIC

SAMPLE_PATH = {
    "{programme_id}": "NO-SUCH-ID",
    "{period}": "2031-01",
    "{cohort}": "2025-06",
    "{wave}": "12m",
    "{version}": "1",
    "{error_id}": "0" * 32,
}


def _app_routes(app) -> set[tuple[str, str]]:  # noqa: ANN001
    """Every (method, path) the app serves: ``app.routes`` with included routers expanded."""
    out = set()
    for route in iter_route_contexts(app.routes):
        assert route.methods, f"route without methods (mount/websocket?): {route.path}"
        for method in route.methods:
            if method != "HEAD":
                out.add((method, route.path))
    assert len(out) >= len(app.routes)
    return out


def test_every_route_is_in_the_matrix_and_nothing_else(api):
    routes = _app_routes(api.app)
    assert routes - set(ACCESS) == set(), "routes missing from the access matrix"
    assert set(ACCESS) - routes == set(), "matrix entries without a route"


def _call(api, method: str, path: str, role: str):  # noqa: ANN001, ANN202
    for k, v in {**SAMPLE_PATH, "{institution_id}": api.seeded.institution_a}.items():
        path = path.replace(k, v)
    headers = {
        PUBLIC: {},
        COUNSELLOR: api.counsellor,
        ADMIN: api.admin,
        INSTITUTION: api.institution_a,
    }[role]
    return api.request(method, path, headers=headers)


@pytest.mark.parametrize("role", [PUBLIC, COUNSELLOR, ADMIN, INSTITUTION])
def test_each_route_refuses_exactly_the_roles_it_should(api, role):
    for (method, path), allowed in sorted(ACCESS.items()):
        if path == "/api/v1/models/reload" and role == ADMIN:
            continue  # a reload is exercised in test_models
        r = _call(api, method, path, role)
        if role in allowed:
            assert r.status_code not in (401, 403), (method, path, role, r.text)
        else:
            want = 401 if role == PUBLIC else 403
            assert r.status_code == want, (method, path, role, r.status_code)
            assert r.json()["error"]["code"] in ("not_authenticated", "forbidden")


def test_wrong_or_revoked_key_is_401_even_on_public_routes(api):
    from guidance.store.keys import revoke_key

    assert api.get("/api/v1/occupations", headers={"X-API-Key": "x" * 43}).status_code == 401
    assert revoke_key(api.seeded.engine, api.seeded.counsellor_id)
    r = api.post("/api/v1/feedback", json={}, headers=api.counsellor)
    assert r.status_code == 401


def test_public_rate_limit_answers_429_with_retry_after(seeded, model_path, tmp_path):
    from fastapi.testclient import TestClient
    from tests.api.conftest import make_settings

    from guidance.api.app import create_app

    app = create_app(
        make_settings(tmp_path, seeded.url, model_path, rate_limit_public_per_minute=5)
    )
    with TestClient(app) as client:
        codes = [client.get("/api/v1/occupations").status_code for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
        r = client.get("/api/v1/occupations")
        assert int(r.headers["retry-after"]) >= 1
        # a key has its own, larger budget
        assert (
            client.get(
                "/api/v1/occupations", headers={"X-API-Key": seeded.counsellor_key}
            ).status_code
            == 200
        )


def test_forwarded_for_counts_only_behind_a_trusted_proxy(seeded, model_path, tmp_path):
    """Behind a trusted proxy each forwarded client has its own budget; from any other
    peer a spoofed X-Forwarded-For changes nothing."""
    from fastapi.testclient import TestClient
    from tests.api.conftest import make_settings

    from guidance.api.app import create_app

    def codes(client, xff: str, n: int) -> list[int]:  # noqa: ANN001
        return [
            client.get("/api/v1/occupations", headers={"X-Forwarded-For": xff}).status_code
            for _ in range(n)
        ]

    # the TestClient's peer is called "testclient"
    trusted = create_app(
        make_settings(
            tmp_path,
            seeded.url,
            model_path,
            rate_limit_public_per_minute=2,
            trusted_proxies=["testclient", "10.0.0.0/8"],
        )
    )
    with TestClient(trusted) as client:
        assert codes(client, "203.0.113.7", 3) == [200, 200, 429]
        assert codes(client, "198.51.100.9", 2) == [200, 200]  # another learner
        # the client is the right-most hop that is not a proxy; what is left of it is
        # whatever the client wrote, so it cannot buy a fresh budget
        assert codes(client, "1.2.3.4, 203.0.113.7, 10.1.2.3", 1) == [429]
    untrusted = create_app(
        make_settings(tmp_path, seeded.url, model_path, rate_limit_public_per_minute=2)
    )
    with TestClient(untrusted) as client:
        assert codes(client, "203.0.113.7", 2) == [200, 200]
        assert codes(client, "198.51.100.9", 1) == [429]  # spoofing does not help


def test_trusted_proxies_parse_ips_ranges_and_names():
    from guidance.api.security import TrustedProxies

    p = TrustedProxies(["10.0.0.0/8", "::1", "lb.internal"])
    assert p.trusted("10.200.0.1") and p.trusted("::1") and p.trusted("lb.internal")
    assert not p.trusted("11.0.0.1") and not p.trusted("lb.other")
    assert p.client("11.0.0.1", ["9.9.9.9"]) == "11.0.0.1"
    assert p.client("10.0.0.5", ["9.9.9.9, 8.8.8.8", "10.0.0.7"]) == "8.8.8.8"
    assert p.client("10.0.0.5", ["10.0.0.9"]) == "10.0.0.9"  # only proxies: the first hop
    assert p.client("10.0.0.5", []) == "10.0.0.5"

"""Rate limits per route, per address and per key (``api.limits.RouteLimits``): a class of 40
behind one address can load the form and ask for recommendations at once with the defaults;
a route can have its own budget; a school's address can be given a larger one; a staff key
can have its own; a budget naming no route stops the app from starting."""

from __future__ import annotations

import pytest

from guidance.api.limits import PAGES, PUBLIC_API, RECOMMEND, RouteLimits
from guidance.api.security import ACCESS
from guidance.settings import Settings

PAGE_FILES = ("/", "/static/app.css", "/static/common.js", "/static/learner.js")


def _app(tmp_path, seeded, model_path, **kw):  # noqa: ANN001, ANN202
    from tests.api.conftest import make_settings

    from guidance.api.app import create_app

    return create_app(make_settings(tmp_path, seeded.url, model_path, **kw))


def test_budgets_by_route_address_and_key():
    s = Settings(
        rate_limit_public_per_minute=60,
        rate_limit_routes={"GET /api/v1/programmes": 300},
        rate_limit_key_overrides={"7": 3000},
        rate_limit_address_factors={"203.0.113.0/28": 2.5},
    )
    limits = RouteLimits(s, access=ACCESS)
    assert limits.budget("GET", "/", "198.51.100.1") == (PAGES, 2400)
    assert limits.budget("GET", "/static/{name}", "198.51.100.1") == (PAGES, 2400)
    assert limits.budget("GET", "/counsellor/cases", "198.51.100.1") == (PAGES, 2400)
    assert limits.budget("POST", "/api/v1/recommendations", "198.51.100.1") == (RECOMMEND, 600)
    assert limits.budget("GET", "/api/v1/occupations", "198.51.100.1") == (PUBLIC_API, 60)
    assert limits.budget("GET", "/api/v1/programmes", "198.51.100.1") == (
        "GET /api/v1/programmes",
        300,
    )
    # a school's address: every anonymous budget multiplied
    assert limits.budget("POST", "/api/v1/recommendations", "203.0.113.9")[1] == 1500
    assert limits.budget("GET", "/api/v1/occupations", "203.0.113.9")[1] == 150
    assert limits.factor("203.0.113.99") == 1.0 and limits.factor("not-an-ip") == 1.0
    assert limits.keys == {7: 3000}


@pytest.mark.parametrize(
    "kw",
    [
        {"rate_limit_routes": {"GET /api/v1/nope": 5}},
        {"rate_limit_routes": {"/api/v1/programmes": 5}},
        {"rate_limit_routes": {"GET /api/v1/programmes": 0}},
        {"rate_limit_key_overrides": {"3": 0}},
        {"rate_limit_address_factors": {"203.0.113.7": 0}},
    ],
)
def test_a_budget_that_cannot_apply_is_refused(kw):
    with pytest.raises(ValueError):
        RouteLimits(Settings(**kw), access=ACCESS)


def test_a_class_of_40_behind_one_address_with_the_defaults(seeded, model_path, tmp_path, learner):
    """40 learners load the form (page, CSS, two scripts) and each asks twice: 240 requests
    from one address in a few seconds, none refused (the old single budget, 60 per minute
    per address, refused the 61st)."""
    from fastapi.testclient import TestClient
    from tests.api.conftest import wait_ready

    app = _app(tmp_path, seeded, model_path)
    with TestClient(app) as client:
        wait_ready(client)
        codes = []
        for _ in range(40):
            codes += [client.get(p).status_code for p in PAGE_FILES]
        for i in range(80):
            body = {"profile": {**learner, "learner_id": f"HS-{i}"}, "k": 5}
            codes.append(client.post("/api/v1/recommendations", json=body).status_code)
        assert codes.count(429) == 0 and set(codes) == {200}, sorted(set(codes))
        # the other public routes keep their own, smaller budget, untouched by the above
        assert client.get("/api/v1/occupations").status_code == 200


def test_a_route_budget_and_a_key_budget(seeded, model_path, tmp_path):
    from fastapi.testclient import TestClient

    app = _app(
        tmp_path,
        seeded,
        model_path,
        rate_limit_routes={"GET /api/v1/occupations": 3},
        rate_limit_key_per_minute=2,
        rate_limit_key_overrides={seeded.counsellor_id: 5},
    )
    with TestClient(app) as client:
        codes = [client.get("/api/v1/occupations").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client.get("/api/v1/programmes").status_code == 200  # another bucket
        counsellor = {"X-API-Key": seeded.counsellor_key}
        admin = {"X-API-Key": seeded.admin_key}
        mine = [client.get("/api/v1/programmes", headers=counsellor).status_code for _ in range(6)]
        assert mine == [200] * 5 + [429]
        theirs = [client.get("/api/v1/programmes", headers=admin).status_code for _ in range(3)]
        assert theirs == [200, 200, 429]


def test_a_school_address_behind_a_trusted_proxy(seeded, model_path, tmp_path):
    from fastapi.testclient import TestClient

    app = _app(
        tmp_path,
        seeded,
        model_path,
        rate_limit_public_per_minute=2,
        trusted_proxies=["testclient"],
        rate_limit_address_factors={"203.0.113.7": 3},
    )
    with TestClient(app) as client:

        def codes(xff: str, n: int) -> list[int]:
            return [
                client.get("/api/v1/occupations", headers={"X-Forwarded-For": xff}).status_code
                for _ in range(n)
            ]

        assert codes("203.0.113.7", 7) == [200] * 6 + [429]  # the school: 3 × 2
        assert codes("198.51.100.9", 3) == [200, 200, 429]  # anyone else: 2


def test_a_route_budget_naming_no_route_stops_the_start(seeded, model_path, tmp_path):
    with pytest.raises(ValueError, match="not a route of this service"):
        _app(tmp_path, seeded, model_path, rate_limit_routes={"GET /api/v1/nope": 5})

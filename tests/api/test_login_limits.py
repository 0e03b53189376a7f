"""Failed API key attempts: a budget per client address and per key prefix, 429 with
Retry-After before any database lookup, counted in /metrics; on both engines."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from tests.api.conftest import make_settings

Q = {"start": "2026-03-10", "end": "2026-03-10"}


@pytest.fixture
def client(seeded, tmp_path) -> Iterator:
    """The real app; the test client's peer is a trusted proxy, so X-Forwarded-For names
    the client address."""
    from fastapi.testclient import TestClient

    from guidance.api.app import create_app

    settings = make_settings(
        tmp_path, seeded.url, tmp_path / "none" / "m.joblib", trusted_proxies=["testclient"]
    )
    with TestClient(create_app(settings)) as c:
        c.seeded = seeded
        yield c


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """Every database key lookup, counted (the real lookup still runs)."""
    from guidance.store import keys

    seen: list[str] = []
    real = keys.authenticate

    def counting(engine, secret):
        seen.append(secret)
        return real(engine, secret)

    monkeypatch.setattr(keys, "authenticate", counting)
    return seen


def _get(client, key: str, addr: str):
    return client.get(
        "/api/v1/audit", params=Q, headers={"X-API-Key": key, "X-Forwarded-For": addr}
    )


def _metric(client, reason: str) -> float:
    text = client.get("/metrics").text
    m = re.search(
        r'^guidance_auth_failures_total\{reason="' + reason + r'"\} (\S+)$', text, flags=re.M
    )
    assert m, f"guidance_auth_failures_total{{reason={reason!r}}} not in /metrics"
    return float(m.group(1))


def test_300_wrong_keys_with_a_valid_prefix_are_limited_before_the_database(client, lookups):
    admin = client.seeded.admin_key
    statuses, retry = [], set()
    for _ in range(300):
        wrong = admin[:8] + secrets.token_urlsafe(32)[:35]
        r = _get(client, wrong, "203.0.113.7")
        statuses.append(r.status_code)
        if r.status_code == 429:
            retry.add(r.headers.get("Retry-After"))
            assert r.json()["error"]["code"] == "rate_limited"
    assert statuses == [401] * 10 + [429] * 290
    assert len(lookups) == 10  # the 290 refusals never reached the database
    assert retry and all(v is not None and 1 <= int(v) <= 60 for v in retry)
    # another address with another key is not affected by those failures
    ok = _get(client, client.seeded.counsellor_key, "198.51.100.20")
    assert ok.status_code == 200, ok.text
    # the attacked prefix itself stays limited, from any address, without a lookup
    n = len(lookups)
    assert _get(client, admin, "198.51.100.21").status_code == 429
    assert len(lookups) == n
    assert _metric(client, "unknown_key") == 10
    assert _metric(client, "limited") == 291


def test_budget_per_address_and_success_does_not_reset_it(client, lookups):
    for _ in range(10):  # random prefixes: only the address budget applies
        assert _get(client, secrets.token_urlsafe(32), "192.0.2.1").status_code == 401
    r = _get(client, secrets.token_urlsafe(32), "192.0.2.1")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # a valid key from the limited address is refused too (the address is out of budget)
    assert _get(client, client.seeded.counsellor_key, "192.0.2.1").status_code == 429
    # a success elsewhere does not clear 192.0.2.1's failures
    assert _get(client, client.seeded.counsellor_key, "192.0.2.2").status_code == 200
    assert _get(client, secrets.token_urlsafe(32), "192.0.2.1").status_code == 429
    assert len(lookups) == 11  # 10 failures and the one success
    # public routes without a key are not touched by the budget
    assert (
        client.get("/api/v1/occupations", headers={"X-Forwarded-For": "192.0.2.1"}).status_code
        != 429
    )


def test_budget_window_and_settings(monkeypatch):
    from guidance.api.security import FailureBudget
    from guidance.settings import Settings

    clock = [1000.0]
    monkeypatch.setattr("guidance.api.security.time.monotonic", lambda: clock[0])
    b = FailureBudget(3, window=60)
    for _ in range(3):
        assert b.wait("ip:a", "prefix:x") == 0
        b.fail("ip:a", "prefix:x")
    assert b.wait("ip:a") == pytest.approx(60)
    assert b.wait("prefix:x", "ip:other") == pytest.approx(60)
    assert b.wait("ip:other") == 0
    clock[0] += 59.5
    assert b.wait("ip:a") == pytest.approx(0.5)
    clock[0] += 0.5
    assert b.wait("ip:a") == 0
    s = Settings(login_failures_per_window=5, login_failure_window_seconds=30)
    assert (s.login_failures_per_window, s.login_failure_window_seconds) == (5, 30)
    with pytest.raises(ValueError):
        Settings(login_failures_per_window=0)

"""GET /api/v1/audit (bounded dates, keyset pages, filters, own rows for counsellors) and
GET /api/v1/audit.csv (admins, streamed, formula cells neutralised), on both engines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from tests.api.conftest import make_settings

DAY = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def client(seeded, tmp_path) -> Iterator:
    """The real app over the seeded database; no model is needed for the audit routes."""
    from fastapi.testclient import TestClient

    from guidance.api.app import create_app

    app = create_app(make_settings(tmp_path, seeded.url, tmp_path / "none" / "m.joblib"))
    with TestClient(app) as c:
        c.seeded = seeded
        c.admin = {"X-API-Key": seeded.admin_key}
        c.counsellor = {"X-API-Key": seeded.counsellor_key}
        yield c


def _insert(engine, rows: list[dict]) -> None:
    from guidance.store.audit import AUDIT, audit_row

    with engine.begin() as conn:
        conn.execute(insert(AUDIT), [audit_row(**r) for r in rows])


def _row(i: int, **kw) -> dict:
    base = {
        "request_id": f"r{i:05d}",
        "route": "/api/v1/recommendations",
        "role": "public",
        "status": 200,
        "created_at": DAY + timedelta(seconds=i % 997),
    }
    base.update(kw)
    return base


Q = {"start": "2026-03-10", "end": "2026-03-10"}


@pytest.mark.parametrize(
    "start,end,bad",
    [
        ("2026-01-01", "9999-12-31", "end"),
        ("0001-01-01", "2026-01-01", "start"),
        ("1999-12-31", "2101-01-01", "start"),
    ],
)
def test_dates_out_of_bounds_are_422_not_500(client, start, end, bad):
    r = client.get("/api/v1/audit", params={"start": start, "end": end}, headers=client.admin)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert ["query", bad] in [d["loc"] for d in err["details"]]
    assert "2000-01-01" in err["message"] and "2100-12-31" in err["message"]
    r = client.get("/api/v1/audit.csv", params={"start": start, "end": end}, headers=client.admin)
    assert r.status_code == 422
    # the widest valid range works, and end before start is an empty page
    r = client.get(
        "/api/v1/audit", params={"start": "2000-01-01", "end": "2100-12-31"}, headers=client.admin
    )
    assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}
    r = client.get(
        "/api/v1/audit", params={"start": "2026-03-10", "end": "2026-03-01"}, headers=client.admin
    )
    assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}


def test_paging_2500_rows_gives_every_row_once_in_order(client):
    engine = client.seeded.engine
    _insert(engine, [_row(i) for i in range(2500)])
    seen, cursor, pages = [], None, 0
    while True:
        params = {**Q, "limit": 1000} | ({"cursor": cursor} if cursor else {})
        r = client.get("/api/v1/audit", params=params, headers=client.admin)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        assert len(body["items"]) <= 1000
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 2500
    assert len({s["id"] for s in seen}) == 2500
    keys = [(s["created_at"], s["id"]) for s in seen]
    assert keys == sorted(keys)
    # the page size is capped; a forged cursor is a 422
    assert (
        client.get("/api/v1/audit", params={**Q, "limit": 1001}, headers=client.admin).status_code
        == 422
    )
    r = client.get("/api/v1/audit", params={**Q, "cursor": "not-a-cursor"}, headers=client.admin)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["loc"] == ["query", "cursor"]
    # default page: 100 rows
    assert len(client.get("/api/v1/audit", params=Q, headers=client.admin).json()["items"]) == 100


def test_filters_and_counsellor_sees_own_rows_only(client):
    s = client.seeded
    _insert(
        s.engine,
        [
            _row(1),
            _row(2, route="/api/v1/feedback", role="counsellor", api_key_id=s.counsellor_id),
            _row(3, role="admin"),
            _row(4, request_id="wanted-id"),
            _row(5, created_at=DAY - timedelta(days=2)),
        ],
    )

    def ids(headers=None, **params):
        r = client.get("/api/v1/audit", params={**Q, **params}, headers=headers or client.admin)
        assert r.status_code == 200, r.text
        return [x["request_id"] for x in r.json()["items"]]

    assert ids() == ["r00001", "r00002", "r00003", "wanted-id"]
    assert ids(route="/api/v1/feedback") == ["r00002"]
    assert ids(role="admin") == ["r00003"]
    assert ids(role="public") == ["r00001", "wanted-id"]
    assert ids(request_id="wanted-id") == ["wanted-id"]
    assert ids(start="2026-03-08", end="2026-03-08") == ["r00005"]
    assert ids(headers=client.counsellor) == ["r00002"]
    assert ids(headers=client.counsellor, role="public") == []
    for bad in ({"role": "root"}, {"request_id": "x" * 65}, {"route": "/" * 201}):
        assert (
            client.get("/api/v1/audit", params={**Q, **bad}, headers=client.admin).status_code
            == 422
        )
    # the CSV export is for admins only
    assert client.get("/api/v1/audit.csv", params=Q, headers=client.counsellor).status_code == 403
    assert client.get("/api/v1/audit.csv", params=Q).status_code == 401


def test_csv_export_streams_every_row_and_neutralises_formulas(client):
    engine = client.seeded.engine
    _insert(engine, [_row(i) for i in range(1200)])
    _insert(
        engine,
        [
            _row(
                5000,
                route='=HYPERLINK("http://evil")',
                request_id="=1+1",
                created_at=DAY + timedelta(hours=5),
            ),
            _row(
                5001,
                route="@SUM(A1)",
                request_id="-2+3",
                model_version="\tx",
                created_at=DAY + timedelta(hours=6),
            ),
        ],
    )
    with client.stream("GET", "/api/v1/audit.csv", params=Q, headers=client.admin) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        chunks = list(r.iter_bytes())
    data = b"".join(chunks)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 1202
    assert len({x["id"] for x in rows}) == 1202
    last, prev = rows[-1], rows[-2]
    assert prev["request_id"] == "'=1+1" and prev["route"] == '\'=HYPERLINK("http://evil")'
    assert last["request_id"] == "'-2+3" and last["route"] == "'@SUM(A1)"
    assert last["model_version"] == "'\tx"
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for x in rows for v in x.values())
    # filters apply to the export as well
    r = client.get("/api/v1/audit.csv", params={**Q, "request_id": "=1+1"}, headers=client.admin)
    assert r.status_code == 200
    assert [
        x["request_id"] for x in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))
    ] == ["'=1+1"]


def test_csv_rows_are_fetched_in_chunks(seeded, monkeypatch):
    """The export never asks the store for more than one page of rows at a time."""
    from guidance.api.routes import audit as route
    from guidance.store import audit as store

    _insert(seeded.engine, [_row(i) for i in range(2100)])
    limits = []
    real = store.audit_page

    def spy(*a, **kw):
        limits.append(kw["limit"])
        return real(*a, **kw)

    monkeypatch.setattr(store, "audit_page", spy)
    lo, hi = route._day_bounds(DAY.date(), DAY.date())
    text = "".join(route.csv_lines(iter(store.iter_audit(seeded.engine, lo, hi))))
    assert text.count("\r\n") == 2101
    assert limits == [1000, 1000, 1000]

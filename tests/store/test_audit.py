"""Audit log export and retention; feedback never keeps a case without consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from guidance.store.audit import (
    AUDIT,
    FEEDBACK,
    export_audit,
    profile_hash,
    purge,
    record_audit,
    record_feedback,
)
from guidance.store.db import StoreError, write_tx
from guidance.store.fingerprint import table_fingerprints
from guidance.store.keys import create_key

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def count(engine, table) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_audit_round_trip(engine):
    key_id, _ = create_key(engine, "c", "counsellor")
    h = profile_hash({"age": 17, "home_province_code": "01"})
    record_audit(
        engine,
        request_id="r1",
        route="/api/v1/recommendations",
        role="counsellor",
        status=200,
        latency_ms=12.5,
        api_key_id=key_id,
        profile_hash=h,
        model_version="3",
        demand_period="2025-03",
        top_k=[("P001", 0.91), ("P003", 0.5)],
        created_at=T0,
    )
    (rec,) = export_audit(engine, date(2026, 3, 10), date(2026, 3, 11))
    assert rec["top_k"] == [{"id": "P001", "score": 0.91}, {"id": "P003", "score": 0.5}]
    assert rec["created_at"] == T0 and rec["created_at"].tzinfo is not None
    assert (rec["profile_hash"], rec["api_key_id"], rec["status"]) == (h, key_id, 200)


def test_export_by_date_range_and_key(engine):
    k1, _ = create_key(engine, "a", "counsellor")
    k2, _ = create_key(engine, "b", "counsellor")
    stamps = [T0 + timedelta(hours=h) for h in (-13, -12, 0, 11, 12)]  # 23:00 … 00:00 next day
    for i, t in enumerate(stamps):
        record_audit(
            engine,
            request_id=f"r{i}",
            route="/x",
            role="counsellor",
            status=200,
            api_key_id=k1 if i % 2 else k2,
            created_at=t,
        )
    day = export_audit(engine, date(2026, 3, 10), date(2026, 3, 11))
    assert [r["request_id"] for r in day] == ["r1", "r2", "r3"]  # start inclusive, end exclusive
    mine = export_audit(engine, date(2026, 3, 1), date(2026, 4, 1), api_key_id=k1)
    assert [r["request_id"] for r in mine] == ["r1", "r3"]
    # An aware datetime in another zone means the same instant.
    hanoi = datetime(2026, 3, 10, 19, 0, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")
    )
    assert [r["request_id"] for r in export_audit(engine, hanoi, date(2026, 3, 12))] == ["r3", "r4"]


def test_profile_hash_is_stable_and_keyable():
    a = profile_hash({"age": 17, "gpa": 7.5})
    assert a == profile_hash({"gpa": 7.5, "age": 17}) and len(a) == 64
    assert a != profile_hash({"age": 18, "gpa": 7.5})
    assert profile_hash({"age": 17, "gpa": 7.5}, key=b"k") not in (
        a,
        profile_hash({"age": 17, "gpa": 7.5}, key=b"other"),
    )


def test_feedback_without_consent_keeps_no_case(engine):
    before = table_fingerprints(engine)
    with pytest.raises(ValueError, match="consent"):
        record_feedback(
            engine, programme_id="P001", recommended_ids=["P001"], case={"age": 17, "gpa": 8.1}
        )
    assert table_fingerprints(engine) == before
    fid = record_feedback(
        engine, programme_id="P009", recommended_ids=["P001", "P003"], reason="gần nhà"
    )
    with engine.connect() as conn:
        row = conn.execute(select(FEEDBACK).where(FEEDBACK.c.id == fid)).one()
    assert row.override is True and row.case_data is None and row.consent_at is None
    assert row.recommended_ids == ["P001", "P003"] and row.reason == "gần nhà"


def test_feedback_with_consent_keeps_the_case(engine):
    fid = record_feedback(
        engine,
        programme_id="P001",
        recommended_ids=["P001"],
        consent_case=True,
        case={"age": 17, "home_province_code": "01"},
    )
    with engine.connect() as conn:
        row = conn.execute(select(FEEDBACK).where(FEEDBACK.c.id == fid)).one()
    assert row.case_data == {"age": 17, "home_province_code": "01"}
    assert row.consent_at is not None and row.override is False


def test_database_refuses_a_case_without_consent(engine):
    with pytest.raises(StoreError), write_tx(engine) as conn:
        conn.execute(
            insert(FEEDBACK).values(
                created_at=T0,
                recommended_ids=[],
                override=False,
                consent_research=False,
                consent_case=False,
                case_data={"age": 17},
            )
        )
    assert count(engine, FEEDBACK) == 0


def test_purge_by_retention(engine):
    now = T0
    for days in (400, 366, 364, 1):
        t = now - timedelta(days=days)
        record_audit(
            engine, request_id=f"a{days}", route="/x", role="public", status=200, created_at=t
        )
        record_feedback(engine, programme_id=None, recommended_ids=[], created_at=t)
    assert purge(engine, 365, now=now) == {"audit_log": 2, "feedback": 2}
    left = export_audit(engine, now - timedelta(days=1000), now + timedelta(days=1))
    assert [r["request_id"] for r in left] == ["a364", "a1"]
    assert count(engine, FEEDBACK) == 2
    assert purge(engine, 365, now=now) == {"audit_log": 0, "feedback": 0}
    assert purge(engine, 0, now=now + timedelta(days=1)) == {"audit_log": 2, "feedback": 2}
    with pytest.raises(ValueError):
        purge(engine, -1)
    assert count(engine, AUDIT) == 0

"""The caseload store on both engines: only consented cases are cases; owners see their own,
admins (owner None) all; search folds accents over reason and notes; the shown
recommendation is read from the audit log; deleting a case removes its notes; retention
purges notes with their cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from guidance.store.audit import record_audit, record_feedback
from guidance.store.cases import (
    NOTES,
    add_note,
    delete_case,
    enrolment_rows,
    get_case,
    list_cases,
    merge_figures,
    record_enrolment,
    shown_from_audit,
)
from guidance.store.keys import create_key


def _case(engine, key_id, learner_id, reason=None, **kw):  # noqa: ANN001, ANN202
    return record_feedback(
        engine,
        programme_id="P1",
        recommended_ids=["P1", "P2"],
        reason=reason,
        api_key_id=key_id,
        consent_case=True,
        case={"learner_id": learner_id, "age": 17, "home_province_code": "01"},
        **kw,
    )


def test_owner_listing_search_and_paging(engine):
    a, _ = create_key(engine, "A", "counsellor")
    b, _ = create_key(engine, "B", "counsellor")
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    mine = [
        _case(engine, a, f"HS-{i}", created_at=t0 + timedelta(days=i), reason=r)
        for i, r in enumerate(["Gần nhà", "Học phí thấp", "Thích nấu ăn"])
    ]
    _case(engine, b, "HS-B")
    record_feedback(engine, programme_id="P1", recommended_ids=[], api_key_id=a)  # not a case

    rows, total = list_cases(engine, owner=a, limit=2)
    assert total == 3 and [r["id"] for r in rows] == mine[::-1][:2]
    rows, total = list_cases(engine, owner=a, limit=2, offset=2)
    assert [r["id"] for r in rows] == [mine[0]]
    assert list_cases(engine, owner=None)[1] == 4

    rows, total = list_cases(engine, owner=a, q="HOC PHI")
    assert total == 1 and rows[0]["learner_id"] == "HS-1"
    assert list_cases(engine, owner=a, q="HS-B")[1] == 0
    add_note(engine, mine[2], "Đã nộp hồ sơ", owner=a, api_key_id=a)
    rows, _ = list_cases(engine, owner=a, q="da nop")
    assert [r["id"] for r in rows] == [mine[2]]


def test_read_annotate_enrol_delete_respect_the_owner(engine):
    a, _ = create_key(engine, "A", "counsellor")
    b, _ = create_key(engine, "B", "counsellor")
    cid = _case(engine, a, "HS-1", consent_guardian=True)
    assert get_case(engine, cid, owner=b) is None
    assert add_note(engine, cid, "x", owner=b, api_key_id=b) is None
    assert not record_enrolment(engine, cid, "P2", date(2026, 9, 1), owner=b)
    assert not delete_case(engine, cid, owner=b)
    with pytest.raises(ValueError):
        add_note(engine, cid, "   ", owner=a, api_key_id=a)

    add_note(engine, cid, "một", owner=a, api_key_id=a)
    add_note(engine, cid, "hai", owner=None, api_key_id=None)  # an admin
    assert record_enrolment(engine, cid, "P2", date(2026, 9, 1), owner=a)
    case = get_case(engine, cid, owner=a)
    assert [n["text"] for n in case["notes"]] == ["một", "hai"]
    assert case["enrolled_programme_id"] == "P2" and case["enrolled_on"] == "2026-09-01"
    assert case["consent_guardian"] is True and case["profile"]["learner_id"] == "HS-1"
    assert enrolment_rows(engine)[0]["enrolled_id"] == "P2"

    assert delete_case(engine, cid, owner=None)
    assert get_case(engine, cid, owner=None) is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(NOTES)).scalar_one() == 0


def test_the_shown_recommendation_comes_from_the_audit_log(engine):
    record_audit(
        engine,
        request_id="r1",
        route="/api/v1/recommendations",
        role="counsellor",
        status=200,
        model_version="7",
        demand_period="2026-04",
        top_k=[("P9", 0.91), ("P3", 0.5)],
    )
    shown = shown_from_audit(engine, "r1")
    assert shown is not None and (shown.model_version, shown.demand_period) == ("7", "2026-04")
    assert shown.items == [
        {"id": "P9", "rank": 1, "score": 0.91},
        {"id": "P3", "rank": 2, "score": 0.5},
    ]
    assert shown_from_audit(engine, "nope") is None
    merged = merge_figures(
        shown.items,
        {"P9": {"p_employed_12m": 0.8, "secret": 1}, "P-OTHER": {"p_employed_12m": 0.1}},
    )
    assert merged[0]["p_employed_12m"] == 0.8 and "secret" not in merged[0]
    assert "p_employed_12m" not in merged[1]
    cid = _case(
        engine,
        None,
        "HS-1",
        shown=merged,
        model_version=shown.model_version,
        demand_period=shown.demand_period,
    )
    case = get_case(engine, cid, owner=None)
    assert case["shown"] == merged and case["model_version"] == "7"


def test_purge_removes_old_cases_with_their_notes(engine):
    from guidance.store.audit import purge

    now = datetime(2026, 12, 1, tzinfo=UTC)
    old = _case(engine, None, "HS-OLD", created_at=now - timedelta(days=400))
    new = _case(engine, None, "HS-NEW", created_at=now)
    add_note(engine, old, "cũ", owner=None, api_key_id=None)
    add_note(engine, new, "mới", owner=None, api_key_id=None)
    assert purge(engine, 365, now=now)["feedback"] == 1
    assert get_case(engine, old, owner=None) is None
    assert [n["text"] for n in get_case(engine, new, owner=None)["notes"]] == ["mới"]

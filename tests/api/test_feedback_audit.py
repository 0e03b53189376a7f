"""Feedback with consent rules; audit export for admins, own rows for counsellors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def _ids(world) -> list[str]:  # noqa: ANN001
    """Three catalogue programme ids (feedback refuses unknown ones)."""
    return [str(x) for x in world["programmes"]["programme_id"][:3]]


def test_feedback_records_override_and_refuses_case_without_consent(api, learner, world):
    p1, p2, p9 = _ids(world)
    body = {"programme_id": p9, "recommended_ids": [p1, p2], "reason": "gần nhà"}
    r = api.post("/api/v1/feedback", json=body, headers=api.counsellor)
    assert r.status_code == 201 and r.json()["override"] is True
    r = api.post("/api/v1/feedback", json={**body, "programme_id": p1}, headers=api.counsellor)
    assert r.json()["override"] is False
    r = api.post("/api/v1/feedback", json={**body, "case": learner}, headers=api.counsellor)
    assert r.status_code == 422
    r = api.post(
        "/api/v1/feedback",
        json={**body, "case": learner, "consent_case": True},
        headers=api.counsellor,
    )
    assert r.status_code == 201
    assert (
        api.post("/api/v1/feedback", json={**body, "extra": 1}, headers=api.counsellor).status_code
        == 422
    )
    assert api.post("/api/v1/feedback", json=body).status_code == 401


def test_audit_admin_sees_all_counsellor_only_own(api, learner):
    api.post("/api/v1/recommendations", json={"profile": learner})  # public
    api.post("/api/v1/recommendations", json={"profile": learner}, headers=api.counsellor)
    today = datetime.now(UTC).date()
    q = {"start": str(today - timedelta(days=1)), "end": str(today)}
    everything = api.get("/api/v1/audit", params=q, headers=api.admin).json()["items"]
    own = api.get("/api/v1/audit", params=q, headers=api.counsellor).json()["items"]
    assert len(everything) == 2 and len(own) == 1
    assert own[0]["api_key_id"] == api.seeded.counsellor_id and own[0]["role"] == "counsellor"
    past = {"start": "2001-01-01", "end": "2001-01-31"}
    assert api.get("/api/v1/audit", params=past, headers=api.admin).json() == {
        "items": [],
        "next_cursor": None,
    }
    bad = {"start": str(today), "end": str(today - timedelta(days=3))}
    assert api.get("/api/v1/audit", params=bad, headers=api.admin).json()["items"] == []


def test_under_16_case_needs_the_guardians_consent(api, learner, world):
    p1, p2, _ = _ids(world)
    body = {"programme_id": p1, "recommended_ids": [p1, p2], "consent_case": True}
    young = {**learner, "age": 15}
    r = api.post("/api/v1/feedback", json={**body, "case": young}, headers=api.counsellor)
    assert r.status_code == 422
    err = r.json()["error"]
    assert "consent_guardian" in err["message"] and "under 16" in err["message"]
    assert err["details"][0]["loc"] == ["body", "consent_guardian"]
    r = api.post(
        "/api/v1/feedback",
        json={**body, "case": young, "consent_guardian": False},
        headers=api.counsellor,
    )
    assert r.status_code == 422
    r = api.post(
        "/api/v1/feedback",
        json={**body, "case": young, "consent_guardian": True},
        headers=api.counsellor,
    )
    assert r.status_code == 201, r.text
    # 16 and over: the learner's own consent is enough
    r = api.post(
        "/api/v1/feedback", json={**body, "case": {**learner, "age": 16}}, headers=api.counsellor
    )
    assert r.status_code == 201, r.text
    # no case saved: nothing to consent to, whatever the age
    r = api.post(
        "/api/v1/feedback",
        json={"programme_id": p1, "recommended_ids": [p1]},
        headers=api.counsellor,
    )
    assert r.status_code == 201
    from sqlalchemy import select

    from guidance.store.audit import FEEDBACK

    with api.seeded.engine.connect() as conn:
        ages = sorted(
            row[0]["age"]
            for row in conn.execute(
                select(FEEDBACK.c.case_data).where(FEEDBACK.c.case_data.is_not(None))
            )
        )
    assert ages == [15, 16]  # the refused case was not stored

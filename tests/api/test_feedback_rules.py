"""Feedback cites only the caller's own requests (404 otherwise, the same answer as for an
unknown id) and only catalogue programmes (422 naming the field and the id); both engines."""

from __future__ import annotations

from sqlalchemy import func, select

from guidance.store.audit import FEEDBACK


def _ids(world) -> list[str]:  # noqa: ANN001
    return [str(x) for x in world["programmes"]["programme_id"][:3]]


def _n_feedback(api) -> int:  # noqa: ANN001
    with api.seeded.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(FEEDBACK)).scalar_one()


def _other_counsellor(api) -> dict:  # noqa: ANN001
    from guidance.store.keys import create_key

    _, secret = create_key(api.seeded.engine, "counsellor B", "counsellor")
    return {"X-API-Key": secret}


def test_a_request_id_must_be_the_callers_own(api, learner, world):
    p1, p2, _ = _ids(world)
    other = _other_counsellor(api)
    mine = api.post("/api/v1/recommendations", json={"profile": learner}, headers=api.counsellor)
    assert mine.status_code == 200
    rid = mine.json()["request_id"]
    anonymous = api.post("/api/v1/recommendations", json={"profile": learner}).json()
    body = {"programme_id": p1, "recommended_ids": [p1, p2]}

    r_other = api.post("/api/v1/feedback", json={**body, "request_id": rid}, headers=other)
    r_unknown = api.post(
        "/api/v1/feedback", json={**body, "request_id": "no-such-request"}, headers=other
    )
    r_anon = api.post(
        "/api/v1/feedback",
        json={**body, "request_id": anonymous["request_id"]},
        headers=api.counsellor,
    )
    for r in (r_other, r_unknown, r_anon):
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "not_found"
    # another's id and an unknown id answer alike: existence is not revealed
    assert r_other.json()["error"]["message"] == r_unknown.json()["error"]["message"]
    assert _n_feedback(api) == 0

    # the counsellor's own request, right after it was made (the writer is flushed)
    r = api.post("/api/v1/feedback", json={**body, "request_id": rid}, headers=api.counsellor)
    assert r.status_code == 201, r.text
    # an admin may cite any audited request, but not an unknown one
    r = api.post("/api/v1/feedback", json={**body, "request_id": rid}, headers=api.admin)
    assert r.status_code == 201, r.text
    r = api.post(
        "/api/v1/feedback", json={**body, "request_id": "no-such-request"}, headers=api.admin
    )
    assert r.status_code == 404
    with api.seeded.engine.connect() as conn:
        stored = conn.execute(select(FEEDBACK.c.request_id)).scalars().all()
    assert stored == [rid, rid]


def test_unknown_programmes_are_422_naming_field_and_id(api, world):
    p1, p2, _ = _ids(world)
    r = api.post(
        "/api/v1/feedback",
        json={"programme_id": "NOT-A-PROGRAMME", "override": True, "recommended_ids": [p1, p2]},
        headers=api.counsellor,
    )
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert "programme_id" in err["message"] and "NOT-A-PROGRAMME" in err["message"]
    assert err["details"] == [
        {
            "loc": ["body", "programme_id"],
            "msg": "no programme 'NOT-A-PROGRAMME' in the catalogue",
            "msg_vi": "không có chương trình 'NOT-A-PROGRAMME' trong danh mục",
            "type": "unknown_programme",
        }
    ]
    r = api.post(
        "/api/v1/feedback",
        json={"programme_id": p1, "recommended_ids": [p1, "GHOST-1", p2, "GHOST-2"]},
        headers=api.counsellor,
    )
    assert r.status_code == 422
    assert [d["loc"] for d in r.json()["error"]["details"]] == [
        ["body", "recommended_ids", "1"],
        ["body", "recommended_ids", "3"],
    ]
    assert "GHOST-1" in r.json()["error"]["message"]
    assert _n_feedback(api) == 0  # nothing half-written
    # known ids: stored
    r = api.post(
        "/api/v1/feedback",
        json={"programme_id": p2, "recommended_ids": [p1]},
        headers=api.counsellor,
    )
    assert r.status_code == 201 and r.json()["override"] is True
    assert _n_feedback(api) == 1


def test_a_request_another_worker_is_still_writing_is_found(api, world):
    """With several workers, the recommendation may come from another worker whose audit
    writer commits a moment later: the feedback looks again briefly instead of a 404."""
    import threading

    from guidance.store.audit import record_audit

    p1, _, _ = _ids(world)
    late = threading.Timer(
        0.05,
        record_audit,
        args=(api.seeded.engine,),
        kwargs=dict(
            request_id="served-by-worker-2",
            route="recommendations",
            role="counsellor",
            status=200,
            api_key_id=api.seeded.counsellor_id,
        ),
    )
    late.start()
    try:
        r = api.post(
            "/api/v1/feedback",
            json={"programme_id": p1, "request_id": "served-by-worker-2"},
            headers=api.counsellor,
        )
    finally:
        late.join()
    assert r.status_code == 201, r.text

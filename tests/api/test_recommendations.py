"""Recommendations, what-if and batch through the real app, with their audit rows."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from guidance.recommend.core import EXTEND_MAX_FACTOR
from guidance.store.audit import export_audit, profile_hash


def _audit_rows(api):  # noqa: ANN001, ANN202
    """The audit table, after the app's background writer has written what it holds."""
    assert api.app.state.ctx.audit.flush()
    return export_audit(
        api.seeded.engine, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )


def test_recommend_returns_ranked_items_and_writes_one_audit_row(api, learner):
    r = api.post("/api/v1/recommendations", json={"profile": learner, "k": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert 1 <= len(body["items"]) <= 5
    assert [it["rank"] for it in body["items"]] == list(range(1, len(body["items"]) + 1))
    scores = [it["score"] for it in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert body["model_version"] == "1"
    assert body["demand_period"] == api.seeded.periods[-1]
    assert body["items"][0]["reasons_vi"] and body["request_id"] == r.headers["x-request-id"]
    rows = _audit_rows(api)
    assert len(rows) == 1
    row = rows[0]
    assert row["request_id"] == body["request_id"] and row["model_version"] == "1"
    assert row["demand_period"] == body["demand_period"]
    assert [t["id"] for t in row["top_k"]] == [it["programme_id"] for it in body["items"]]
    # the profile is stored only as an HMAC with the server secret
    assert row["profile_hash"] == profile_hash(
        {
            **learner,
            **{
                k: None
                for k in (
                    "riasec_a",
                    "riasec_e",
                    "riasec_c",
                    "literature_score",
                    "english_score",
                    "ethnic_minority",
                )
            },
        },
        key=b"test-secret",
    )
    assert "HS-PRIVATE-4711" not in str(row)


def test_unknown_fields_are_rejected_not_dropped(api, learner):
    r = api.post("/api/v1/recommendations", json={"profile": {**learner, "role": "admin"}})
    assert r.status_code == 422
    assert any("role" in d["loc"] for d in r.json()["error"]["details"])
    r = api.post("/api/v1/recommendations", json={"profile": learner, "model_version": "9"})
    assert r.status_code == 422
    # the 422 body does not echo the submitted personal values
    r = api.post("/api/v1/recommendations", json={"profile": {**learner, "age": 7}})
    assert r.status_code == 422 and "HS-PRIVATE-4711" not in r.text


def test_what_if_reports_entered_and_left(api, learner):
    body = {
        "profile": {**learner, "education_level": 9},
        "k": 5,
        "changes": {"education_level": 12},
    }
    r = api.post("/api/v1/recommendations/what-if", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    before = {it["programme_id"] for it in out["before"]}
    after = {it["programme_id"] for it in out["after"]}
    # the same programme at another institution is one move, not entered and left
    moved = [c for c in out["changed"] if c["kind"] == "moved"]
    assert {c["programme_id"] for c in out["entered"] + moved} == after - before
    assert {c["programme_id"] for c in out["left"]} | {
        c["programme_id_before"] for c in moved
    } == before - after
    bad = api.post(
        "/api/v1/recommendations/what-if", json={**body, "changes": {"no_such_field": 1}}
    )
    assert bad.status_code == 422


def test_batch_json_and_csv_need_a_counsellor(api, learner):
    body = {"learners": [{"profile": learner}, {"profile": {**learner, "age": 30}}], "k": 3}
    assert api.post("/api/v1/recommendations/batch", json=body).status_code == 401
    r = api.post("/api/v1/recommendations/batch", json=body, headers=api.counsellor)
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["index"] for x in res] == [0, 1] and all(len(x["items"]) <= 3 for x in res)
    single = api.post("/api/v1/recommendations", json={"profile": learner, "k": 3}).json()
    assert [i["programme_id"] for i in res[0]["items"]] == [
        i["programme_id"] for i in single["items"]
    ]
    csv = (
        "age,home_province_code,education_level,gpa\n"
        f"17,{learner['home_province_code']},12,7.5\n"
        f"25,{learner['home_province_code']},9,\n"
    )
    r = api.post(
        "/api/v1/recommendations/batch",
        content=csv.encode(),
        headers={**api.counsellor, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["results"]) == 2
    bad = "age,home_province_code,education_level,nickname\n17,01,12,x\n"
    r = api.post(
        "/api/v1/recommendations/batch",
        content=bad.encode(),
        headers={**api.counsellor, "Content-Type": "text/csv"},
    )
    assert r.status_code == 422 and "nickname" in r.text
    too_many = {"learners": [{"profile": learner}] * 501}
    assert (
        api.post("/api/v1/recommendations/batch", json=too_many, headers=api.counsellor).status_code
        == 422
    )
    rows = _audit_rows(api)
    batch_rows = [x for x in rows if x["route"] == "recommendations/batch"]
    assert len(batch_rows) == 4 and all(
        x["api_key_id"] == api.seeded.counsellor_id for x in batch_rows
    )


def test_logs_hold_no_personal_values(api, learner, caplog):
    caplog.set_level(logging.DEBUG)
    api.post("/api/v1/recommendations", json={"profile": learner})
    api.post("/api/v1/recommendations", json={"profile": {**learner, "age": 3}})  # 422
    api.post(
        "/api/v1/recommendations/batch",
        json={"learners": [{"profile": learner}]},
        headers=api.counsellor,
    )
    api.post(
        "/api/v1/feedback", json={"programme_id": "x", "case": learner}, headers=api.counsellor
    )  # refused without consent
    text = caplog.text
    assert "POST /api/v1/recommendations 200" in text  # the access log ran
    for value in ("HS-PRIVATE-4711", "7.37", "8.13", "0.61", "0.42"):
        assert value not in text


def test_a_full_audit_backlog_refuses_recommendations_with_503(api, learner):
    """No answer without its audit record: when the writer cannot take one more, 503."""
    writer = api.app.state.ctx.audit
    writer.max_pending = 0
    r = api.post("/api/v1/recommendations", json={"profile": learner, "k": 3})
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "audit_unavailable" and r.headers["retry-after"]
    writer.max_pending = 100
    assert api.post("/api/v1/recommendations", json={"profile": learner, "k": 3}).status_code == 200


def test_shortlist_size_comes_from_the_settings(seeded, model_path, tmp_path, learner):
    from fastapi.testclient import TestClient
    from tests.api.conftest import make_settings, wait_ready

    from guidance.api.app import create_app

    app = create_app(make_settings(tmp_path, seeded.url, model_path, shortlist=3))
    with TestClient(app) as client:
        wait_ready(client)
        body = client.post("/api/v1/recommendations", json={"profile": learner, "k": 3}).json()
        # the shortlist starts at 3 and grows (adaptive) by at most EXTEND_MAX_FACTOR × 3
        assert 3 <= body["n_scored"] <= min(EXTEND_MAX_FACTOR * 3, body["n_eligible"])
        assert body["n_eligible"] > 3

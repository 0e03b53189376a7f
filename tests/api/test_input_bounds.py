"""Hostile numbers and lax booleans at the API (issue 14): 422 and no audit row, NaN and
infinity refused even as raw JSON literals, strict booleans; a poison audit row that gets
past is set aside, counted in /metrics, and readiness stays 200. Both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from guidance.store.audit import AUDIT, REJECTS, audit_row, export_audit


def _audit_count(api) -> int:  # noqa: ANN001
    assert api.app.state.ctx.audit.flush()
    with api.seeded.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AUDIT)).scalar_one()


def _raw(api, path: str, text: str, headers: dict | None = None):  # noqa: ANN001, ANN202
    return api.post(
        path, content=text.encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


def _locs(r) -> list[list[str]]:  # noqa: ANN001
    return [d["loc"] for d in r.json()["error"]["details"]]


def test_the_probe_request_is_422_and_leaves_no_audit_row(api, learner):
    probe = {"profile": learner, "weights": {"match": 1e308, "employed": 1e308}}
    r = api.post("/api/v1/recommendations", json=probe)
    assert r.status_code == 422, r.text
    assert _locs(r) == [["body", "weights", "match"], ["body", "weights", "employed"]]
    assert "10" in r.json()["error"]["details"][0]["msg"]  # the bound is named
    assert _audit_count(api) == 0
    assert api.get("/readyz").status_code == 200
    # within bounds the same weights are fine, and the audit row is strict JSON
    r = api.post(
        "/api/v1/recommendations", json={**probe, "weights": {"match": 10, "employed": 10}}
    )
    assert r.status_code == 200, r.text
    assert _audit_count(api) == 1


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_422(api, learner, literal):
    profile = json.dumps(learner)
    no_gpa = json.dumps({k: v for k, v in learner.items() if k != "gpa"})
    for body in (
        f'{{"profile":{profile},"weights":{{"match":{literal}}}}}',
        '{"profile":' + no_gpa[:-1] + f', "gpa": {literal}}}}}',
    ):
        assert json.loads(body)  # Python's parser takes the literal: the model must refuse
        r = _raw(api, "/api/v1/recommendations", body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    r = _raw(
        api,
        "/api/v1/recommendations/what-if",
        f'{{"profile":{profile},"changes":{{"max_distance_km":{literal}}}}}',
    )
    assert r.status_code == 422
    assert _audit_count(api) == 0


@pytest.mark.parametrize("value", ["yes", "on", 1, 1.0, "TRUE", "true", 0, "false", None])
def test_consent_is_only_json_true(api, learner, world, value):
    pid = str(world["programmes"]["programme_id"][0])
    young = {**learner, "age": 15}
    base = {
        "programme_id": pid,
        "recommended_ids": [pid],
        "case": young,
        "consent_case": True,
        "consent_guardian": True,
    }
    for field in ("consent_case", "consent_guardian"):
        r = api.post("/api/v1/feedback", json={**base, field: value}, headers=api.counsellor)
        assert r.status_code == 422, (field, value, r.text)
    r = api.post(
        "/api/v1/feedback",
        json={"programme_id": pid, "consent_research": value},
        headers=api.counsellor,
    )
    assert r.status_code == 422
    assert api.post("/api/v1/feedback", json=base, headers=api.counsellor).status_code == 201


def test_strict_booleans_and_no_booleans_as_numbers(api, learner):
    cases = [
        ({"profile": learner, "weights": {"cost": False}}, ["body", "weights", "cost"]),
        ({"profile": learner, "weights": {"match": True}}, ["body", "weights", "match"]),
        (
            {"profile": learner, "preferences": {"willing_to_relocate": 0}},
            ["body", "preferences", "willing_to_relocate"],
        ),
        (
            {"profile": learner, "preferences": {"willing_to_relocate": "yes"}},
            ["body", "preferences", "willing_to_relocate"],
        ),
        ({"profile": {**learner, "ethnic_minority": 1}}, ["body", "profile", "ethnic_minority"]),
        ({"profile": {**learner, "gpa": True}}, ["body", "profile", "gpa"]),
        ({"profile": learner, "k": True}, ["body", "k"]),
    ]
    for body, loc in cases:
        r = api.post("/api/v1/recommendations", json=body)
        assert r.status_code == 422, (body, r.text)
        assert _locs(r) == [loc]
    r = api.post(
        "/api/v1/recommendations/what-if",
        json={"profile": learner, "changes": {"willing_to_relocate": 1}},
    )
    assert r.status_code == 422 and _locs(r) == [["body", "changes", "willing_to_relocate"]]
    assert _audit_count(api) == 0


@pytest.mark.parametrize(
    ("where", "field", "bad"),
    [
        ("preferences", "max_distance_km", 3000.5),
        ("preferences", "max_tuition_vnd_per_year", 10**10 + 1),
        ("preferences", "max_duration_months", 601),
        ("profile", "prior_work_months", 601),
        ("weights", "interest", -0.1),
    ],
)
def test_numbers_out_of_bounds_are_422(api, learner, where, field, bad):
    body = {"profile": dict(learner)}
    body.setdefault(where, {})[field] = bad
    r = api.post("/api/v1/recommendations", json=body)
    assert r.status_code == 422, r.text
    assert _locs(r) == [["body", where, field]]


def test_what_if_relative_distance_is_bounded(api, learner):
    for change in ("+3001", "+99999", "-5000", "+1e9"):
        r = api.post(
            "/api/v1/recommendations/what-if",
            json={"profile": learner, "changes": {"max_distance_km": change}},
        )
        assert r.status_code == 422, (change, r.text)
    r = api.post(
        "/api/v1/recommendations/what-if",
        json={
            "profile": learner,
            "preferences": {"max_distance_km": 100},
            "changes": {"max_distance_km": "+50"},
        },
    )
    assert r.status_code == 200, r.text


def test_csv_batch_booleans_read_true_or_false_only(api, learner):
    head = "age,home_province_code,education_level,ethnic_minority\n"
    home = learner["home_province_code"]
    ok = f"{head}17,{home},12,true\n18,{home},12,FALSE\n"
    r = api.post(
        "/api/v1/recommendations/batch",
        content=ok.encode(),
        headers={**api.counsellor, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    bad = f"{head}17,{home},12,1\n18,{home},12,yes\n"
    r = api.post(
        "/api/v1/recommendations/batch",
        content=bad.encode(),
        headers={**api.counsellor, "Content-Type": "text/csv"},
    )
    assert r.status_code == 422
    assert [(d["row"], d["loc"]) for d in r.json()["error"]["details"]] == [
        (2, ["ethnic_minority"]),  # spreadsheet rows: the header is row 1
        (3, ["ethnic_minority"]),
    ]


def test_a_poison_audit_row_is_set_aside_and_the_service_stays_ready(api, learner):
    """A row that somehow holds NaN (as the probe's did) must not block the queue."""
    writer = api.app.state.ctx.audit
    poison = {
        **audit_row(request_id="poison-1", route="recommendations", role="public", status=200),
        "top_k": [{"id": "P1", "score": float("nan")}],
    }
    writer.submit(poison)
    r = api.post("/api/v1/recommendations", json={"profile": learner})
    assert r.status_code == 200
    assert writer.flush(timeout=10) and writer.pending == 0
    rows = export_audit(
        api.seeded.engine, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    assert [x["request_id"] for x in rows] == [r.json()["request_id"]]
    with api.seeded.engine.connect() as conn:
        (rej,) = conn.execute(select(REJECTS)).all()
    assert rej.request_id == "poison-1" and json.loads(rej.row_text)["top_k"][0]["score"] is None
    ready = api.get("/readyz", headers=api.admin)
    assert ready.status_code == 200 and ready.json()["details"]["audit_pending"] == 0
    text = api.get("/metrics", headers=api.admin).text
    assert "guidance_audit_rejected_total 1.0" in text
    assert "guidance_audit_rejected_total 1.0" in api.get("/metrics", headers=api.admin).text


def test_finite_turns_every_non_finite_number_into_null():
    import numpy as np

    from guidance.api.routes._util import finite

    data = {
        "a": float("nan"),
        "b": [np.float64("inf"), np.float32("-inf"), 1.5],
        "c": (np.int64(3), True, None, "x"),
        "d": {"e": np.nan},
    }
    out = finite(data)
    assert out == {"a": None, "b": [None, None, 1.5], "c": [3, True, None, "x"], "d": {"e": None}}
    json.dumps(out, allow_nan=False)  # strict JSON

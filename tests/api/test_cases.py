"""The caseload API: a case saved through feedback keeps what was shown (ids, ranks, figures,
model version, demand period); a counsellor lists, searches, reads, annotates, records the
enrolment of and deletes their own cases only; admins see every case. Both engines."""

from __future__ import annotations

from sqlalchemy import func, select

from guidance.store.cases import NOTES
from guidance.store.keys import create_key


def _save_case(api, learner, headers, *, figures=True, **extra):  # noqa: ANN001, ANN202
    rec = api.post("/api/v1/recommendations", json={"profile": learner}, headers=headers)
    assert rec.status_code == 200, rec.text
    out = rec.json()
    ids = [it["programme_id"] for it in out["items"]]
    body = {
        "request_id": out["request_id"],
        "programme_id": ids[1],
        "recommended_ids": ids,
        "consent_case": True,
        "consent_guardian": learner["age"] < 16,
        "case": learner,
        "reason": "Gần nhà, học phí vừa phải",
        **extra,
    }
    if figures:
        body["shown_figures"] = {
            it["programme_id"]: {"p_employed_12m": it["p_employed_12m"], "wage_q50": it["wage_q50"]}
            for it in out["items"]
        }
    r = api.post("/api/v1/feedback", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"], out


def test_a_saved_case_shows_the_recommendation_as_it_was_shown(api, learner):
    case_id, out = _save_case(api, learner, api.counsellor)
    r = api.get(f"/api/v1/cases/{case_id}", headers=api.counsellor)
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["model_version"] == out["model_version"] == "1"
    assert case["demand_period"] == out["demand_period"]
    assert [s["id"] for s in case["shown"]] == [it["programme_id"] for it in out["items"]]
    assert [s["rank"] for s in case["shown"]] == list(range(1, len(out["items"]) + 1))
    first = out["items"][0]
    assert case["shown"][0]["p_employed_12m"] == first["p_employed_12m"]
    assert case["shown"][0]["score"] == first["score"]
    assert case["profile"]["learner_id"] == learner["learner_id"]
    # every id the case mentions comes with its catalogue names
    assert set(case["programmes"]) == {s["id"] for s in case["shown"]} | {case["programme_id"]}
    label = case["programmes"][first["programme_id"]]
    assert label["name_vi"] == first["name_vi"]
    assert label["province_code"] == first["province_code"]
    listed = api.get("/api/v1/cases", headers=api.counsellor).json()
    assert listed["programmes"][case["programme_id"]] == case["programmes"][case["programme_id"]]
    assert case["profile"]["age"] == learner["age"]
    assert case["programme_id"] == out["items"][1]["programme_id"]
    assert case["consent_case"] is True and case["consent_guardian"] is False
    assert case["notes"] == [] and case["enrolled_programme_id"] is None


def test_figures_for_programmes_not_shown_are_not_kept(api, learner):
    rec = api.post("/api/v1/recommendations", json={"profile": learner}, headers=api.counsellor)
    ids = [it["programme_id"] for it in rec.json()["items"]]
    body = {
        "request_id": rec.json()["request_id"],
        "recommended_ids": ids,
        "consent_case": True,
        "case": learner,
        "shown_figures": {"NOT-SHOWN": {"p_employed_12m": 0.99}},
    }
    r = api.post("/api/v1/feedback", json=body, headers=api.counsellor)
    assert r.status_code == 201, r.text
    case = api.get(f"/api/v1/cases/{r.json()['id']}", headers=api.counsellor).json()
    assert "NOT-SHOWN" not in [s["id"] for s in case["shown"]]
    assert all(s["p_employed_12m"] is None for s in case["shown"])
    for wrong in ("x", 1.5, True, -1):  # a probability is a number in [0, 1], never a bool
        bad = {**body, "shown_figures": {ids[0]: {"p_employed_12m": wrong}}}
        r = api.post("/api/v1/feedback", json=bad, headers=api.counsellor)
        assert r.status_code == 422, (wrong, r.text)
        assert r.json()["error"]["details"][0]["loc"][:3] == ["body", "shown_figures", ids[0]]


def test_guardian_consent_is_still_required_under_16(api, learner):
    young = {**learner, "age": 15}
    rec = api.post("/api/v1/recommendations", json={"profile": young}, headers=api.counsellor)
    body = {
        "request_id": rec.json()["request_id"],
        "recommended_ids": [],
        "consent_case": True,
        "case": young,
    }
    r = api.post("/api/v1/feedback", json=body, headers=api.counsellor)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "consent_guardian"]
    r = api.post(
        "/api/v1/feedback", json={**body, "consent_guardian": True}, headers=api.counsellor
    )
    assert r.status_code == 201
    case = api.get(f"/api/v1/cases/{r.json()['id']}", headers=api.counsellor).json()
    assert case["consent_guardian"] is True


def test_list_search_and_paging_are_the_counsellors_own(api, learner):
    _, other_key = create_key(api.seeded.engine, "counsellor B", "counsellor")
    other = {"X-API-Key": other_key}
    mine = [
        _save_case(api, {**learner, "learner_id": f"HS-{i:03d}"}, api.counsellor)[0]
        for i in range(3)
    ]
    theirs, _ = _save_case(api, {**learner, "learner_id": "HS-OTHER"}, other)
    # feedback without a case is not a case
    api.post("/api/v1/feedback", json={"recommended_ids": []}, headers=api.counsellor)

    page = api.get("/api/v1/cases", params={"limit": 2}, headers=api.counsellor).json()
    assert page["total"] == 3
    assert [c["id"] for c in page["items"]] == sorted(mine, reverse=True)[:2]
    page2 = api.get("/api/v1/cases", params={"limit": 2, "offset": 2}, headers=api.counsellor)
    assert [c["id"] for c in page2.json()["items"]] == [min(mine)]

    found = api.get("/api/v1/cases", params={"q": "hs-001"}, headers=api.counsellor).json()
    assert [c["learner_id"] for c in found["items"]] == ["HS-001"] and found["total"] == 1
    # search is accent-blind and reaches the reason
    found = api.get("/api/v1/cases", params={"q": "gan nha"}, headers=api.counsellor).json()
    assert found["total"] == 3
    assert (
        api.get("/api/v1/cases", params={"q": "HS-OTHER"}, headers=api.counsellor).json()["total"]
        == 0
    )

    # another counsellor's case: 404 like an unknown one (existence not revealed)
    r1 = api.get(f"/api/v1/cases/{theirs}", headers=api.counsellor)
    r2 = api.get("/api/v1/cases/999999", headers=api.counsellor)
    assert r1.status_code == r2.status_code == 404
    assert r1.json()["error"]["message"] == r2.json()["error"]["message"]
    # admins see every case
    everything = api.get("/api/v1/cases", headers=api.admin).json()
    assert everything["total"] == 4
    assert api.get(f"/api/v1/cases/{theirs}", headers=api.admin).status_code == 200
    # the public and institutions have no caseload
    assert api.get("/api/v1/cases").status_code == 401
    assert api.get("/api/v1/cases", headers=api.institution_a).status_code == 403


def test_notes_enrolment_and_deletion(api, learner, world):
    case_id, out = _save_case(api, learner, api.counsellor)
    r = api.post(
        f"/api/v1/cases/{case_id}/notes",
        json={"text": "Đã gọi điện: em sẽ nộp hồ sơ tháng 8"},
        headers=api.counsellor,
    )
    assert r.status_code == 201, r.text
    api.post(f"/api/v1/cases/{case_id}/notes", json={"text": "Lần 2"}, headers=api.counsellor)
    blank = api.post(f"/api/v1/cases/{case_id}/notes", json={"text": "  "}, headers=api.counsellor)
    assert blank.status_code == 422
    case = api.get(f"/api/v1/cases/{case_id}", headers=api.counsellor).json()
    assert [n["text"] for n in case["notes"]] == ["Đã gọi điện: em sẽ nộp hồ sơ tháng 8", "Lần 2"]
    found = api.get("/api/v1/cases", params={"q": "nop ho so"}, headers=api.counsellor).json()
    assert [c["id"] for c in found["items"]] == [case_id]

    chosen = out["items"][0]["programme_id"]
    unknown = api.put(
        f"/api/v1/cases/{case_id}/enrolment",
        json={"programme_id": "P-NOPE", "enrolled_on": "2026-09-01"},
        headers=api.counsellor,
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["loc"] == ["body", "programme_id"]
    assert "message_vi" in unknown.json()["error"]
    future = api.put(
        f"/api/v1/cases/{case_id}/enrolment",
        json={"programme_id": chosen, "enrolled_on": "2999-01-01"},
        headers=api.counsellor,
    )
    assert future.status_code == 422
    ok = api.put(
        f"/api/v1/cases/{case_id}/enrolment",
        json={"programme_id": chosen, "enrolled_on": "2026-09-01"},
        headers=api.counsellor,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["enrolled_programme_id"] == chosen
    assert ok.json()["enrolled_on"] == "2026-09-01"

    _, other_key = create_key(api.seeded.engine, "counsellor B", "counsellor")
    other = {"X-API-Key": other_key}
    assert api.delete(f"/api/v1/cases/{case_id}", headers=other).status_code == 404
    assert (
        api.post(f"/api/v1/cases/{case_id}/notes", json={"text": "x"}, headers=other).status_code
        == 404
    )
    assert api.delete(f"/api/v1/cases/{case_id}", headers=api.counsellor).status_code == 204
    assert api.get(f"/api/v1/cases/{case_id}", headers=api.counsellor).status_code == 404
    assert api.delete(f"/api/v1/cases/{case_id}", headers=api.counsellor).status_code == 404
    with api.seeded.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(NOTES)).scalar_one() == 0

"""Domain errors (``guidance.errors``) reach the client through ONE mapping to HTTP, with
the field and rule in Vietnamese and English; any other exception from the recommender
(a bug) is a 500 without a traceback, never a 422."""

from __future__ import annotations

import logging
import math

from fastapi.testclient import TestClient

from guidance.api.errors import DOMAIN_STATUS, domain_status
from guidance.errors import (
    GuidanceError,
    InvalidProfile,
    ModelNotLoaded,
    UnknownProgramme,
    UnknownProvince,
)
from guidance.recommend.core import Recommender


def test_each_domain_error_has_one_status():
    assert domain_status(UnknownProvince("99")) == 422
    assert domain_status(InvalidProfile("x", "x", field="age", rule="r")) == 422
    assert domain_status(UnknownProgramme("P1")) == 404
    assert domain_status(ModelNotLoaded()) == 503
    assert domain_status(GuidanceError("x", "x")) == 422
    assert DOMAIN_STATUS[-1][0] is GuidanceError  # the base class is the last resort


def test_unknown_province_is_a_422_naming_field_and_rule_in_both_languages(api, learner):
    r = api.post(
        "/api/v1/recommendations", json={"profile": {**learner, "home_province_code": "99"}}
    )
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "unknown_province"
    d = err["details"]
    assert d["field"] == "home_province_code" and d["rule"] == "known_province"
    assert "'99'" in d["message_en"] and "province" in d["message_en"]
    assert "'99'" in d["message_vi"] and "tỉnh/thành" in d["message_vi"]


def test_education_level_outside_the_contract_is_a_422_in_both_languages(api, learner):
    r = api.post("/api/v1/recommendations", json={"profile": {**learner, "education_level": 7}})
    assert r.status_code == 422, r.text
    (d,) = r.json()["error"]["details"]
    assert d["loc"][-1] == "education_level" and d["type"] == "education_level"
    assert "must be one of 5, 9, 12, 13" in d["msg"] and "trình độ học vấn" in d["msg"]
    ok = api.post("/api/v1/recommendations", json={"profile": {**learner, "education_level": 9}})
    assert ok.status_code == 200, ok.text


def test_batch_names_the_learner_that_cannot_be_ranked(api, learner):
    body = {
        "learners": [{"profile": learner}, {"profile": {**learner, "home_province_code": "98"}}]
    }
    r = api.post("/api/v1/recommendations/batch", json=body, headers=api.counsellor)
    assert r.status_code == 422, r.text
    (d,) = r.json()["error"]["details"]
    assert d["index"] == 1 and d["field"] == "home_province_code" and d["message_vi"]


def test_a_bare_value_error_inside_the_recommender_is_a_500_without_traceback(
    api, learner, monkeypatch, caplog
):
    def broken(self, q, cands, rows, fixed):  # noqa: ANN001, ANN202 - a numpy-style bug
        raise ValueError("operands could not be broadcast together SECRET-DETAIL")

    monkeypatch.setattr(Recommender, "_scored", broken)
    client = TestClient(api.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="guidance.api"):
        r = client.post("/api/v1/recommendations", json={"profile": learner})
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "SECRET-DETAIL" not in r.text and "Traceback" not in r.text
    assert any("ValueError" in rec.getMessage() for rec in caplog.records)  # logged


def test_non_finite_figures_are_null_in_json(api, learner, monkeypatch):
    from guidance.recommend.fastscore import FastCandidates
    from guidance.recommend.scorer import Candidates

    for kind in (Candidates, FastCandidates):  # whichever scorer serves: the models' figures
        real = kind.predict

        def nan_wage(self, *args, _real=real, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
            out = dict(_real(self, *args, **kw))
            if "wage_q75" in out:
                out["wage_q75"] = out["wage_q75"] * math.nan
            return out

        monkeypatch.setattr(kind, "predict", nan_wage)
    r = api.post("/api/v1/recommendations", json={"profile": learner, "k": 3})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items and all(it["wage_q75"] is None for it in items)
    assert all(isinstance(it["wage_q50"], float) for it in items)

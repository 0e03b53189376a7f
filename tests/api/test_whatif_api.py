"""The what-if route as the counsellor page reads it (issue 17): each change names the
programme, level, institution and province, and the figures that changed (old → new);
the same programme at another institution is one move; no internal score in any text."""

from __future__ import annotations

import re

FIGURES = {
    "rank",
    "p_employed_12m",
    "p_job_matches_training",
    "wage_q50",
    "distance_km",
    "total_tuition_vnd",
}


def test_what_if_changes_carry_where_and_figures(api, learner, world):
    provinces = sorted(world["programmes"]["province_code"].astype(str).unique())
    kinds: set[str] = set()
    for home in provinces:
        body = {
            "profile": {**learner, "home_province_code": home},
            "k": 10,
            "changes": {"willing_to_relocate": True},
        }
        r = api.post("/api/v1/recommendations/what-if", json=body)
        assert r.status_code == 200, r.text
        out = r.json()
        before = {it["programme_id"]: it for it in out["before"]}
        after = {it["programme_id"]: it for it in out["after"]}
        entered = {c["programme_code"] for c in out["entered"]}
        left = {c["programme_code"] for c in out["left"]}
        assert not entered & left, (home, entered & left)
        for c in out["entered"] + out["left"] + out["changed"]:
            kinds.add(c["kind"])
            it = after.get(c["programme_id"]) or before[c["programme_id"]]
            for key in ("name_vi", "level", "institution_name", "province_name_vi"):
                assert c[key] == it[key]
            assert {f["name"] for f in c["figures"]} <= FIGURES
            for text in (c["why"], c["why_vi"]):
                assert not re.search(r"\d[.,]\d", text), text  # no "0.824"
            if c["kind"] == "moved":
                old = before[c["programme_id_before"]]
                assert c["institution_name_before"] == old["institution_name"]
                assert c["province_name_vi_before"] == old["province_name_vi"]
                assert old["programme_code"] == c["programme_code"]
                assert c["programme_id_before"] not in after
    assert "moved" in kinds, kinds


def test_what_if_schema_publishes_the_changes(api):
    spec = api.get("/openapi.json").json()
    out = spec["components"]["schemas"]["WhatIfOut"]
    assert "changed" in out["required"]
    change = spec["components"]["schemas"]["Change"]
    for key in ("kind", "reason", "rules", "institution_name", "province_name_vi", "figures"):
        assert key in change["properties"] and key in change["required"]

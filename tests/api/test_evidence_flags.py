"""The API carries the intervals and the thin-evidence flags: recommendation items and their
alternatives, and the programme detail's outcomes."""

from __future__ import annotations

from guidance.features import MIN_CELL


def test_recommendations_carry_intervals_and_evidence_flags(api, learner):
    r = api.post(
        "/api/v1/recommendations",
        json={"profile": learner, "preferences": {"willing_to_relocate": True}, "k": 30},
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items
    for it in items:
        assert it["interval_level"] == 0.8
        lo, hi = it["intervals"]["job_matches_training"]
        assert lo <= it["p_job_matches_training"] <= hi
        n = it["basis"]["n_graduates"]
        assert ("small_sample" in it["flags"]) == (0 < n < MIN_CELL)
        assert ("new_programme" in it["flags"]) == it["basis"]["cold_start"]
        for alt in it["alternatives"]:
            assert isinstance(alt["flags"], list)


def test_programme_detail_names_its_evidence_flags(api):
    rec = api.app.state.ctx.holder.current.recommender
    cols = rec.catalogue_columns()
    n = cols["n_graduates"]
    checked = 0
    for want, pick in (("small_sample", (n > 0) & (n < MIN_CELL)), (None, n >= MIN_CELL)):
        if not pick.any():
            continue
        pid = str(cols["programme_id"][pick.argmax()])
        out = api.get(f"/api/v1/programmes/{pid}").json()["outcomes"]
        assert out["flags"] == rec.offering_facts(pid)["flags"]
        assert ("small_sample" in out["flags"]) == (want == "small_sample")
        checked += 1
    assert checked

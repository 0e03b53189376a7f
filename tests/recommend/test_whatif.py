"""What-if: one change, which offerings enter and leave, and why."""

from __future__ import annotations

from guidance.recommend.whatif import apply_changes, what_if


def test_relocating_brings_in_offerings_from_other_regions(make_recommender, learner):
    rec = make_recommender()
    w = what_if(rec, learner, {}, {"willing_to_relocate": True}, k=5)
    before = set(w.before.ids())
    after = set(w.after.ids())
    moved = [c for c in w.changed if c.kind == "moved"]
    assert {c.programme_id for c in w.entered + moved} == after - before
    assert {c.programme_id for c in w.left} | {c.programme_id_before for c in moved} == (
        before - after
    )
    for c in w.entered:
        if "newly eligible" in c.why:
            assert "location" in c.why and "nơi học" in c.why_vi
    for c in w.left:
        assert c.why.startswith("displaced") and c.rank_before is not None


def test_lower_tuition_limit_removes_dear_offerings(make_recommender, learner):
    rec = make_recommender()
    prefs = {"willing_to_relocate": True}
    base = rec.recommend(learner, prefs, k=5)
    dearest = max(base.items, key=lambda it: it.tuition_vnd_per_year)
    limit = dearest.tuition_vnd_per_year - 1
    w = what_if(rec, learner, prefs, {"max_tuition_vnd_per_year": limit}, k=5)
    left = {c.programme_id: c for c in w.left}
    assert dearest.programme_id in left
    assert "tuition" in left[dearest.programme_id].why
    assert all(it.tuition_vnd_per_year <= limit for it in w.after.items)


def test_relative_distance_change(make_recommender, learner):
    rec = make_recommender()
    p, q = apply_changes(
        rec, rec_profile(learner), rec_prefs({"max_distance_km": 10.0}), {"max_distance_km": "+50"}
    )
    assert q.max_distance_km == 60.0 and p.home_province_code == learner["home_province_code"]


def test_relative_distance_change_is_clipped_to_the_bounds(make_recommender, learner):
    """ "+3000" on top of a limit (or of the farthest eligible offering) stays a valid request:
    the result is clipped to 3,000 km, "-3000" to 0 (schemathesis found the 422)."""
    from guidance.recommend.types import MAX_DISTANCE_KM

    rec = make_recommender()
    _, q = apply_changes(
        rec,
        rec_profile(learner),
        rec_prefs({"max_distance_km": 100.0}),
        {"max_distance_km": "+3000"},
    )
    assert q.max_distance_km == MAX_DISTANCE_KM
    _, q = apply_changes(rec, rec_profile(learner), rec_prefs({}), {"max_distance_km": "+3000"})
    assert q.max_distance_km == MAX_DISTANCE_KM
    _, q = apply_changes(
        rec,
        rec_profile(learner),
        rec_prefs({"max_distance_km": 100.0}),
        {"max_distance_km": "-3000"},
    )
    assert q.max_distance_km == 0.0


def rec_profile(d):
    from guidance.recommend.types import LearnerProfile

    return LearnerProfile.model_validate(d)


def rec_prefs(d):
    from guidance.recommend.types import Preferences

    return Preferences.model_validate(d)

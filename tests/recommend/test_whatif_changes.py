"""What-if changes as a counsellor reads them (issue 17): a programme is its code, so the
same programme at another institution is one ``moved`` change, never both entering and
leaving; every change names its institution and province and carries the figures that
changed (old → new); no text shows the internal score."""

from __future__ import annotations

import re

import pytest

from guidance.recommend.whatif import FIGURES, figures, what_if

CHANGES = ({"willing_to_relocate": True}, {"max_distance_km": 300.0}, {"education_level": 9})


@pytest.fixture()
def all_what_ifs(make_recommender, learner, tiny_tables):
    """Every home province of the tiny catalogue × a few changes (k = 10)."""
    rec = make_recommender()
    provinces = sorted(tiny_tables["programmes"]["province_code"].astype(str).unique())
    return [
        what_if(rec, {**learner, "home_province_code": p}, {}, ch, k=10)
        for p in provinces
        for ch in CHANGES
    ]


def test_same_programme_elsewhere_is_one_move_not_entering_and_leaving(all_what_ifs):
    """Regression: relocating let the same programme code at another institution outrank
    the one near home; the two offerings were listed as entering AND leaving (the page
    shows names, so the same programme appeared on both lists)."""
    n_moved = 0
    for w in all_what_ifs:
        entered = {c.programme_code for c in w.entered}
        left = {c.programme_code for c in w.left}
        assert not entered & left, (w.changes, entered & left)
        before = {it.programme_id: it for it in w.before.items}
        after = {it.programme_id: it for it in w.after.items}
        for c in w.changed:
            if c.kind != "moved":
                assert c.programme_id in before and c.programme_id in after
                continue
            n_moved += 1
            old, new = before[c.programme_id_before], after[c.programme_id]
            assert old.programme_code == new.programme_code == c.programme_code
            assert c.programme_id not in before and c.programme_id_before not in after
            assert c.institution_name == new.institution_name
            assert c.institution_name_before == old.institution_name
            assert c.province_name_vi_before == old.province_name_vi
            assert (c.rank_before, c.rank_after) == (old.rank, new.rank)
            assert new.institution_name in c.why_vi and old.institution_name in c.why_vi
        # every offering of either list is accounted for exactly once
        accounted_after = [c.programme_id for c in w.entered + w.changed]
        accounted_before = [c.programme_id for c in w.left] + [
            c.programme_id_before or c.programme_id for c in w.changed
        ]
        assert len(set(accounted_after)) == len(accounted_after)
        assert set(accounted_after) <= set(after) and set(accounted_before) <= set(before)
        assert set(after) - set(before) <= set(accounted_after)
        assert set(before) - set(after) <= set(accounted_before)
    assert n_moved >= 1, "the tiny world must hold one move (the regression's case)"


def test_changes_name_where_and_show_figures_not_the_score(all_what_ifs):
    seen = set()
    for w in all_what_ifs:
        items = {it.programme_id: it for it in w.before.items + w.after.items}
        for c in w.entered + w.left + w.changed:
            it = items[c.programme_id]
            assert (c.name_vi, c.level, c.institution_name, c.province_name_vi) == (
                it.name_vi,
                it.level,
                it.institution_name,
                it.province_name_vi,
            )
            assert c.province_name_en == it.province_name_en and c.institution_name
            # the internal utility never reaches a reader: no "0.824" style number
            for text in (c.why, c.why_vi):
                assert not re.search(r"\d[.,]\d", text), text
                assert "điểm nay" not in text and "điểm trên" not in text and "score" not in text
            names = [f.name for f in c.figures]
            assert set(names) <= set(FIGURES)
            seen.add(c.kind)
            if c.kind == "entered":
                assert names == list(FIGURES)
                assert all(f.before is None for f in c.figures)
                assert c.figures[0].after == c.rank_after
            elif c.kind == "left":
                assert names == list(FIGURES)
                assert all(f.after is None for f in c.figures)
            else:
                assert c.figures, "a change that stayed lists what changed"
    assert {"entered", "left", "moved", "changed"} <= seen


def test_figures_report_what_differs_as_shown(make_recommender, learner):
    """A figure counts as changed only when it differs at the precision shown (whole
    percent, 0,1 million ₫, whole km): 81.2 % → 81.4 % is no change to a reader."""
    rec = make_recommender()
    it = rec.recommend(learner, {}, k=1).items[0]
    # a value inside the same whole percent as the shown one (not across a rounding edge)
    near = round(it.p_employed_12m or 0.5, 2) + 0.002
    assert near != it.p_employed_12m
    same = it.model_copy(update={"p_employed_12m": near})
    assert figures(it, same) == []
    other = it.model_copy(update={"rank": it.rank + 2, "distance_km": (it.distance_km or 0) + 40.0})
    got = {f.name: (f.before, f.after) for f in figures(it, other)}
    assert got == {
        "rank": (it.rank, it.rank + 2),
        "distance_km": (it.distance_km or 0, (it.distance_km or 0) + 40.0),
    }


def test_what_if_result_serialises(make_recommender, learner):
    rec = make_recommender()
    w = what_if(rec, learner, {}, {"willing_to_relocate": True}, k=5)
    data = w.model_dump(mode="json")
    for key in ("entered", "left", "changed"):
        for c in data[key]:
            assert {"kind", "institution_name", "province_name_vi", "figures"} <= set(c)

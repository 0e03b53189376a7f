"""Legal and admission ages (issue 16 §1): a learner under a legal minimum age at
graduation is not offered the programme (rule ``age``); under it now but old enough at
graduation, it is offered with the flag ``age_at_graduation`` and a reason; where the law
is unclear, it is flagged (``age_law_unclear``), never excluded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance import reference
from guidance.recommend.candidates import Catalogue, legal_rows
from guidance.recommend.types import LearnerProfile, Preferences


def _offering(pid: str, name: str, targets: str, months: int, **extra: object) -> dict:
    return {
        "programme_id": pid,
        "programme_code": pid,
        "name_vi": name,
        "name_en": None,
        "level": "so_cap",
        "field_code": "1041",
        "institution_id": "I1",
        "institution_name": "Trung tâm",
        "province_code": "01",
        "duration_months": months,
        "tuition_vnd_per_year": 5_000_000,
        "min_education": 0,
        "target_occupations": targets,
        **extra,
    }


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    rows = [
        _offering("B12", "Lái xe ô tô hạng B", "8322", 12),
        _offering("B11", "Lái xe ô tô hạng B", "8322", 11),
        _offering("C", "Lái xe tải hạng C", "8332", 6),
        _offering("FORK", "Vận hành xe nâng hàng", "8344", 3),
        _offering("COOK", "Kỹ thuật chế biến món ăn", "5120", 3),
        _offering("OWN", "Kỹ thuật chế biến món ăn", "5120", 3, min_age=16, max_age=20),
    ]
    return Catalogue(pd.DataFrame(rows), reference.provinces())


def _ok(cat: Catalogue, age: float, lead: int = 0) -> dict[str, bool]:
    return dict(zip(cat.ids, cat.age_mask(age, lead).tolist(), strict=True))


def test_every_legal_row_names_its_source_and_a_known_status():
    legal = reference.legal_min_ages()
    assert len(legal) >= 8 and legal["rule_id"].is_unique
    assert set(legal["status"]) == {"law", "unclear"}
    assert legal["source"].str.len().gt(10).all() and legal["min_age"].between(14, 70).all()
    assert legal["isco_codes"].notna().any() and legal["name_pattern"].notna().any()


def test_rows_match_by_occupation_and_by_name(cat):
    law, unclear = legal_rows(cat.frame)
    legal = reference.legal_min_ages()
    by_id = dict(zip(cat.ids, zip(law.tolist(), unclear.tolist(), strict=True), strict=True))
    assert legal.loc[by_id["C"][0], "min_age"] == 21  # "hạng C" by name beats 8332's 18
    assert legal.loc[by_id["B12"][0], "min_age"] == 18
    assert by_id["FORK"][0] == -1 and legal.loc[by_id["FORK"][1], "status"] == "unclear"
    assert by_id["COOK"] == (-1, -1)


def test_exactly_the_legal_age_at_graduation_is_offered(cat):
    # 17 now, 12 months to graduation: exactly 18 at graduation; 11 months: not yet
    ok = _ok(cat, 17)
    assert ok["B12"] and not ok["B11"] and not ok["C"]
    # a start a month later makes the 11-month course end at exactly 18 too
    assert _ok(cat, 17, lead=1)["B11"]
    assert _ok(cat, 21)["C"] and not _ok(cat, 20)["C"]


def test_under_age_now_offered_with_a_flag_old_enough_no_flag(cat):
    i = cat.pos["B12"]
    flags, rules = cat.age_notes(i, 17, 0)
    assert flags == ["age_at_graduation"]
    (rule,) = rules
    assert (rule.min_age, rule.status, rule.age_at_graduation) == (18, "law", 18.0)
    assert "36/2024/QH15" in rule.source
    assert cat.age_notes(i, 18, 0) == ([], [])


def test_unclear_law_is_flagged_not_excluded(cat):
    assert _ok(cat, 14)["FORK"]
    flags, rules = cat.age_notes(cat.pos["FORK"], 14, 0)
    assert flags == ["age_law_unclear"] and rules[0].status == "unclear"
    assert cat.age_notes(cat.pos["FORK"], 30, 0) == ([], [])


def test_catalogue_admission_ages_apply_at_enrolment(cat):
    assert not _ok(cat, 15)["OWN"] and _ok(cat, 15, lead=12)["OWN"]
    assert _ok(cat, 20)["OWN"] and not _ok(cat, 21)["OWN"]
    assert _ok(cat, 15)["COOK"]


def test_why_excluded_names_age_and_the_item_says_so(make_recommender, tiny_tables):
    prog = tiny_tables["programmes"].copy()
    home = str(prog["province_code"].value_counts().index[0])
    base = prog[prog["province_code"] == home].iloc[0]
    extra = pd.DataFrame(
        [
            {**base.to_dict(), **_offering("XB", "Lái xe ô tô hạng B", "8322", 12)},
            {**base.to_dict(), **_offering("XF", "Vận hành xe nâng hàng", "8344", 3)},
        ]
    ).assign(province_code=home, programme_code=["SC-LAIXEB", "SC-XENANG"])
    rec = make_recommender(programmes=pd.concat([prog, extra], ignore_index=True))
    learner = LearnerProfile(age=16, home_province_code=home, education_level=9)
    prefs = Preferences(provinces=[home])
    assert rec.why_excluded(learner, prefs, "XB") == ["age"]
    assert rec.why_excluded(learner, prefs, "XF") == []
    seventeen = learner.model_copy(update={"age": 17})
    assert rec.why_excluded(seventeen, prefs, "XB") == []
    r = rec.recommend(seventeen, prefs, k=50)
    items = {it.programme_id: it for it in r.items}
    assert "age_at_graduation" in items["XB"].flags
    assert any("đủ 18 tuổi khi tốt nghiệp" in s for s in items["XB"].reasons_vi)
    assert any("18 by graduation" in s for s in items["XB"].reasons_en)
    assert "age_law_unclear" in items["XF"].flags
    assert any("chưa xác minh" in s for s in items["XF"].reasons_vi)
    assert np.all([not it.age_rules for pid, it in items.items() if pid not in ("XB", "XF")])
    # the what-if names the rule: a year older, the driving course becomes eligible
    from guidance.recommend.whatif import what_if

    w = what_if(rec, learner, prefs, {"age": 17}, k=50)
    entered = {c.programme_id: c for c in w.entered}
    assert entered["XB"].reason == "newly_eligible" and entered["XB"].rules == ["age"]
    assert "tuổi" in entered["XB"].why_vi


def test_an_unverified_minimum_is_never_stated_as_the_law(cat):
    from guidance.recommend.reasons import age_sentences
    from guidance.recommend.types import Item

    for age in (14, 17.9):  # under it at graduation; under it now only
        flags, rules = cat.age_notes(cat.pos["FORK"], age, 0 if age < 17 else 3)
        assert flags and rules[0].status == "unclear"
        vi, en = age_sentences(Item.model_construct(age_rules=rules))
        assert "chưa xác minh" in vi[0] and " cần đủ" not in vi[0].replace("có thể cần", "")
        assert "verify" in en[0] or "unverified" in en[0]

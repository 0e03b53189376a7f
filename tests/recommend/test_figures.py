"""Issue 16 §2: figures that say what they are — the headline (observed from MIN_CELL
respondents, else the estimate), the observed employment split and 6-month rate on the
basis, tuition after a legal exemption, and the sentences that carry them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance import reference
from guidance.features import MIN_CELL
from guidance.recommend import reasons as rs
from guidance.recommend import tuition

WIDE = {"willing_to_relocate": True}


def _split_pairs() -> pd.DataFrame:
    """30 graduates of A (12 formal, 6 informal, 3 self-employed, 9 out of work at 12 m;
    25 answered at 6 m, 20 in work) and 10 of B (a small cell)."""
    n = 40
    et = ["formal"] * 12 + ["informal"] * 6 + ["self_employed"] * 3 + ["none"] * 9
    et += ["formal"] * 10
    e6 = [True] * 20 + [False] * 5 + [None] * 5 + [True] * 10
    return pd.DataFrame(
        {
            "programme_id": ["A"] * 30 + ["B"] * 10,
            "employment_type": et,
            "employed_12m": [t != "none" for t in et],
            "employed_6m": pd.array(e6, dtype="boolean"),
            "completed": [True] * n,
            "job_matches_training": [False] * n,
            "monthly_wage_vnd": np.nan,
        }
    )


def test_history_split_counts_and_small_cell_rule():
    from guidance.features.history import OfferingHistory

    X = _split_pairs()
    keys = pd.DataFrame(
        {
            "lineage": X["programme_id"],
            "programme_code": "1",
            "field_code": "0715",
            "region": "r",
            "institution_id": "I",
            "cohort_t": [2023 * 12 + 5] * 20 + [2024 * 12] * 20,
        }
    )
    h = OfferingHistory().fit(keys, X.assign(**{"job_matches_training": False}))
    got = h.summary(keys.drop_duplicates("lineage").reset_index(drop=True)).set_index("lineage")
    a = got.loc["A"]
    assert a["observed_formal_12m"] == pytest.approx(12 / 30)
    assert a["observed_informal_12m"] == pytest.approx(6 / 30)
    assert a["observed_self_employed_12m"] == pytest.approx(3 / 30)
    # the three kinds add up to employment at 12 months (same respondents)
    split = a[["observed_formal_12m", "observed_informal_12m", "observed_self_employed_12m"]]
    assert split.sum() == pytest.approx(a["observed_employed_12m"])
    assert a["observed_employed_6m"] == pytest.approx(20 / 25) and a["n_employed_6m"] == 25
    assert a["n_cohort_years"] == 2  # graduating in 2023 and 2024
    b = got.loc["B"]
    assert b["n_graduates"] == 10 < MIN_CELL
    assert np.isnan(b["observed_formal_12m"]) and np.isnan(b["observed_employed_6m"])
    # a history saved before the split existed: the shares are unknown, nothing fails
    del h.split_
    h.span_ = h.span_.drop(columns="years")
    old = h.summary(keys.drop_duplicates("lineage").reset_index(drop=True)).set_index("lineage")
    assert np.isnan(old.loc["A", "observed_formal_12m"]) and old.loc["A", "n_employed_6m"] == 0
    assert old.loc["A", "observed_employed_12m"] == pytest.approx(21 / 30)


def test_headline_is_observed_only_from_min_cell_respondents(make_recommender, learner):
    rec = make_recommender()
    r = rec.recommend(learner, WIDE, k=40)
    kinds = set()
    for it in r.items:
        b = it.basis
        kinds.add(b.headline)
        text_vi, text_en = " ".join(it.reasons_vi), " ".join(it.reasons_en)
        if b.headline == "observed":
            assert b.n_employed_12m_known is not None and b.n_employed_12m_known >= MIN_CELL
            assert it.reasons_vi[0].startswith("Đã quan sát: ")
            assert f"{b.n_employed_12m_known} người trả lời" in it.reasons_vi[0]
            assert it.reasons_en[0].startswith("Observed: ")
            assert "Ước tính của mô hình" in text_vi  # the estimate follows, labelled
        else:
            assert b.observed_employed_12m is None
            assert "Đã quan sát" not in text_vi and "Observed" not in text_en
        shares = (b.observed_formal_12m, b.observed_informal_12m, b.observed_self_employed_12m)
        if b.n_graduates < MIN_CELL:
            assert shares == (None, None, None) and b.observed_employed_6m is None
        if None not in shares:
            assert sum(shares) == pytest.approx(b.observed_employed_12m)
            assert "phi chính thức" in text_vi and "self-employed" in text_en
        year, month = it.graduation_period.split("-")
        assert f"Dự kiến tốt nghiệp tháng {int(month)}/{year}" in text_vi
        assert "Tổng học phí cả khóa" in text_vi
        assert "sau 12 tháng" in next(s for s in it.reasons_vi if "làm đúng nghề" in s)
    assert "observed" in kinds  # the tiny world has offerings with enough respondents


def test_tuition_exemption_rule_applies_to_lower_secondary_into_trung_cap(
    make_recommender, learner
):
    table = reference.tuition_exemptions()
    assert {"rule_id", "legal_source", "verified"} <= set(table.columns)
    assert table["legal_source"].str.len().min() > 0
    ex = tuition.exemption("trung_cap", 9, 12_000_000, 24_000_000)
    assert ex is not None and ex.total_tuition_vnd == 0 and ex.tuition_vnd_per_year == 0
    assert "238/2025" in ex.legal_source and ex.verified is False
    assert tuition.exemption("cao_dang", 9, 12_000_000, 24_000_000) is None
    assert tuition.exemption("trung_cap", 12, 12_000_000, 24_000_000) is None
    rec = make_recommender()
    r = rec.recommend({**learner, "education_level": 9}, WIDE, k=20)
    tc = [it for it in r.items if it.level == "trung_cap"]
    assert tc, "the tiny world has trung cấp offerings"
    for it in r.items:
        if it.level == "trung_cap":
            assert it.tuition_exemption is not None
            assert any(s.startswith("Học phí sau miễn giảm: 0 đồng") for s in it.reasons_vi)
            assert any("chưa xác minh" in s for s in it.reasons_vi)
        else:
            assert it.tuition_exemption is None
    r12 = rec.recommend(learner, WIDE, k=20)  # upper-secondary graduate: no exemption
    assert all(it.tuition_exemption is None for it in r12.items)
    body = r.to_dict()["items"][0]
    assert "tuition_exemption" in body and "headline" in body["basis"]


def test_month_forms():
    assert rs.month_vi("2028-04") == "tháng 4/2028"
    assert rs.month_en("2028-04") == "April 2028"
    assert rs.month_vi(None) == rs.NO_FIGURE

"""Features: hand-built frames with values worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance.features import (
    INPUT_COLUMNS,
    LEARNER_COLUMNS,
    MIN_CELL,
    PROTECTED,
    ContextFeatures,
    DemandIndex,
    OfferingHistory,
    serving_pairs,
    training_pairs,
)
from guidance.features.history import lineage_ids
from guidance.features.interest import interest_correlation, interest_fit, riasec_vector
from guidance.features.skill import occupation_skill, skill_gap, target_skill
from guidance.periods import period_index

PROVINCES = pd.DataFrame(
    {
        "province_code": ["01", "31", "79"],
        "name_vi": ["Hà Nội", "Hải Phòng", "Hồ Chí Minh"],
        "region": ["red_river_delta", "red_river_delta", "southeast"],
        "lat": [21.0, 20.9, 10.8],
        "lon": [105.8, 106.7, 106.7],
    }
)
OCCUPATIONS = pd.DataFrame(
    {"occupation_code": ["7212", "5120"], "name_en": ["Welders", "Cooks"], "riasec": ["RC", "AS"]}
)


def _demand() -> pd.DataFrame:
    """7212 in 01: vacancies 1..18 over 2023-01..2024-06, 10 seekers; in 79: 100, no seekers.
    5120 in 01: 4 vacancies, 8 seekers every month."""
    periods = [f"{2023 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in range(1, 19)]
    rows = []
    for i, p in enumerate(periods, start=1):
        rows.append((p, "01", "7212", i, 10))
        rows.append((p, "79", "7212", 100, None))
        rows.append((p, "01", "5120", 4, 8))
    return pd.DataFrame(
        rows, columns=["period", "province_code", "occupation_code", "vacancies", "job_seekers"]
    )


def test_riasec_vector_weights_letters_by_rank():
    assert riasec_vector("RIC").tolist() == [1.0, 0.6, 0.0, 0.0, 0.0, 0.3]
    assert riasec_vector(None).tolist() == [0.0] * 6


def test_period_index_counts_months():
    idx = period_index(pd.Series(["2024-01", "2023-12", "2024-01"]))
    assert idx.tolist() == [2024 * 12, 2024 * 12 - 1, 2024 * 12]


def test_lineage_follows_predecessors_and_survives_cycles():
    progs = pd.DataFrame(
        {
            "programme_id": ["P1", "P2", "P3", "A", "B"],
            "predecessor_id": [None, "P1", "P2", "B", "A"],
        }
    )
    got = lineage_ids(progs)
    assert got["P3"] == "P1" and got["P2"] == "P1" and got["P1"] == "P1"
    assert {got["A"], got["B"]} <= {"A", "B"}  # a cycle ends instead of looping


def _features(idx, targets, study, home, period, region_of):
    """The eight demand features of rows through ``aggregate`` + ``lookup``."""
    sets, inv = np.unique(np.asarray(targets, dtype=str), return_inverse=True)
    agg = idx.aggregate(sets, window=3, region_of=region_of)
    return {
        **agg.lookup("study", inv, np.asarray(study), period),
        **agg.lookup("home", inv, np.asarray(home), period),
    }


def _dem(targets, study, home, periods):
    idx = DemandIndex.from_frame(_demand())
    region = PROVINCES.set_index("province_code")["region"].to_dict()
    return _features(idx, targets, study, home, period_index(pd.Series(periods)), region)


def test_demand_window_ratio_trend_by_hand():
    f = _dem(["7212"], ["01"], ["79"], ["2024-06"])
    # window = months 16, 17, 18 -> 17 vacancies; 12 months earlier months 4, 5, 6 -> 5
    assert f["dem_vac_study"][0] == pytest.approx(np.log1p(17))
    assert f["dem_vps_study"][0] == pytest.approx(17 / 10)
    assert f["dem_trend_study"][0] == pytest.approx(np.log(18 / 6))
    assert f["dem_vac_home"][0] == pytest.approx(np.log1p(100))
    assert np.isnan(f["dem_vps_home"][0])  # seekers unknown in 79
    # the region red_river_delta holds 01 (and 31, without demand rows): log((17+1)/(10+1))
    assert f["dem_lratio_region_study"][0] == pytest.approx(np.log(18 / 11))


def test_demand_sums_target_occupations_and_clamps_to_newest_month():
    both = _dem(["7212;5120"], ["01"], ["01"], ["2024-06"])
    assert both["dem_vac_study"][0] == pytest.approx(np.log1p(17 + 4))
    assert both["dem_vps_study"][0] == pytest.approx(21 / 18)
    later = _dem(["7212"], ["01"], ["01"], ["2031-01"])  # future graduation: newest snapshot
    assert later["dem_vac_study"][0] == pytest.approx(np.log1p(17))
    early = _dem(["7212"], ["01"], ["01"], ["2022-01"])
    assert np.isnan(early["dem_vac_study"][0])
    unknown = _dem(["7212"], ["99"], ["01"], ["2024-06"])
    assert np.isnan(unknown["dem_vac_study"][0])


def test_more_demand_never_lowers_demand_features():
    base = DemandIndex.from_frame(_demand())
    more = _demand()
    more["vacancies"] = more["vacancies"] * 2
    region = PROVINCES.set_index("province_code")["region"].to_dict()
    args = (
        np.array(["7212"] * 3),
        np.array(["01", "79", "01"]),
        np.array(["01"] * 3),
        period_index(pd.Series(["2023-03", "2024-01", "2024-06"])),
    )
    a = _features(base, *args, region)
    b = _features(DemandIndex.from_frame(more), *args, region)
    for name in ("dem_vac_study", "dem_lratio_region_study"):
        known = ~np.isnan(a[name])
        assert known.sum() >= 2
        assert np.all(b[name][known] >= a[name][known])
        assert np.array_equal(np.isnan(a[name]), np.isnan(b[name]))


def _keys(rows):
    return pd.DataFrame(
        rows,
        columns=["lineage", "programme_code", "field_code", "region", "institution_id", "cohort_t"],
    )


def _outcomes(ys):
    return pd.DataFrame(
        {
            "employed_12m": ys,
            "job_matches_training": ys,
            "completed": ys,
            "monthly_wage_vnd": [np.nan] * len(ys),
        }
    )


ONE = {"field": 1.0, "code": 1.0, "code_region": 1.0, "offering": 1.0, "institution": 1.0}


def test_history_shrinkage_formula_by_hand():
    keys = _keys(
        [
            ("A", "C1", "F1", "R", "I", 1),
            ("A", "C1", "F1", "R", "I", 2),
            ("A", "C1", "F1", "R", "I", 3),
            ("B", "C2", "F1", "R", "J", 1),
        ]
    )
    hist = OfferingHistory(ONE).fit(keys, _outcomes([1.0, 1.0, 0.0, 0.0]))
    query = _keys([("A", "C1", "F1", "R", "I", 9), ("NEW", "C1", "F1", "R", "K", 9)])
    got = hist.features(query)["hist_employed_12m"]
    g = 2 / 4  # global
    p_f = (2 + 1 * g) / (4 + 1)  # field F1: 2 of 4
    p_c = (2 + p_f) / (3 + 1)  # code C1: 2 of 3
    p_cr = (2 + p_c) / (3 + 1)  # code C1 × region R: 2 of 3
    p_o = (2 + p_cr) / (3 + 1)  # offering A: 2 of 3
    assert got[0] == pytest.approx(p_o)
    assert got[1] == pytest.approx(p_cr)  # unseen offering: its code × region level


def test_history_in_training_sees_only_earlier_cohorts():
    keys = _keys(
        [
            ("A", "C1", "F1", "R", "I", 1),
            ("A", "C1", "F1", "R", "I", 2),
            ("A", "C1", "F1", "R", "I", 3),
            ("B", "C2", "F1", "R", "J", 1),
        ]
    )
    ys = [1.0, 1.0, 0.0, 0.0]
    hist = OfferingHistory(ONE).fit(keys, _outcomes(ys))
    got = hist.features(keys, values=OfferingHistory.values(_outcomes(ys)))["hist_employed_12m"]
    # row 3 (cohort 3) sees rows 1, 2 (A) and row 4 (B, cohort 1): global 2 of 3
    g = 2 / 3
    p_f = (2 + g) / (3 + 1)
    p_c = (2 + p_f) / (2 + 1)
    p_cr = (2 + p_c) / (2 + 1)
    assert got[2] == pytest.approx((2 + p_cr) / (2 + 1))
    flipped = OfferingHistory.values(_outcomes([1.0, 1.0, 1.0, 0.0]))  # its own label changes
    again = hist.features(keys, values=flipped)["hist_employed_12m"]
    assert again[2] == pytest.approx(got[2])


def _pairs(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.integers(16, 30, n),
            "home_province_code": rng.choice(["01", "31", "79"], n),
            "education_level": rng.choice([9, 12], n),
            "gpa": rng.uniform(5, 9, n),
            "math_score": rng.uniform(4, 10, n),
            "literature_score": rng.uniform(4, 10, n),
            "english_score": rng.uniform(4, 10, n),
            **{
                c: rng.uniform(0, 1, n)
                for c in ("riasec_r", "riasec_i", "riasec_a", "riasec_s", "riasec_e", "riasec_c")
            },
            "prior_work_months": rng.integers(0, 12, n),
            "programme_id": rng.choice(["A", "B", "C"], n),
            "programme_code": "6520123",
            "field_code": "0715",
            "level": rng.choice(["trung_cap", "cao_dang"], n),
            "duration_months": 24,
            "province_code": "01",
            "institution_id": "I1",
            "tuition_vnd_per_year": 9_000_000,
            "mode": "full_time",
            "min_education": 9,
            "target_occupations": "7212",
            "predecessor_id": None,
            "cohort": rng.choice(["2023-06", "2023-12", "2024-06"], n),
            "sex": rng.choice(["F", "M"], n),
            "ethnic_minority": rng.random(n) < 0.2,
            "employed_12m": rng.random(n) < 0.7,
            "job_matches_training": rng.random(n) < 0.5,
            "completed": rng.random(n) < 0.8,
            "monthly_wage_vnd": rng.integers(5, 9, n) * 1_000_000,
        }
    )
    return df


def _fitted(pairs: pd.DataFrame) -> ContextFeatures:
    progs = pd.DataFrame(
        {"programme_id": ["A", "B", "C", "D"], "predecessor_id": [None, None, None, "A"]}
    )
    return ContextFeatures().fit(
        pairs, provinces=PROVINCES, occupations=OCCUPATIONS, demand=_demand(), programmes=progs
    )


def test_context_features_never_read_protected_attributes():
    pairs = _pairs(200)
    ft = _fitted(pairs)
    assert not set(PROTECTED) & set(ft.feature_names_in_)
    assert not set(PROTECTED) & set(ft.get_feature_names_out())
    X = ft.transform(pairs)
    other = pairs.assign(sex="X", ethnic_minority=~pairs["ethnic_minority"])
    assert np.array_equal(X, ft.transform(other), equal_nan=True)
    assert np.array_equal(X, ft.transform(pairs.drop(columns=list(PROTECTED))), equal_nan=True)


def test_interest_fit_is_one_for_a_matching_profile():
    pairs = _pairs(5)
    ft = _fitted(pairs)
    match = pairs.head(1).copy()
    for c, v in zip(
        ("riasec_r", "riasec_i", "riasec_a", "riasec_s", "riasec_e", "riasec_c"),
        riasec_vector("RC"),
        strict=True,
    ):
        match[c] = v
    X = ft.transform(match)
    col = list(ft.get_feature_names_out()).index("interest_fit")
    assert X[0, col] == pytest.approx(1.0)


def test_offering_history_for_recommender_hides_small_cells_and_inherits():
    pairs = _pairs(60)
    pairs.loc[:, "programme_id"] = ["A"] * 50 + ["B"] * 10
    ft = _fitted(pairs)
    offers = pd.DataFrame(
        {
            "programme_id": ["A", "B", "D", "Z"],
            "programme_code": "6520123",
            "field_code": "0715",
            "province_code": "01",
            "institution_id": "I1",
            "predecessor_id": [None, None, "A", None],
        }
    )
    got = ft.offering_history(offers).set_index("programme_id")
    a_rate = pairs.loc[pairs["programme_id"] == "A", "employed_12m"].mean()
    assert got.loc["A", "n_graduates"] == 50 and got.loc["A", "observed_employed_12m"] == a_rate
    assert got.loc["B", "n_graduates"] == 10 < MIN_CELL
    assert np.isnan(got.loc["B", "observed_employed_12m"])
    assert got.loc["D", "n_graduates"] == 50  # D replaces A and inherits its history
    assert got.loc["D", "shrunk_employed_12m"] == pytest.approx(got.loc["A", "shrunk_employed_12m"])
    assert got.loc["Z", "n_graduates"] == 0 and pd.isna(got.loc["Z", "first_cohort"])
    assert got.loc["A", "first_cohort"] == "2023-06" and got.loc["A", "last_cohort"] == "2024-06"


def test_pairs_join_and_serving_graduation_month():
    progs = (
        _pairs(3)[[c for c in INPUT_COLUMNS if c not in ("cohort",)]]
        .drop(columns=["age", "gpa"])
        .assign(programme_id=["A", "B", "C"], duration_months=[6, 18, 30])
    )
    outcomes = pd.DataFrame(
        {"record_id": ["r1", "r2"], "programme_id": ["B", "Q"], "cohort": ["2024-01", "2024-01"]}
    )
    joined = training_pairs(outcomes, progs)
    assert joined["record_id"].tolist() == ["r1"]  # unknown offering Q has no pair
    rows = serving_pairs(
        {"age": 18, "home_province_code": "01", "education_level": 12}, progs, "2026-09"
    )
    assert rows["cohort"].tolist() == ["2027-03", "2028-03", "2029-03"]
    assert rows["age"].tolist() == [18, 18, 18]


def test_offering_history_counts_only_records_with_the_outcome_known():
    """Contract v1.1: a 6-month-only graduate (empty employed_12m, job_matches_training) is a
    graduate of the offering but not in its 12-month observed rates; a cell with fewer than
    ``MIN_CELL`` known outcomes shows no observed rate."""
    pairs = _pairs(80)
    pairs.loc[:, "programme_id"] = ["A"] * 50 + ["B"] * 30
    for c in ("employed_12m", "job_matches_training"):
        pairs[c] = pd.array(pairs[c].tolist(), dtype="boolean")
    unknown_a = list(range(0, 20))  # A: 30 of 50 known
    unknown_b = list(range(50, 65))  # B: 15 of 30 known (< MIN_CELL)
    pairs.loc[unknown_a + unknown_b, ["employed_12m", "job_matches_training"]] = pd.NA
    pairs.loc[unknown_a + unknown_b, "monthly_wage_vnd"] = np.nan
    ft = _fitted(pairs)
    offers = pd.DataFrame(
        {
            "programme_id": ["A", "B"],
            "programme_code": "6520123",
            "field_code": "0715",
            "province_code": "01",
            "institution_id": "I1",
            "predecessor_id": [None, None],
        }
    )
    got = ft.offering_history(offers).set_index("programme_id")
    a = pairs[pairs["programme_id"] == "A"]
    known = a["employed_12m"].dropna().astype(float)
    assert got.loc["A", "n_graduates"] == 50 and got.loc["A", "n_employed_12m"] == 30
    assert got.loc["A", "observed_employed_12m"] == pytest.approx(known.mean())
    assert got.loc["B", "n_graduates"] == 30 and got.loc["B", "n_employed_12m"] == 15
    assert np.isnan(got.loc["B", "observed_employed_12m"])
    assert np.isfinite(got.loc["B", "observed_completed"])
    # the empty cells never reach a model input: the history features stay finite
    X = ft.transform(pairs)
    names = list(ft.get_feature_names_out())
    hist = [names.index(n) for n in names if n.startswith("hist_")]
    assert np.isfinite(X[:, hist]).all()
    assert not {"employed_6m", "employed_12m", "employment_type", "job_matches_training"} & set(
        ft.feature_names_in_
    )


def test_skill_levels_from_the_table_else_the_isco_major_group():
    occ = pd.DataFrame(
        {"occupation_code": ["7212", "3113", "1321", "0110"], "skill_level": [2, None, 4, None]}
    )
    skill_of = occupation_skill(occ)
    # 7212 and 1321 as the table says; 3113 by its major group (technicians: 3); armed
    # forces span levels 1–4, so 0110 is unknown
    assert skill_of == {"7212": 2.0, "3113": 3.0, "1321": 4.0}
    assert occupation_skill(occ.drop(columns="skill_level"))["1321"] == 3.5
    sets = ["7212;3113", "9329", "0110", "1321;9329;7212"]
    got = target_skill(sets, skill_of)
    # 9329 (elementary, 1) is not in the table: its major group counts
    assert got[0] == pytest.approx(2.5) and got[1] == 1.0 and np.isnan(got[2])
    assert got[3] == pytest.approx((4 + 1 + 2) / 3)
    level = pd.Series(["so_cap", "trung_cap", "cao_dang", None])
    gap = skill_gap(np.array([2.5, 2.5, 2.5, 2.5]), level)
    assert gap[:3].tolist() == [1.5, 0.5, -0.5] and np.isnan(gap[3])


def test_offering_block_carries_the_targets_skill_level_and_its_gap():
    pairs = _pairs(40)
    pairs["target_occupations"] = np.where(np.arange(40) % 2, "7212", "7212;5120;3113")
    occ = OCCUPATIONS.assign(skill_level=[2, 2])
    progs = pd.DataFrame({"programme_id": ["A", "B", "C"], "predecessor_id": [None] * 3})
    ft = ContextFeatures().fit(
        pairs, provinces=PROVINCES, occupations=occ, demand=_demand(), programmes=progs
    )
    X = ft.transform(pairs)
    names = list(ft.get_feature_names_out())
    skill, gap = X[:, names.index("target_skill")], X[:, names.index("skill_gap")]
    want = np.where(np.arange(40) % 2, 2.0, (2 + 2 + 3) / 3)  # 3113: technicians, level 3
    assert np.allclose(skill, want)
    prepared = pairs["level"].map({"trung_cap": 2.0, "cao_dang": 3.0}).to_numpy()
    assert np.allclose(gap, want - prepared)
    block = ft.offering_block(pairs, period_index(pairs["cohort"]))
    assert np.allclose(block.matrix[:, names.index("target_skill")], want)


def test_interest_correlation_compares_profile_shapes():
    welder = riasec_vector("R")  # [1, 0, 0, 0, 0, 0]
    # the same shape one point higher: cosine 2 / sqrt(4 + 5) = 2/3, correlation exactly 1
    high = np.array([2.0, 1, 1, 1, 1, 1])
    assert interest_fit(high, welder) == pytest.approx(2 / 3)
    assert interest_correlation(high, welder) == pytest.approx(1.0)
    assert interest_correlation(np.array([0.0, 1, 1, 1, 1, 1]), welder) == pytest.approx(-1.0)
    # flat or missing profiles say nothing
    assert np.isnan(interest_correlation(np.ones(6), welder))
    assert np.isnan(interest_correlation(np.array([1.0, np.nan, 0, 0, 0, 0]), welder))
    rows = np.array([high, [0.0, 1, 1, 1, 1, 1]])
    assert interest_correlation(rows, welder).tolist() == pytest.approx([1.0, -1.0])


def test_context_features_carry_the_interest_correlation():
    pairs = _pairs(30)
    ft = _fitted(pairs)
    X = ft.transform(pairs)
    names = list(ft.get_feature_names_out())
    r = pairs[[f"riasec_{k}" for k in "riasec"]].to_numpy()
    want = [np.corrcoef(row, riasec_vector("RC"))[0, 1] for row in r]  # every row targets 7212
    assert np.allclose(X[:, names.index("interest_corr")], want)
    one = ft.learner_columns(
        {**{c: pairs[c].iloc[0] for c in LEARNER_COLUMNS}},
        ft.offering_block(pairs.head(3), 0).keys,
        0,
    )
    assert np.allclose(one[names.index("interest_corr")], want[0])


def test_a_feature_step_saved_before_the_skill_and_correlation_features_still_serves():
    pairs = _pairs(30)
    ft = _fitted(pairs)
    new = ("target_skill", "skill_gap", "interest_corr")
    names = list(ft.get_feature_names_out())
    X = ft.transform(pairs)
    keep = [i for i, n in enumerate(names) if n not in new]
    ft.feature_names_out_ = ft.feature_names_out_[keep]  # as pickled before they existed
    ft.categorical_mask_ = ft.categorical_mask_[keep]
    del ft.lookups_.skill
    assert np.array_equal(ft.transform(pairs), X[:, keep], equal_nan=True)

"""Contract v1.1: the wave outcomes ``employed_6m``, ``employed_12m``, ``employment_type`` and
``job_matches_training`` are required columns whose cells may be empty (the graduate did not
answer that wave); every other required column stays strict, and the row rules read an empty
cell as unknown."""

from __future__ import annotations

import pandas as pd
import pytest

from guidance.contract import validate_dir
from guidance.contract.schema import OUTCOMES

WAVE_OUTCOMES = ("employed_6m", "employed_12m", "employment_type", "job_matches_training")
TWELVE = (
    "employed_12m",
    "employment_type",
    "occupation_code",
    "job_province_code",
    "monthly_wage_vnd",
    "job_matches_training",
)


def test_only_the_four_wave_outcomes_are_nullable():
    nullable = {c.name for c in OUTCOMES.columns if c.nullable}
    assert nullable == set(WAVE_OUTCOMES)
    assert all(OUTCOMES.by_name[c].required for c in WAVE_OUTCOMES)


def test_one_wave_records_validate(tables, make_dir):
    out = tables["outcomes"]
    out.loc[[0, 3], list(TWELVE)] = ""  # answered the 6-month wave only
    out.loc[[1, 4], "employed_6m"] = ""  # answered the 12-month wave only
    report = validate_dir(make_dir(tables))
    assert report.ok and report.error_count == 0, report.summary()


@pytest.mark.parametrize("column", WAVE_OUTCOMES)
def test_the_wave_outcome_columns_are_still_required(tables, make_dir, column):
    tables["outcomes"] = tables["outcomes"].drop(columns=[column])
    report = validate_dir(make_dir(tables))
    assert [(e.table, e.column, e.rule) for e in report.errors] == [
        ("outcomes", column, "missing_column")
    ]


@pytest.mark.parametrize(
    "column", ["age", "education_level", "completed", "cohort", "home_province_code"]
)
def test_other_required_cells_stay_strict(spoil, column):
    report = validate_dir(spoil("outcomes", 2, column, ""))
    assert [(e.row, e.column, e.rule) for e in report.errors] == [(2, column, "required")]


def test_consistency_rules_do_not_fire_on_empty_cells(tables, make_dir):
    out = tables["outcomes"]
    # employment_type 'none' / job_matches_training true / a job with an unknown employed_12m
    out.loc[1, ["employed_12m", "occupation_code", "job_province_code"]] = ""  # R02: 'none'
    out.loc[0, ["employed_12m", "monthly_wage_vnd"]] = ""  # R01: formal
    out.loc[3, "employment_type"] = ""  # R04
    out.loc[3, "monthly_wage_vnd"] = ""
    report = validate_dir(make_dir(tables))
    assert report.ok, report.summary()


def test_a_wage_with_an_empty_employed_12m_is_an_error(spoil):
    report = validate_dir(spoil("outcomes", 1, "employed_12m", ""))
    assert [(e.row, e.column, e.rule) for e in report.errors] == [
        (1, "monthly_wage_vnd", "consistency")
    ]
    assert "employed_12m is empty" in report.errors[0].message


def test_a_v1_directory_reads_as_before(good_dir):
    from guidance.contract import load_dir

    out = load_dir(good_dir)["outcomes"]
    assert not out[list(WAVE_OUTCOMES)].isna().any().any()
    assert str(out["employed_12m"].dtype) == "boolean"
    raw = pd.read_csv(good_dir / "outcomes.csv", dtype=str)
    assert len(out) == len(raw)

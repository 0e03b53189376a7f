"""One test per rule class: a tiny directory with one bad cell gives exactly that issue."""

from __future__ import annotations

import pandas as pd
import pytest

from guidance.contract import Context, Issue, ValidationReport, check_table, validate_dir
from guidance.contract import validate_table as validate_one


def only_error(report: ValidationReport) -> Issue:
    assert report.error_count == 1, report.summary()
    (issue,) = report.errors
    return issue


def test_good_directory_has_no_issue(good_dir):
    report = validate_dir(good_dir)
    assert report.ok and report.error_count == 0 and report.warning_count == 0, report.summary()


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "expected"),
    [
        ("outcomes", 3, "age", "abc", "'abc' is not an integer"),
        ("outcomes", 2, "age", "19.5", "'19.5' is not an integer"),
        ("outcomes", 4, "gpa", "6,5", "'6,5' is not a number"),
        ("outcomes", 6, "completed", "maybe", "'maybe' is not a boolean (true/false/1/0/yes/no)"),
        ("programmes", 1, "tuition_vnd_per_year", "8tr", "'8tr' is not an integer"),
    ],
)
def test_type_errors_name_the_value(spoil, table, row, column, value, expected):
    issue = only_error(validate_dir(spoil(table, row, column, value)))
    assert (issue.table, issue.row, issue.column, issue.rule) == (table, row, column, "type")
    assert issue.value == value
    assert issue.message == f"{table} row {row} (line {row + 1}), column {column}: {expected}"


def test_empty_required_cell(spoil):
    issue = only_error(validate_dir(spoil("programmes", 2, "name_vi", "")))
    assert (issue.table, issue.row, issue.column, issue.rule) == (
        "programmes",
        2,
        "name_vi",
        "required",
    )
    assert "line 3" in issue.message and "empty" in issue.message


def test_empty_optional_cell_is_fine(spoil):
    assert validate_dir(spoil("outcomes", 1, "gpa", "")).ok


def test_missing_required_column(good_dir):
    df = pd.read_csv(good_dir / "demand.csv", dtype=str).drop(columns=["vacancies"])
    df.to_csv(good_dir / "demand.csv", index=False)
    issue = only_error(validate_dir(good_dir))
    assert (issue.table, issue.row, issue.column, issue.rule) == (
        "demand",
        None,
        "vacancies",
        "missing_column",
    )
    assert "required column 'vacancies' is missing" in issue.message


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "detail"),
    [
        ("outcomes", 7, "age", "72", "72 is outside 14–70"),
        ("outcomes", 2, "age", "13", "13 is outside 14–70"),
        ("outcomes", 1, "gpa", "10.5", "10.5 is outside 0–10"),
        ("outcomes", 1, "riasec_r", "1.2", "1.2 is outside 0–1"),
        ("programmes", 3, "duration_months", "49", "49 is outside 1–48"),
        ("demand", 2, "vacancies", "-5", "-5 is below 0"),
        ("occupations", 1, "skill_level", "5", "5 is outside 1–4"),
    ],
)
def test_ranges(spoil, table, row, column, value, detail):
    issue = only_error(validate_dir(spoil(table, row, column, value)))
    assert (issue.table, issue.row, issue.column, issue.rule) == (table, row, column, "range")
    assert issue.message == f"{table} row {row} (line {row + 1}), column {column}: {detail}"


@pytest.mark.parametrize(
    ("table", "row", "column", "value"),
    [
        ("programmes", 3, "level", "dai_hoc"),
        ("programmes", 1, "mode", "evening"),
        ("programmes", 2, "min_education", "10"),
        ("outcomes", 5, "education_level", "11"),
        ("outcomes", 5, "sex", "female"),
        ("outcomes", 1, "employment_type", "salaried"),
        ("provinces", 1, "region", "north"),
    ],
)
def test_enums(spoil, table, row, column, value):
    issue = only_error(validate_dir(spoil(table, row, column, value)))
    assert (issue.table, issue.row, issue.column, issue.rule) == (table, row, column, "enum")
    detail = issue.message.split(": ", 1)[1]
    assert detail.startswith((f"{value!r} is not one of", f"{value} is not one of"))


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "what"),
    [
        ("outcomes", 2, "cohort", "2024-13", "a period YYYY-MM with a real month"),
        ("demand", 1, "period", "06/2025", "a period YYYY-MM with a real month"),
        ("demand", 2, "province_code", "7", "a 2-digit province code"),
        ("demand", 2, "occupation_code", "741", "a 4-digit ISCO-08 code"),
        ("programmes", 1, "field_code", "071", "a 4-digit ISCED-F detailed field code"),
        (
            "programmes",
            1,
            "target_occupations",
            "7212, 5120",
            "';'-separated 4-digit ISCO-08 codes",
        ),
        ("occupations", 2, "riasec", "RXZ", "1–3 Holland letters from RIASEC"),
    ],
)
def test_formats(spoil, table, row, column, value, what):
    issue = only_error(validate_dir(spoil(table, row, column, value)))
    assert (issue.table, issue.row, issue.column, issue.rule) == (table, row, column, "format")
    assert issue.message.endswith(f"{value!r} is not {what}")


def test_duplicate_ids_point_at_the_first(spoil):
    issue = only_error(validate_dir(spoil("outcomes", 9, "record_id", "R02")))
    assert (issue.table, issue.row, issue.column, issue.rule) == (
        "outcomes",
        9,
        "record_id",
        "unique",
    )
    assert "duplicate record_id 'R02', first at row 2" in issue.message


def test_duplicate_demand_key(spoil):
    issue = only_error(validate_dir(spoil("demand", 4, "period", "2025-06")))
    assert (issue.table, issue.row, issue.rule) == ("demand", 4, "unique")
    assert "first at row 1" in issue.message


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "where"),
    [
        ("outcomes", 4, "programme_id", "P9", "programmes"),
        ("programmes", 3, "predecessor_id", "P0", "programmes"),
        ("programmes", 2, "province_code", "92", "provinces"),
        ("outcomes", 1, "job_province_code", "92", "provinces"),
        ("demand", 3, "occupation_code", "2512", "occupations"),
        ("outcomes", 1, "occupation_code", "2512", "occupations"),
        ("programmes", 1, "field_code", "0717", "the ISCED-F detailed fields"),  # 071x ends at 0716
    ],
)
def test_cross_table_orphans(spoil, table, row, column, value, where):
    issue = only_error(validate_dir(spoil(table, row, column, value)))
    assert (issue.table, issue.row, issue.column, issue.rule) == (table, row, column, "reference")
    assert issue.message.endswith(f"{value!r} is not in {where}")


def test_target_occupation_items_are_checked(spoil):
    issue = only_error(validate_dir(spoil("programmes", 2, "target_occupations", "7411;2512")))
    assert (issue.row, issue.column, issue.rule) == (2, "target_occupations", "reference")
    assert issue.value == ["2512"] and "2512 not in occupations" in issue.message


@pytest.mark.parametrize(
    ("row", "column", "value", "text"),
    [
        (1, "employment_type", "none", "employment_type is 'none' but employed_12m is true"),
        (2, "employment_type", "formal", "employment_type is 'formal' but employed_12m is false"),
        (2, "monthly_wage_vnd", "5000000", "must be empty"),
        (
            6,
            "job_matches_training",
            "true",
            "job_matches_training is true but employed_12m is false",
        ),
    ],
)
def test_outcome_consistency(spoil, row, column, value, text):
    issue = only_error(validate_dir(spoil("outcomes", row, column, value)))
    assert (issue.table, issue.row, issue.column, issue.rule) == (
        "outcomes",
        row,
        column,
        "consistency",
    )
    assert text in issue.message


def test_old_province_codes_are_mapped_with_one_warning_per_column(tables, make_dir):
    tables["outcomes"].loc[[3, 4], "home_province_code"] = ["77", "74"]  # BR-VT, Bình Dương
    tables["outcomes"].loc[0, "home_province_code"] = "Quảng Nam"
    report = validate_dir(make_dir(tables))
    assert report.ok, report.summary()
    (warning,) = report.warnings
    assert (warning.table, warning.column, warning.rule) == (
        "outcomes",
        "home_province_code",
        "old_province",
    )
    assert warning.message.startswith(
        "outcomes, column home_province_code: 3 rows used pre-2025 province codes"
    )
    assert report.warning_count == 3


def test_unknown_province_is_not_silently_mapped(spoil):
    issue = only_error(validate_dir(spoil("demand", 1, "province_code", "02")))  # Hà Giang → 08
    assert issue.rule == "reference" and issue.value == "08"


def test_unknown_columns_warn_by_name(spoil):
    report = validate_dir(spoil("outcomes", 1, "favourite_colour", "blue"))
    assert report.ok
    (warning,) = report.warnings
    assert (warning.table, warning.rule, warning.severity) == (
        "outcomes",
        "unknown_column",
        "warning",
    )
    assert "favourite_colour" in warning.message


def test_both_csv_and_parquet_is_an_error(good_dir):
    pd.read_csv(good_dir / "demand.csv", dtype=str).to_parquet(good_dir / "demand.parquet")
    issue = only_error(validate_dir(good_dir))
    assert (issue.table, issue.rule) == ("demand", "duplicate_file")


def test_boolean_spellings(tables):
    tables["outcomes"]["completed"] = [
        "TRUE",
        "Yes",
        "no",
        "1",
        "0",
        "False",
        "true",
        "YES",
        "No",
        "1",
    ]
    report = ValidationReport()
    typed = check_table("outcomes", tables["outcomes"], context=None, report=report)
    assert report.ok, report.summary()
    assert typed["completed"].tolist() == [
        True,
        True,
        False,
        True,
        False,
        False,
        True,
        True,
        False,
        True,
    ]


def test_counts_stay_exact_when_examples_are_capped(tables):
    df = tables["outcomes"]
    big = pd.concat([df] * 30, ignore_index=True)
    big["record_id"] = [f"R{i}" for i in range(len(big))]
    big["age"] = "99"
    report = ValidationReport(max_examples=5)
    check_table("outcomes", big, context=None, report=report)
    assert report.error_count == 300
    assert len(report.errors) == 5
    assert "300" in report.summary()


def test_validate_table_uses_the_context(tables):
    demand = tables["demand"]
    ctx = Context(province_codes=frozenset({"01"}), occupation_codes=frozenset({"7212"}))
    report = validate_one("demand", demand, context=ctx, source="demand.csv")
    assert {(i.row, i.column) for i in report.errors} == {
        (2, "province_code"),
        (2, "occupation_code"),
        (3, "province_code"),
        (3, "occupation_code"),
    }
    assert "row 2 (line 3)" in report.errors[0].message
    assert validate_one("demand", demand).ok  # no context: no membership checks


def test_to_records_is_plain(tables):
    demand = tables["demand"]
    demand.loc[0, "vacancies"] = "-1"
    records = validate_one("demand", demand).to_records()
    assert records == [
        {
            "table": "demand",
            "row": 1,
            "column": "vacancies",
            "rule": "range",
            "message": "demand row 1, column vacancies: -1 is below 0",
            "value": -1,
            "severity": "error",
        }
    ]
    assert type(records[0]["value"]) is int


@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_non_finite_numbers_are_type_errors(spoil, value):
    issue = only_error(validate_dir(spoil("outcomes", 4, "gpa", value)))
    assert (issue.row, issue.column, issue.rule, issue.value) == (4, "gpa", "type", value)


def test_repeated_header_is_reported(good_dir):
    path = good_dir / "demand.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",source"
    lines[1:] = [line + ",x" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_dir(good_dir)
    # issue 14: a repeated header is an error (no longer the repeat silently dropped as an
    # unknown column "source.1")
    assert not report.ok
    assert [(e.table, e.column, e.rule) for e in report.errors] == [
        ("demand", "source", "duplicate_column")
    ]
    assert report.warnings == []

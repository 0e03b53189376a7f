"""Issue 14: the contract holds the database's bounds, parses integers exactly, and refuses
header mistakes (a repeated column, a one-edit misspelling of a known column)."""

from __future__ import annotations

import pandas as pd
import pytest

from guidance.contract import validate_table
from guidance.contract.coerce import coerce_table
from guidance.contract.report import ValidationReport
from guidance.contract.schema import INT32_MAX, MONEY_MAX, TABLES


def _demand(**cols) -> pd.DataFrame:
    base = {
        "period": "2031-01",
        "province_code": "01",
        "occupation_code": "7411",
        "vacancies": "5",
        "job_seekers": "",
        "median_wage_vnd": "",
        "source": "x",
    }
    base.update(cols)
    return pd.DataFrame({k: [v] for k, v in base.items()})


def _errors(df: pd.DataFrame) -> list[tuple]:
    return [(i.row, i.column, i.rule) for i in validate_table("demand", df).errors]


@pytest.mark.parametrize("value", [str(2**63), str(2**64 + 7), "-" + str(2**63 + 1), "9" * 40])
def test_integer_beyond_64_bits_is_a_range_error_not_an_exception(value):
    report = validate_table("demand", _demand(vacancies=value))
    assert [(i.row, i.column, i.rule) for i in report.errors] == [(1, "vacancies", "range")]
    assert str(int(value))[:10] in report.errors[0].message.replace(",", "")


def test_three_billion_vacancies_is_above_the_int32_the_database_holds():
    report = validate_table("demand", _demand(vacancies="3000000000"))
    (issue,) = report.errors
    assert (issue.row, issue.column, issue.rule) == (1, "vacancies", "range")
    assert "2,147,483,647" in issue.message
    assert _errors(_demand(vacancies=str(INT32_MAX))) == []


def test_money_has_a_plausibility_cap():
    assert _errors(_demand(median_wage_vnd=str(MONEY_MAX))) == []
    assert _errors(_demand(median_wage_vnd=str(MONEY_MAX + 1))) == [(1, "median_wage_vnd", "range")]


def test_integers_are_parsed_exactly_without_float64():
    # 2^53 + 1 is the first integer float64 cannot hold; it must survive coercion exactly
    big = 2**53 + 1
    report = ValidationReport()
    typed = coerce_table(TABLES["demand"], _demand(vacancies=str(big)), report)
    assert int(typed["vacancies"].iat[0]) == big
    # mixed column (the non-Arrow path) is exact too
    df = pd.DataFrame(
        {
            **{k: v * 2 for k, v in _demand().to_dict("list").items()},
            "vacancies": [str(big), "12.0"],
        }
    )
    typed = coerce_table(TABLES["demand"], df, ValidationReport())
    assert [int(v) for v in typed["vacancies"]] == [big, 12]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("12.0", True),
        ("+7", True),
        ("12.5", False),
        ("1e3", False),
        ("١٢", False),
        ("1_000", False),
    ],
)
def test_integer_text_rules(value, ok):
    errors = _errors(_demand(vacancies=value))
    assert errors == ([] if ok else [(1, "vacancies", "type")])


def test_string_lengths_are_the_database_columns():
    assert _errors(_demand(source="s" * 200)) == []
    report = validate_table("demand", _demand(source="s" * 201))
    (issue,) = report.errors
    assert (issue.row, issue.column, issue.rule) == (1, "source", "max_length")
    assert "201 characters" in issue.message


def test_every_int_column_of_every_table_is_bounded():
    for table in TABLES.values():
        for col in table.columns:
            if col.kind == "int" and not col.choices:
                assert col.min is not None and col.max is not None, (table.name, col.name)
                assert col.max <= MONEY_MAX


def test_formula_like_source_is_neutralised_with_a_warning():
    raw = "=cmd|' /C calc'!A0"
    report = ValidationReport()
    typed = coerce_table(TABLES["demand"], _demand(source=raw), report)
    assert typed["source"].iat[0] == "'" + raw
    (w,) = report.warnings
    assert (w.row, w.column, w.rule) == (1, "source", "neutralised")
    assert report.ok


def test_duplicate_header_is_an_error():
    df = pd.DataFrame(
        [["2031-01", "01", "7411", "5", "6"]],
        columns=["period", "province_code", "occupation_code", "vacancies", "vacancies"],
    )
    assert "duplicate_column" in [i.rule for i in validate_table("demand", df).errors]


def test_duplicate_header_in_a_csv_file_is_an_error(tmp_path):
    from guidance.contract.coerce import read_table

    p = tmp_path / "demand.csv"
    p.write_text(
        "period,province_code,occupation_code,vacancies,source,source\n2031-01,01,7411,5,a,b\n",
        encoding="utf-8",
    )
    errors = validate_table("demand", read_table(p)).errors
    assert [(e.column, e.rule) for e in errors] == [("source", "duplicate_column")]


def test_misspelt_optional_column_is_an_error_naming_the_intended_one():
    df = _demand().rename(columns={"job_seekers": "job_seeker"})
    report = validate_table("demand", df)
    (issue,) = report.errors
    assert (issue.column, issue.rule, issue.value) == (
        "job_seeker",
        "misspelt_column",
        "job_seekers",
    )
    assert "did you mean 'job_seekers'" in issue.message


def test_long_name_two_edits_off_is_misspelt():
    df = _demand().rename(columns={"median_wage_vnd": "median_wag_vn"})
    assert [(i.column, i.rule) for i in validate_table("demand", df).errors] == [
        ("median_wag_vn", "misspelt_column")
    ]


def test_unrelated_unknown_column_is_a_warning_and_kept_in_the_report():
    df = _demand().assign(ghi_chu="note")
    report = validate_table("demand", df)
    assert report.ok
    (w,) = report.warnings
    assert (w.rule, w.value) == ("unknown_column", ["ghi_chu"])

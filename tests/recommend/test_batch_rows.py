"""The one learner-row parser (``recommend.learner_rows``): every error with its spreadsheet
row, column and rule in both languages; codes Excel shortened; the capped error list; the
template the web page offers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guidance.recommend.learner_rows import (
    MAX_ERRORS,
    TEMPLATE_COLUMNS,
    ErrorList,
    RowError,
    number,
    parse_csv_text,
    parse_row,
    template_csv,
)

PROVINCES = frozenset({"01", "08", "79"})
HEAD = "learner_id,age,home_province_code,education_level"


def test_template_parses_and_the_page_offers_the_same_one():
    parsed = parse_csv_text(template_csv(), provinces=PROVINCES)
    assert not parsed.errors and len(parsed.learners) == 1
    row, profile, prefs = parsed.learners[0]
    assert row == 2 and profile.home_province_code == "01"
    assert prefs.levels == ["trung_cap", "cao_dang"] and prefs.max_duration_months == 24
    for c in ("levels", "provinces", "max_tuition_vnd_per_year", "willing_to_relocate"):
        assert c in TEMPLATE_COLUMNS
    js = (Path(__file__).resolve().parents[2] / "src/guidance/web/static/counsellor.js").read_text(
        encoding="utf-8"
    )
    block = js[js.index("const TEMPLATE =") : js.index('";\n', js.index("const TEMPLATE =")) + 1]
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)).replace("\\n", "\n")
    assert text == template_csv()


def test_every_error_at_once_with_row_column_and_rule():
    text = (
        f"{HEAD},gpa,levels,willing_to_relocate,start_period\n"
        "a,abc,1,11,12,so_cap;bogus,maybe,2027-13\n"
        "b,17,99,12,7,,,\n"
        "c,17.5,,12,,,,\n"
        "d,200,79,12,7,,TRUE,2027-09\n"
    )
    parsed = parse_csv_text(text, provinces=PROVINCES)
    got = [(e.row, e.column, e.rule) for e in parsed.errors.kept]
    assert got == [
        (2, "age", "whole_number"),
        (2, "education_level", "education_level"),
        (2, "gpa", "range"),
        (2, "levels", "one_of"),
        (2, "willing_to_relocate", "true_false"),
        (2, "start_period", "year_month"),
        (3, "home_province_code", "known_province"),
        (4, "age", "whole_number"),
        (4, "home_province_code", "required"),
        (5, "age", "range"),
    ]
    lines = parsed.errors.lines("vi")
    assert lines[0] == "dòng 2, cột age: phải là số nguyên (đang là 'abc')"
    assert lines[2] == "dòng 2, cột gpa: phải từ 0 đến 10 (đang là '12')"
    assert lines[3].startswith("dòng 2, cột levels: mục thứ 2: phải là một trong: so_cap")
    assert "'99' không có trong danh mục" in lines[6]
    en = parsed.errors.lines("en")
    assert en[0] == "row 2, column age: must be a whole number (got 'abc')"
    assert en[9] == "row 5, column age: must be from 14 to 70 (got '200')"
    for e in parsed.errors.kept:  # no pydantic wording, no links
        assert "Input should" not in e.message_en + e.message_vi and "http" not in e.message_en


def test_a_too_long_province_code_in_a_list_is_said_of_its_characters():
    text = f"{HEAD},provinces\na,17,01,12,01;{'7' * 20}\n"
    parsed = parse_csv_text(text, provinces=PROVINCES)
    (err,) = parsed.errors.kept
    assert (err.row, err.column, err.rule) == (2, "provinces", "length")
    assert err.message_vi == f"mục thứ 2: độ dài từ 1 đến 16 ký tự (đang là '{'7' * 20}')"
    assert err.message_en.startswith("entry 2: must be 1 to 16 characters long")


def test_excel_short_codes_are_padded_and_ids_kept_as_written():
    text = f"{HEAD},provinces,field_codes,start_period\n\tX,17,1,12,8;79,610,2027-09-01 00:00:00\n"
    parsed = parse_csv_text(text, provinces=PROVINCES)
    assert not parsed.errors
    _, profile, prefs = parsed.learners[0]
    assert profile.learner_id == "\tX" and profile.home_province_code == "01"
    assert prefs.provinces == ["08", "79"] and prefs.field_codes == ["0610"]
    assert prefs.start_period == "2027-09"  # a spreadsheet's date of the month
    typed = parse_row(
        {"age": 17.0, "home_province_code": 1, "education_level": 12.0, "learner_id": 7.0},
        9,
        provinces=PROVINCES,
    )
    assert not isinstance(typed, list)
    assert (typed[0].home_province_code, typed[0].learner_id) == ("01", "7")


def test_header_problems_are_said_once_in_row_1():
    parsed = parse_csv_text("learner_id,age,nickname\nx,17,y\nz,18,w\n")
    got = [(e.row, e.column, e.rule) for e in parsed.errors.kept]
    assert got == [
        (1, "nickname", "known_column"),
        (1, "home_province_code", "required_column"),
        (1, "education_level", "required_column"),
    ]
    lax = parse_csv_text(
        "learner_id,age,home_province_code,education_level,x\na,17,01,12,y\n", strict=False
    )
    assert not lax.errors and len(lax.learners) == 1


@pytest.mark.parametrize(
    ("text", "rule"),
    [("", "csv_empty"), ("\n", "csv_empty"), (f"{HEAD}\n", "no_learners")],
)
def test_empty_files(text, rule):
    assert [e.rule for e in parse_csv_text(text).errors.kept] == [rule]


def test_too_many_rows_and_cells():
    rows = "".join(f"l{i},17,01,12\n" for i in range(6))
    parsed = parse_csv_text(f"{HEAD}\n{rows}", max_rows=5)
    assert [e.rule for e in parsed.errors.kept] == ["max_rows"]
    assert "tối đa 5" in parsed.errors.kept[0].message_vi
    parsed = parse_csv_text(f"{HEAD}\na,17,01,12,extra\n")
    assert [(e.row, e.rule) for e in parsed.errors.kept] == [(2, "cells")]


def test_the_error_list_is_capped_and_counts_the_rest():
    rows = "".join(f"l{i},x,01,12\n" for i in range(MAX_ERRORS + 1234))
    parsed = parse_csv_text(f"{HEAD}\n{rows}")
    assert len(parsed.errors.kept) == MAX_ERRORS and parsed.errors.total == MAX_ERRORS + 1234
    assert parsed.errors.lines("vi")[-1] == "… và 1.234 lỗi khác"
    assert parsed.errors.lines("en")[-1] == "… and 1,234 more errors"
    small = ErrorList(cap=1)
    small.add([RowError(2, "age", "r", "vi", "en")] * 3)
    assert small.lines("en") == ["row 2, column age: en", "… and 2 more errors"]


def test_vietnamese_numbers():
    assert number(10_000_000_000, "vi") == "10.000.000.000"
    assert number(1234.5, "vi") == "1.234,5" and number(1234.5, "en") == "1,234.5"


def test_any_text_gives_learners_or_errors_never_an_exception():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    cells = st.one_of(
        st.sampled_from(["", "1", "01", "17", "12", "x", "true", "nan", "1e400", "-0", ";", '"']),
        st.text(max_size=8),
    )
    columns = st.lists(
        st.sampled_from([*TEMPLATE_COLUMNS, "sex", "ethnic_minority", "other"]), max_size=8
    )

    @settings(max_examples=300, deadline=None)
    @given(columns, st.lists(st.lists(cells, max_size=9), max_size=4), st.text(max_size=40))
    def check(header, rows, noise):
        text = ",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows) + noise
        parsed = parse_csv_text(text, provinces=PROVINCES, max_rows=3)
        assert parsed.learners or parsed.errors
        for e in parsed.errors.kept:
            assert e.message_vi and e.message_en and e.rule

    check()

"""Reading and validating what clerks send (pure core: no database)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from guidance.tracer.read import TracerFileError, read_bytes
from guidance.tracer.validate import validate

SECRET = b"test-secret"
OFFERINGS = {"P001": "I1", "P002": "I2"}
HEAD = "learner_ref,programme_id,survey_status,employed,employment_type,monthly_wage_vnd,home_province_code"


def _csv(*lines: str, head: str = HEAD) -> bytes:
    return ("\n".join([head, *lines]) + "\n").encode("utf-8")


def _run(data: bytes, filename: str = "f.csv"):
    return validate(
        read_bytes(data, SECRET, filename),
        "I1",
        "2025-06",
        "12m",
        OFFERINGS,
        today=date(2026, 12, 1),
    )


def test_valid_csv_with_bom_and_semicolons():
    data = "\ufeff" + HEAD.replace(",", ";") + "\nS1;P001;responded;yes;formal;7.500.000;1\n"
    res = _run(data.encode())
    assert res.ok, res.summary()
    rec = res.records[0]
    assert rec["monthly_wage_vnd"] == 7_500_000 and rec["home_province_code"] == "01"
    assert rec["learner_ref"] != "S1" and len(rec["learner_ref"]) == 64
    rules = {w.rule for w in res.warnings}
    assert {"thousands", "leading_zero"} <= rules


def test_every_error_at_once_with_spreadsheet_rows():
    res = _run(
        _csv(
            "S1,P001,responded,yes,formal,abc,01",  # row 2: type
            "S2,P002,responded,yes,formal,100,01",  # row 3: other institution
            "S3,P001,no_response,,formal,,01",  # row 4: outcome on no_response
            "S1,P001,responded,no,none,,01",  # row 5: duplicate graduate
            "S5,P001,responded,no,formal,,01",  # row 6: consistency
            "S6,P001,maybe,,,,01",
        )
    )  # row 7: enum
    got = {(e.row, e.column, e.rule) for e in res.errors}
    assert got == {
        (2, "monthly_wage_vnd", "type"),
        (3, "programme_id", "offering"),
        (4, "employment_type", "no_response_outcome"),
        (5, "learner_ref", "duplicate"),
        (6, "employment_type", "consistency"),
        (7, "survey_status", "enum"),
    }
    assert all(e.vi and e.en for e in res.errors)
    assert not any("S1" in e.en or "S1" in e.vi for e in res.errors)


def test_future_cohort_and_bad_wave():
    res = validate(
        read_bytes(_csv("S1,P001,responded,yes,formal,1,01"), SECRET),
        "I1",
        "2027-01",
        "9m",
        OFFERINGS,
        today=date(2026, 12, 1),
    )
    assert {e.rule for e in res.errors} == {"future_cohort", "enum"}


def test_formula_refused_and_ambiguous_isco():
    res = _run(_csv("S1,P001,responded,yes,=1+1,1,01"))
    assert [(e.row, e.column, e.rule) for e in res.errors] == [(2, "employment_type", "formula")]


def test_error_list_is_capped_but_counted():
    lines = [f"S{i},P001,responded,yes,formal,bad,01" for i in range(1500)]
    res = _run(_csv(*lines))
    assert res.n_errors == 1500 and len(res.errors) == 1000


@pytest.mark.parametrize(
    "data, words",
    [
        ("learner_ref,x\n".encode("utf-16"), "UTF-16"),
        ("learner_ref,programme_id\nHà Bà,P1\n".encode("cp1258"), "Windows-1258"),
        (b"\x00\x01\x02binary", "binary"),
        (b"", "empty"),
        (b"foo,bar\n1,2\n", "required column"),
        (_csv("S1,P001,responded,yes,formal,1,01", head=HEAD + ",programme_id"), "twice"),
        (
            _csv("S1,P001,responded,yes,formal,1,01,x", head=HEAD + ",job_provnce_code"),
            "did you mean 'job_province_code'",
        ),
        (b"x" * (41 << 20), "limit"),
    ],
)
def test_bad_files_named(data, words):
    with pytest.raises(TracerFileError) as exc:
        read_bytes(data, SECRET)
    assert words in str(exc.value) and exc.value.vi


def test_header_only_ragged_and_int64():
    assert _run(_csv()).records == []
    res = _run(_csv("S1,P001,responded", f"S2,P001,responded,yes,formal,{2**70},01"))
    got = {(e.row, e.column, e.rule) for e in res.errors}
    assert got == {(2, None, "ragged"), (3, "monthly_wage_vnd", "range")}


def test_embedded_newline_keeps_row_numbers():
    data = _csv(
        "S1,P001,responded,yes,formal,1,01",
        'S2,"P0\n01",responded,yes,formal,1,01',
        "S3,P001,responded,yes,formal,x,01",
    )
    res = _run(data)
    assert {(e.row, e.column) for e in res.errors} == {(3, "programme_id"), (4, "monthly_wage_vnd")}


def test_xlsx_vietnamese_headings_serial_dates_and_formulas():
    import openpyxl

    from guidance.tracer.schema import VI

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            VI["learner_ref"],
            VI["programme_id"],
            VI["survey_status"],
            VI["survey_date"],
            VI["employed"],
            VI["home_province_code"],
            "ghi chú",
        ]
    )
    ws.append([123456789012, "P001", "responded", 46000, "có", 1, "x"])
    ws.append(["S2", "P001", "responded", "2026-01-05", "=A1", 79, None])
    buf = io.BytesIO()
    wb.save(buf)
    res = _run(buf.getvalue(), "f.xlsx")
    assert [(e.row, e.column, e.rule) for e in res.errors] == [(3, "employed", "formula")]
    assert res.records[0]["survey_date"] == "2025-12-09"
    assert res.records[0]["home_province_code"] == "01"
    assert {"serial_date", "leading_zero", "header"} <= {w.rule for w in res.warnings}


def test_json_records_and_aggregates():
    import json

    body = json.dumps(
        [
            {
                "programme_id": "P001",
                "graduates": 10,
                "surveyed": 8,
                "respondents": 9,
                "employed_formal": 5,
                "employed_informal": 3,
                "self_employed": 2,
                "wage_p25": 5,
                "wage_median": 4,
            }
        ]
    ).encode()
    res = _run(body, "f.json")
    assert res.kind == "aggregates"
    assert {(e.column, e.rule) for e in res.errors} == {
        ("respondents", "counts"),
        ("employed_formal", "counts"),
        ("wage_median", "counts"),
    }

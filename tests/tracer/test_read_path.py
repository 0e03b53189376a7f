"""The streamed CSV reader (``read_path``, what ``guidance tracer submit`` uses) gives what
the in-memory reader gives: same records, errors (row, column, rule) and warnings."""

from __future__ import annotations

from datetime import date

import pytest

from guidance.tracer.read import TracerFileError, read_bytes, read_path
from guidance.tracer.validate import validate

SECRET = b"test-secret"
OFFERINGS = {"P001": "I1", "P002": "I2"}
HEAD = "learner_ref,programme_id,survey_status,employed,employment_type,monthly_wage_vnd"


def _both(tmp_path, data: bytes, **kw):
    f = tmp_path / "f.csv"
    f.write_bytes(data)
    args = ("I1", "2025-06", "12m", OFFERINGS, date(2026, 12, 1))
    return (
        validate(read_bytes(data, SECRET, "f.csv", **kw), *args),
        validate(read_path(f, SECRET, **kw), *args),
    )


def _same(a, b) -> None:
    assert a.records == b.records
    assert [e.as_dict() for e in a.errors] == [e.as_dict() for e in b.errors]
    assert a.n_errors == b.n_errors
    assert [w.as_dict() for w in a.warnings] == [w.as_dict() for w in b.warnings]


def test_streamed_equals_in_memory_on_a_messy_file(tmp_path):
    lines = [HEAD.replace(",", ";")]
    for i in range(300):
        wage = "abc" if i % 50 == 0 else ("7.500.000" if i % 7 == 0 else str(5_000_000 + i))
        prog = "P002" if i % 97 == 0 else "P001"
        lines.append(f"S{i % 290};{prog};responded;yes;formal ;{wage}")
    lines[40] = 'S900;P001;responded;"ye\ns";formal;1'  # embedded newline: one row
    lines[60] = "S901;P001;responded"  # ragged
    lines.insert(80, ";;;;;")  # empty row: skipped, still counted in row numbers
    data = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()
    a, b = _both(tmp_path, data)
    assert a.n_errors > 10 and {e.rule for e in a.errors} >= {
        "type",
        "offering",
        "duplicate",
        "ragged",
    }
    _same(a, b)


def test_streamed_valid_file(tmp_path):
    data = (
        HEAD
        + "\n"
        + "".join(f"S{i},P001,responded,yes,formal,{6_000_000 + i}\n" for i in range(500))
    ).encode()
    a, b = _both(tmp_path, data)
    assert a.ok and len(b.records) == 500
    _same(a, b)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            (HEAD + "\nS1,P001,responded,yes,formal,1\n").encode() * 1
            + "S2,P001,x\xe9\n".encode("cp1258"),
            "byte",
        ),
        ("learner_ref\n".encode("utf-16"), "UTF-16"),
        ((HEAD + "\n" + "S1,P001,responded,yes,formal,1\n" * 4).encode(), "limit is 3"),
        ("\ufeff\n\n".encode(), "empty"),
        (b"\xef\xbb\xbf", "empty"),
    ],
)
def test_streamed_file_errors(tmp_path, data, words):
    f = tmp_path / "f.csv"
    f.write_bytes(data)
    with pytest.raises(TracerFileError, match=words):
        sheet = read_path(f, SECRET, max_rows=3)
        validate(sheet, "I1", "2025-06", "12m", OFFERINGS, date(2026, 12, 1))

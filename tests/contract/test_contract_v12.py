"""Contract v1.2: optional institution contact columns in ``programmes``.

A directory with them validates and loads them (NFC address); without them (v1, v1.1) it
is unchanged; a bad phone or web address is a ``format`` error naming row and column."""

from __future__ import annotations

import unicodedata

import pytest
from tests.contract.conftest import good_tables, write_dir

from guidance.contract import load_dir, validate_dir

CONTACT = ("institution_address", "institution_phone", "institution_website")


def _with_contact(tmp_path):  # noqa: ANN001, ANN202
    tables = good_tables()
    prog = tables["programmes"]
    prog["institution_address"] = ""
    prog["institution_phone"] = ""
    prog["institution_website"] = ""
    # a decomposed "ố" (o + circumflex + acute) must come back composed
    prog.loc[0, "institution_address"] = unicodedata.normalize("NFD", "Số 1, phố Nhổn, Hà Nội")
    prog.loc[0, "institution_phone"] = "+84 24 3765 1234"
    prog.loc[0, "institution_website"] = "https://example.edu.vn/tuyen-sinh"
    prog.loc[1, "institution_phone"] = "(024) 3765-1234"
    return tables


def test_contact_columns_validate_and_load(tmp_path):
    d = write_dir(tmp_path / "v12", _with_contact(tmp_path))
    report = validate_dir(d)
    assert report.ok and report.warning_count == 0, report.summary()
    prog = load_dir(d)["programmes"]
    assert prog.loc[0, "institution_address"] == "Số 1, phố Nhổn, Hà Nội"
    assert unicodedata.is_normalized("NFC", prog.loc[0, "institution_address"])
    assert prog.loc[0, "institution_phone"] == "+84 24 3765 1234"
    assert prog["institution_website"].isna().tolist() == [False, True, True]


def test_a_v11_directory_is_unchanged(tmp_path):
    d = write_dir(tmp_path / "v11", good_tables())
    assert validate_dir(d).ok
    prog = load_dir(d)["programmes"]  # optional columns load as empty, as every optional one
    assert all(prog[c].isna().all() for c in CONTACT)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("institution_phone", "=HYPERLINK(1)"),
        ("institution_phone", "gọi 0912"),
        ("institution_website", "javascript:alert(1)"),
        ("institution_website", "www.example.vn"),
    ],
)
def test_bad_contact_is_a_format_error_naming_row_and_column(tmp_path, column, value):
    tables = _with_contact(tmp_path)
    tables["programmes"].loc[2, column] = value
    report = validate_dir(write_dir(tmp_path / "bad", tables))
    assert report.error_count == 1, report.summary()
    (issue,) = report.errors
    assert (issue.table, issue.row, issue.column, issue.rule) == ("programmes", 3, column, "format")
    assert "line 4" in issue.message


def test_address_too_long_is_a_max_length_error(tmp_path):
    tables = _with_contact(tmp_path)
    tables["programmes"].loc[0, "institution_address"] = "x" * 301
    (issue,) = validate_dir(write_dir(tmp_path / "long", tables)).errors
    assert (issue.column, issue.rule) == ("institution_address", "max_length")

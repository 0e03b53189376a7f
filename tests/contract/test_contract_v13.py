"""Contract v1.3: optional admission ages ``min_age`` / ``max_age`` in ``programmes``.

A directory with them validates and loads them as integers; without them (v1–v1.2) it is
unchanged; a value outside 14–70 is a ``range`` error and ``min_age`` above ``max_age`` an
``age_order`` error, each naming row and column."""

from __future__ import annotations

import pytest
from tests.contract.conftest import good_tables, write_dir

from guidance.contract import load_dir, validate_dir


def _with_ages() -> dict:
    tables = good_tables()
    prog = tables["programmes"]
    prog["min_age"] = ["18", "", "15"]
    prog["max_age"] = ["", "", "15"]
    return tables


def test_age_columns_validate_and_load(tmp_path):
    d = write_dir(tmp_path / "v13", _with_ages())
    report = validate_dir(d)
    assert report.ok and report.warning_count == 0, report.summary()
    prog = load_dir(d)["programmes"]
    assert prog["min_age"].tolist()[0] == 18 and prog["min_age"].isna().tolist() == [
        False,
        True,
        False,
    ]
    assert str(prog["max_age"].dtype) == "Int64" and prog.loc[2, "max_age"] == 15


def test_a_v12_directory_loads_without_ages(tmp_path):
    d = write_dir(tmp_path / "v12", good_tables())
    assert validate_dir(d).ok
    prog = load_dir(d)["programmes"]
    assert prog["min_age"].isna().all() and prog["max_age"].isna().all()


@pytest.mark.parametrize(("column", "value"), [("min_age", "13"), ("max_age", "71")])
def test_age_outside_14_70_is_a_range_error(tmp_path, column, value):
    tables = _with_ages()
    tables["programmes"].loc[1, column] = value
    report = validate_dir(write_dir(tmp_path / "bad", tables))
    (issue,) = report.errors
    assert (issue.table, issue.row, issue.column, issue.rule) == ("programmes", 2, column, "range")
    assert "14–70" in issue.message and "line 3" in issue.message


def test_min_age_above_max_age_is_an_age_order_error(tmp_path):
    tables = _with_ages()
    tables["programmes"].loc[0, "max_age"] = "17"  # min_age 18
    report = validate_dir(write_dir(tmp_path / "order", tables))
    (issue,) = report.errors
    assert (issue.row, issue.column, issue.rule) == (1, "min_age", "age_order")
    assert "min_age 18 is above max_age 17" in issue.message

"""Formula-like cells are neutralised; everything else passes unchanged."""

from __future__ import annotations

import pytest

from guidance.csvsafe import is_formula_like, safe_cell, safe_row


@pytest.mark.parametrize(
    "raw", ["=1+1", "+33", "-2", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"]
)
def test_formula_like_strings_get_an_apostrophe(raw):
    assert is_formula_like(raw)
    assert safe_cell(raw) == "'" + raw


@pytest.mark.parametrize("value", ["Hà Nội", "a=b", "", None, -5, 3.5, True, "'=x"])
def test_other_values_are_unchanged(value):
    assert safe_cell(value) == value


def test_safe_row():
    assert safe_row(["=x", "y", 1]) == ["'=x", "y", 1]

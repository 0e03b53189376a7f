"""Cells that a spreadsheet would execute, neutralised wherever the service writes a file.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, LibreOffice and Google Sheets as a formula (OWASP, "CSV Injection"). Every CSV or
XLSX cell the service produces goes through :func:`safe_cell`, which prefixes such a cell
with an apostrophe, so it shows as the text it is. Numbers are left alone (``-5`` as an
int stays a number); only strings are changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """True for a string a spreadsheet would treat as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """``value`` unchanged unless it is a formula-like string; then ``"'" + value``."""
    if is_formula_like(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]

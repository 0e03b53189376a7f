"""Validating one table: coerce, map old provinces, pandera rules, cross-table rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.contract.coerce import coerce_table
from guidance.contract.cross import Context, cross_checks, map_old_provinces
from guidance.contract.report import TableInfo, ValidationReport
from guidance.contract.schema import (
    TABLES,
    Col,
    Table,
    check_rules,
    pandera_schema,
    range_detail,
)


def validate_table(
    name: str, df: pd.DataFrame, *, context: Context | None = None, source: str | None = None
) -> ValidationReport:
    """Validate one table (e.g. an uploaded demand snapshot).

    ``context`` carries the known province / occupation / programme codes for the
    cross-table checks; without it only per-table rules (plus the ISCED-F field
    list and the table's own references) are checked. ``source`` is the file
    name, so that CSV messages can give the file line.
    """
    report = ValidationReport()
    report.tables[name] = TableInfo(len(df), source or "frame")
    check_table(name, df, context=context, report=report)
    return report


def check_table(
    name: str,
    raw: pd.DataFrame,
    *,
    context: Context | None,
    report: ValidationReport,
    header: bool = True,
) -> pd.DataFrame:
    """Typed frame of table ``name``; every problem found goes to ``report``
    (``header=False``: a later chunk of a file, whose header was checked already)."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; contract tables: {', '.join(TABLES)}")
    table = TABLES[name]
    df = coerce_table(table, raw, report, header=header)
    df = map_old_provinces(name, df, context, report)
    run_pandera(table, df, report)
    cross_checks(name, df, context, report)
    return df


def run_pandera(table: Table, df: pd.DataFrame, report: ValidationReport) -> None:
    """Per-column rules through pandera (lazy: every failure collected)."""
    # lazy: pandera is heavy to import (the API and CLI load this module at startup)
    import pandera.pandas as pa

    try:
        pandera_schema(table).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        _report_failures(table, df, exc.failure_cases, report)


def _report_failures(
    table: Table, df: pd.DataFrame, fc: pd.DataFrame, report: ValidationReport
) -> None:
    name = table.name

    def text(series: pd.Series) -> pd.Series:
        obj = series.astype(object)
        return obj.where(obj.notna(), "").map(str)

    key = text(fc["column"]) + "\x1f" + text(fc["check"]) + "\x1f" + text(fc["check_number"])
    seen_multi = False
    for k, positions in key.groupby(key, sort=False).indices.items():
        sub = fc.iloc[positions]
        col_name, check, number = k.split("\x1f")
        if check == "multiple_fields_uniqueness":
            if not seen_multi:
                _report_duplicates(table, df, list(table.unique_together), sub, report)
            seen_multi = True
            continue
        column = col_name or None
        if check == "column_in_dataframe":
            for missing in sub["failure_case"]:
                report.add(
                    name, str(missing), "missing_column", f"required column {missing!r} is missing"
                )
            continue
        col = table.by_name.get(column) if column else None
        idx = pd.to_numeric(sub["index"], errors="coerce").dropna().astype("int64").to_numpy()
        if col is None or len(idx) == 0:
            for _, r in sub.head(report.max_examples).iterrows():
                report.add(
                    name,
                    column,
                    "schema",
                    f"{check}: {r['failure_case']!r}",
                    value=r["failure_case"],
                )
            continue
        if check == "field_uniqueness":
            _report_duplicates(table, df, [col.name], sub, report)
            continue
        if check == "not_nullable":
            rule, detail = "required", _required_detail
            idx = np.setdiff1d(idx, report.type_failed.get((name, col.name), []))
            if len(idx) == 0:
                continue
        elif check.startswith("dtype("):
            rule, detail = "type", _dtype_detail(col, df)
        else:
            rules = check_rules(col)
            number = int(float(number or -1))
            rule = rules[number] if 0 <= number < len(rules) else "schema"
            detail = _detail(col, rule)
        idx = np.sort(idx)
        shown = idx[: report.max_examples]
        report.add_cells(
            name, col.name, rule, shown + 1, df[col.name].iloc[shown].tolist(), detail, n=len(idx)
        )


def _required_detail(value: object) -> str:
    return "empty, but the column is required"


def _dtype_detail(col: Col, df: pd.DataFrame):
    return lambda v: f"column has dtype {df[col.name].dtype}, expected {col.dtype}"


def _num(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10_000 else str(v)


def _detail(col: Col, rule: str):
    if rule == "range":
        return range_detail(col)
    if rule == "enum":
        allowed = ", ".join(str(c) for c in col.choices)
        return lambda v: f"{v!r} is not one of {allowed}"
    if rule == "format":
        return lambda v: f"{v!r} is not {col.pattern_desc}"
    if rule == "max_length":
        return lambda v: (
            f"{len(str(v)):,} characters, longer than the {col.max_len:,} the column holds"
        )
    return lambda v: f"{v!r} fails {rule}"


def _report_duplicates(
    table: Table, df: pd.DataFrame, cols: list[str], sub: pd.DataFrame, report: ValidationReport
) -> None:
    """Every repeat after the first occurrence, with the row of that first occurrence."""
    if any(c not in df.columns for c in cols):
        return
    keys = df[cols]
    dup = keys.duplicated(keep="first") & keys.notna().all(axis=1)
    n = int(dup.sum())
    if not n:
        return
    rows = np.flatnonzero(dup.to_numpy())[: report.max_examples]
    first = keys.reset_index().drop_duplicates(subset=cols, keep="first").set_index(cols)["index"]
    column = cols[0] if len(cols) == 1 else "+".join(cols)
    values, details = [], {}
    for r in rows:
        val = tuple(keys.iloc[r]) if len(cols) > 1 else keys.iloc[r, 0]
        first_row = int(first.loc[val]) + 1 + report.row_offset
        values.append(val if len(cols) == 1 else "|".join(map(str, val)))
        details[values[-1]] = first_row
    what = cols[0] if len(cols) == 1 else f"({', '.join(cols)})"
    report.add_cells(
        table.name,
        column,
        "unique",
        rows + 1,
        values,
        lambda v: f"duplicate {what} {v!r}, first at row {details[v]}",
        n=n,
    )

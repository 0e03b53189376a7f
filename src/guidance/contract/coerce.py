"""Reading table files and turning raw cells into contract dtypes.

CSV cells are read as text and converted here, column by column and vectorised,
so that a bad value becomes a reported ``type`` error naming the value — never
a crash and never a silent NaN.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guidance.contract.report import WARNING, ValidationReport
from guidance.contract.schema import Col, Table, likely_column, range_detail
from guidance.csvsafe import FORMULA_STARTS, safe_cell

_BOOLS = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "1.0": True,
    "0.0": False,
}
_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean (true/false/1/0/yes/no)",
    "period": "a period YYYY-MM",
    "str": "text",
}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one table file as it is: CSV cells as text (empty → missing), Parquet as stored."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".csv":
        df = _read_csv_text(path)
        df.columns = [str(c).strip() for c in df.columns]
        df.attrs["duplicate_columns"] = duplicate_names(csv_header(path))
        return df
    raise ValueError(f"{path.name}: unsupported file type {suffix!r} (use .csv or .parquet)")


def csv_header(path: str | Path) -> list[str]:
    """The header row of a CSV file as written (stripped), repeated names included."""

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]


def duplicate_names(header: list[str]) -> list[str]:
    """Names that occur more than once in ``header`` (in order of first repeat)."""
    seen: set[str] = set()
    out: list[str] = []
    for name in header:
        if name in seen and name not in out:
            out.append(name)
        seen.add(name)
    return out


def _mangled(name: str, duplicates: list[str]) -> bool:
    """pandas renames the repeats of a duplicated header ``x`` to ``x.1``, ``x.2``, …"""
    base, dot, n = name.rpartition(".")
    return bool(dot) and n.isdigit() and base in duplicates


def check_header(
    table: Table, columns: list[str], report: ValidationReport, duplicates: Sequence[str] = ()
) -> None:
    """Header findings: a duplicated column is an error; an unknown column is a warning
    (its values are ignored), unless it is one edit from a known column that is absent,
    which is an error naming that column (``misspelt_column``)."""

    dups = list(duplicates) + [c for c in duplicate_names(list(columns)) if c not in duplicates]
    for name in dups:
        report.add(
            table.name,
            name,
            "duplicate_column",
            f"column {name!r} appears more than once in the header; keep one",
            value=name,
        )
    present = {str(c) for c in columns}
    unknown = [
        str(c)
        for c in dict.fromkeys(columns)
        if c not in table.by_name and not _mangled(str(c), dups)
    ]
    ignored = []
    for name in unknown:
        intended = likely_column(table, name, present)
        if intended is not None:
            report.add(
                table.name,
                name,
                "misspelt_column",
                f"unknown column {name!r}: did you mean {intended!r}?",
                value=intended,
            )
        else:
            ignored.append(name)
    if ignored:
        report.add(
            table.name,
            None,
            "unknown_column",
            f"unknown column(s) ignored: {', '.join(ignored)}",
            value=ignored,
            severity=WARNING,
        )


def _read_csv_text(path: Path) -> pd.DataFrame:
    """Every cell as text. The pyarrow reader is ~3x faster; the C reader is the fallback
    for what it refuses (e.g. repeated header names)."""
    opts = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
    try:
        return pd.read_csv(path, engine="pyarrow", **opts)
    except Exception:  # noqa: BLE001 - any refusal: let the C reader try (and raise)
        return pd.read_csv(path, **opts)


def coerce_table(
    table: Table, raw: pd.DataFrame, report: ValidationReport, *, header: bool = True
) -> pd.DataFrame:
    """Typed copy of ``raw``: contract columns in contract dtypes, optional ones added empty,
    unknown ones dropped (with a warning). Conversion failures go to ``report``.
    ``header=False`` skips the header findings (later chunks of one file)."""
    if header:
        check_header(table, list(raw.columns), report, raw.attrs.get("duplicate_columns", []))
    n = len(raw)
    out: dict[str, pd.Series] = {}
    for col in table.columns:
        if col.name in raw.columns:
            series = raw[col.name]
            if isinstance(series, pd.DataFrame):  # duplicated header (reported above)
                series = series.iloc[:, 0]
            out[col.name] = _coerce(col, series.reset_index(drop=True), table.name, report)
        elif not col.required:
            out[col.name] = pd.Series(
                pd.array([pd.NA] * n, dtype=col.dtype)
                if col.dtype != "float64"
                else np.full(n, np.nan)
            )
        # a missing required column stays missing: pandera reports it
    df = pd.DataFrame(out, index=pd.RangeIndex(n))
    if "active" in table.by_name and "active" in df.columns:
        df["active"] = df["active"].fillna(True)
    return df


def _as_text(s: pd.Series) -> pd.Series:
    """Text cells, stripped; empty → missing."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.strftime("%Y-%m").astype("str")
    t = s.astype("str").str.strip()
    return t.mask(t == "")


def _coerce(col: Col, s: pd.Series, table: str, report: ValidationReport) -> pd.Series:
    if col.kind in ("str", "period"):
        if col.kind == "period" and pd.api.types.is_datetime64_any_dtype(s.dtype):
            return s.dt.strftime("%Y-%m").astype("str")
        t = _as_text(s)
        if col.text:
            t = t.str.normalize("NFC")
        if col.neutralise:
            t = _neutralise(col, t, table, report)
        return t
    if col.kind == "bool":
        return _to_bool(col, s, table, report)
    return _to_number(col, s, table, report)


def _to_number(col: Col, s: pd.Series, table: str, report: ValidationReport) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        text = _as_text(s)
        _report_bad(col, text, text.notna(), table, report)
        return pd.Series(pd.array([pd.NA] * len(s), dtype=col.dtype))
    if pd.api.types.is_numeric_dtype(s.dtype):
        num = s.astype("float64") if col.kind == "float" or s.dtype.kind == "f" else s
        bad = pd.Series(False, index=s.index)
        raw = s
    else:
        raw = _as_text(s)
        if col.kind == "int":
            return _text_to_int(col, raw, table, report)
        num = _parse_floats(raw)
        bad = raw.notna() & num.isna()
    if col.kind == "int":
        f = pd.to_numeric(num, errors="coerce")
        if f.dtype.kind == "f":
            frac = f.notna() & ((f % 1) != 0)
            bad = bad | frac | np.isinf(f.to_numpy(dtype="float64", na_value=np.nan))
            f = f.mask(bad)
        _report_bad(col, raw, bad, table, report)
        return f.astype("Int64")
    f = pd.to_numeric(num, errors="coerce").astype("float64")
    inf = np.isinf(f.to_numpy())
    if inf.any():
        bad = bad | inf
        f = f.mask(inf)
    _report_bad(col, raw, bad, table, report)
    return f


_INT_RE = r"[+-]?[0-9]+(?:\.0*)?"
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _text_to_int(col: Col, raw: pd.Series, table: str, report: ValidationReport) -> pd.Series:
    """Text → Int64, exactly (never through float64). ASCII digits with an optional sign;
    a zero fraction ("12.0") is accepted as 12; an exponent ("1e3"), a non-zero fraction or
    anything else is a ``type`` error; an integer beyond 64 bits is a ``range`` error."""

    try:  # the common case, all cells plain int64 digits: Arrow's exact cast
        arr = pc.cast(pa.array(raw.array), pa.int64())
        return pd.Series(
            pd.array(arr.to_pandas(types_mapper=pd.ArrowDtype), dtype="Int64"), index=raw.index
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
        pass
    ok = raw.str.fullmatch(_INT_RE).fillna(False).astype(bool)
    bad = raw.notna() & ~ok
    values: list = [pd.NA] * len(raw)
    huge: list[int] = []
    for i in np.flatnonzero(ok.to_numpy()):
        v = int(raw.iat[i].split(".", 1)[0])
        if _INT64_MIN <= v <= _INT64_MAX:
            values[i] = v
        else:
            huge.append(int(i))
    _report_bad(col, raw, bad, table, report)
    if huge:
        idx = np.asarray(huge)
        failed = report.type_failed.get((table, col.name))
        report.type_failed[(table, col.name)] = idx if failed is None else np.union1d(failed, idx)
        shown = idx[: report.max_examples]
        detail = range_detail(col)
        report.add_cells(
            table,
            col.name,
            "range",
            shown + 1,
            [int(raw.iat[i].split(".", 1)[0]) for i in shown],
            detail,
            n=len(idx),
        )
    return pd.Series(pd.array(values, dtype="Int64"), index=raw.index)


def _neutralise(col: Col, t: pd.Series, table: str, report: ValidationReport) -> pd.Series:
    """Formula-like text (``=``, ``+``, ``-``, ``@``, tab, CR first) is kept with a leading
    apostrophe (``guidance.csvsafe``), so no spreadsheet runs it; each such cell is a
    warning ``neutralised``."""

    # _as_text strips, so a leading tab/CR is already gone; the rest are checked here
    hit = t.notna() & t.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
    n = int(hit.sum())
    if not n:
        return t
    idx = np.flatnonzero(hit.to_numpy())
    shown = idx[: report.max_examples]
    report.add_cells(
        table,
        col.name,
        "neutralised",
        shown + 1,
        t.iloc[shown].tolist(),
        lambda v: f"{v!r} looks like a spreadsheet formula; stored as {safe_cell(v)!r}",
        n=n,
        severity=WARNING,
    )
    out = t.copy()
    out[hit] = out[hit].map(safe_cell)
    return out


def _parse_floats(text: pd.Series) -> pd.Series:
    """Text → float64, bad cells → NaN. Arrow's cast is ~7x faster than ``to_numeric``
    on a million cells, but all-or-nothing, so a column with a bad cell falls back."""

    try:
        arr = pc.cast(pa.array(text.array), pa.float64())
        return pd.Series(arr.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
        return pd.to_numeric(text, errors="coerce").astype("float64")


def _to_bool(col: Col, s: pd.Series, table: str, report: ValidationReport) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    if pd.api.types.is_numeric_dtype(s.dtype):
        ok = s.isna() | s.isin([0, 1])
        _report_bad(col, s, ~ok, table, report)
        return s.where(ok).map({1: True, 0: False}, na_action="ignore").astype("boolean")
    text = _as_text(s)
    lower = text.str.lower()
    yes = lower.isin([k for k, v in _BOOLS.items() if v]).to_numpy(dtype=bool)
    no = lower.isin([k for k, v in _BOOLS.items() if not v]).to_numpy(dtype=bool)
    bad = text.notna().to_numpy(dtype=bool) & ~yes & ~no
    _report_bad(col, text, pd.Series(bad, index=text.index), table, report)
    return pd.Series(pd.arrays.BooleanArray(yes, ~(yes | no)), index=text.index)


def _report_bad(
    col: Col, raw: pd.Series, bad: pd.Series, table: str, report: ValidationReport
) -> None:
    n = int(bad.sum())
    if not n:
        return
    all_idx = np.flatnonzero(bad.to_numpy(dtype=bool))
    report.type_failed[(table, col.name)] = all_idx
    idx = all_idx[: report.max_examples]
    what = _TYPE_WORDS[col.kind]
    report.add_cells(
        table,
        col.name,
        "type",
        idx + 1,
        raw.iloc[idx].tolist(),
        lambda v: f"{v!r} is not {what}",
        n=n,
    )

"""A data directory as a whole: find its table files, validate them together,
load them (all or nothing) and fingerprint them."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pandas as pd

from guidance import reference
from guidance.contract.coerce import read_table
from guidance.contract.cross import Context
from guidance.contract.report import ContractError, TableInfo, ValidationReport
from guidance.contract.schema import TABLES
from guidance.contract.validate import check_table

log = logging.getLogger("guidance.contract")

TABLE_ORDER = ("provinces", "occupations", "programmes", "outcomes", "demand")
SUFFIXES = (".csv", ".parquet")


def table_files(path: str | Path) -> dict[str, list[Path]]:
    """For every contract table, the files present for it (``<name>.csv``/``.parquet``)."""
    root = Path(path)
    return {
        name: [root / f"{name}{s}" for s in SUFFIXES if (root / f"{name}{s}").is_file()]
        for name in TABLE_ORDER
    }


def validate_dir(path: str | Path) -> ValidationReport:
    """Validate every table of a data directory, including cross-table rules."""
    return _check_dir(path)[1]


def load_dir(path: str | Path) -> dict[str, pd.DataFrame]:
    """Validated, typed tables of a data directory (keys: ``TABLE_ORDER``).

    Raises ``ContractError`` (carrying the report) when any error exists, so a
    failing directory is never partly loaded. Warnings are logged.
    """
    tables, report = _check_dir(path)
    if not report.ok:
        raise ContractError(report)
    for issue in report.warnings:
        log.warning("%s", issue.message)
    for note in report.notes:
        log.info("%s", note)
    return tables


def data_hash(path: str | Path) -> str:
    """sha256 over the table files (name and bytes) in table order; ignores other files."""
    h = hashlib.sha256()
    for files in table_files(path).values():
        for f in files:
            h.update(f.name.encode() + b"\0" + str(f.stat().st_size).encode() + b"\0")
            with f.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
    return h.hexdigest()


def _reference_table(name: str) -> pd.DataFrame:
    df = reference.provinces() if name == "provinces" else reference.occupations()
    return df[[c for c in TABLES[name].names if c in df.columns]]


def _check_dir(path: str | Path) -> tuple[dict[str, pd.DataFrame], ValidationReport]:
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"data directory not found: {root}")
    report = ValidationReport(path=str(path))
    raw: dict[str, pd.DataFrame] = {}
    for name, files in table_files(root).items():
        required = TABLES[name].required_table
        if len(files) > 1:
            report.tables[name] = TableInfo(None, " + ".join(f.name for f in files))
            report.add(
                name,
                None,
                "duplicate_file",
                f"both {files[0].name} and {files[1].name} exist; keep one",
            )
        elif not files and required:
            report.tables[name] = TableInfo(None, "missing")
            report.add(
                name,
                None,
                "missing_table",
                f"required table missing: add {name}.csv or {name}.parquet",
            )
        elif not files:
            raw[name] = _reference_table(name)
            report.tables[name] = TableInfo(len(raw[name]), "packaged reference")
            report.notes.append(
                f"{name}: no {name}.csv/.parquet, using the packaged reference "
                f"({len(raw[name])} rows)"
            )
        else:
            try:
                raw[name] = read_table(files[0])
            except Exception as exc:  # noqa: BLE001 - any unreadable file is a finding
                report.tables[name] = TableInfo(None, files[0].name)
                report.add(name, None, "read", f"cannot read {files[0].name}: {exc}")
                continue
            report.tables[name] = TableInfo(len(raw[name]), files[0].name)
    typed: dict[str, pd.DataFrame] = {}
    for name in TABLE_ORDER:  # provinces/occupations first: they are the others' context
        if name not in raw:
            continue
        context = Context.from_tables(typed)
        typed[name] = check_table(name, raw[name], context=context, report=report)
        del raw[name]
    return typed, report

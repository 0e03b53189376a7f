"""Row counts and content hashes: the evidence that a failed write changed nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from guidance.store.schema import metadata


def _plain(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)  # exact, and never confused with an int
    return v


def hash_rows(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(row count, sha256) of rows in the given order, one JSON array per line."""
    h = hashlib.sha256()
    n = 0
    for row in rows:
        line = json.dumps(
            [_plain(v) for v in row],
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
            default=str,
        )
        h.update(line.encode("utf-8"))
        h.update(b"\n")
        n += 1
    return n, h.hexdigest()


def table_fingerprints(engine: Engine) -> dict[str, tuple[int, str]]:
    """``{table: (row_count, sha256)}`` for every table of the schema, read in one
    snapshot (REPEATABLE READ on PostgreSQL; a single read transaction on SQLite)."""
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for table in metadata.sorted_tables:
                pk = list(table.primary_key.columns)
                out[table.name] = hash_rows(conn.execute(select(table).order_by(*pk)))
    return out

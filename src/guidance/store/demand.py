"""Labour-demand snapshots: one period replaced atomically, the newest read back.

A replacement is a single transaction (delete the period's rows and snapshot row,
insert the new snapshot row, bulk-insert the rows), so readers see the old period
or the new one, never a mixture, and a crash or error leaves the old one in place.
PostgreSQL gets the rows through ``COPY``; SQLite through ``executemany``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, text

from guidance.store._frames import columns_as_lists
from guidance.store.db import is_postgres, write_tx
from guidance.store.schema import DemandRow, DemandSnapshot, table_of, utcnow

DEMAND_COLS = [
    "period",
    "province_code",
    "occupation_code",
    "vacancies",
    "job_seekers",
    "median_wage_vnd",
    "source",
]
_INT_COLS = ("vacancies", "job_seekers", "median_wage_vnd")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ROWS = table_of(DemandRow)
SNAPSHOTS = table_of(DemandSnapshot)


@dataclass(frozen=True)
class SnapshotInfo:
    period: str
    uploaded_at: datetime
    row_count: int
    content_hash: str
    source: str | None
    uploaded_by: int | None


def canonical_rows(period: str, df: Any) -> list[tuple[Any, ...]]:
    """The rows as stored, sorted by (province, occupation): the input of ``content_hash``."""
    if not _PERIOD.match(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    cols = columns_as_lists(df, DEMAND_COLS)
    given = {p for p in cols["period"] if p is not None}
    if given - {period}:
        raise ValueError(f"rows for other periods {sorted(given - {period})} in upload of {period}")
    cols["period"] = [period] * len(df)
    for c in _INT_COLS:
        cols[c] = [None if v is None else int(v) for v in cols[c]]
    rows = list(zip(*(cols[c] for c in DEMAND_COLS), strict=True)) if len(df) else []
    rows.sort(key=lambda r: (r[1], r[2]))
    return rows


def content_hash(rows: list[tuple[Any, ...]]) -> str:
    """sha256 of the canonical rows as one compact UTF-8 JSON array of arrays
    ``[[period, province_code, occupation_code, vacancies, job_seekers, median_wage_vnd,
    source], ...]`` (missing = null), sorted by province and occupation code."""
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _insert_sqlite(conn: Connection, chunk: list[tuple[Any, ...]]) -> None:
    conn.exec_driver_sql(
        f"INSERT INTO demand_rows ({', '.join(DEMAND_COLS)}) "
        f"VALUES ({', '.join('?' * len(DEMAND_COLS))})",
        chunk,
    )


def _insert_copy(conn: Connection, chunk: list[tuple[Any, ...]]) -> None:
    raw = conn.connection.driver_connection  # psycopg 3, inside SQLAlchemy's transaction
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY demand_rows ({', '.join(DEMAND_COLS)}) FROM STDIN") as copy,
    ):
        for row in chunk:
            copy.write_row(row)


def _insert_generic(conn: Connection, chunk: list[tuple[Any, ...]]) -> None:
    conn.execute(insert(ROWS), [dict(zip(DEMAND_COLS, r, strict=True)) for r in chunk])


def replace_demand_period(
    engine: Engine,
    period: str,
    df: Any,
    *,
    uploaded_by: int | None = None,
    source: str | None = None,
    chunk_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
    on_commit: Callable[[Connection, SnapshotInfo], None] | None = None,
) -> SnapshotInfo:
    """Make ``df`` (valid contract ``demand`` rows of ``period``) that period's snapshot.

    All or nothing: on any error the previous snapshot of the period (or its absence) and
    every other table stay exactly as they were. ``progress(rows_written)`` is called after
    each chunk; an exception it raises aborts and rolls back too. ``on_commit(conn, info)``
    runs last inside the same transaction (its writes commit with the rows, or not at all).
    """
    rows = canonical_rows(period, df)
    digest = content_hash(rows)
    if source is None:
        sources = {r[6] for r in rows if r[6] is not None}
        source = sources.pop() if len(sources) == 1 else None
    info = SnapshotInfo(period, utcnow(), len(rows), digest, source, uploaded_by)
    if engine.dialect.name == "sqlite":
        writer = _insert_sqlite
    elif is_postgres(engine) and engine.dialect.driver == "psycopg":
        writer = _insert_copy
    else:
        writer = _insert_generic
    with write_tx(engine, f"demand upload for {period}") as conn:
        if is_postgres(conn):  # one upload at a time; readers are not blocked
            conn.execute(text("LOCK TABLE demand_snapshots IN SHARE ROW EXCLUSIVE MODE"))
        conn.execute(delete(ROWS).where(ROWS.c.period == period))
        conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.period == period))
        conn.execute(
            insert(SNAPSHOTS).values(
                period=period,
                uploaded_at=info.uploaded_at,
                row_count=info.row_count,
                content_hash=digest,
                source=source,
                uploaded_by=uploaded_by,
            )
        )
        for start in range(0, len(rows), chunk_size):
            writer(conn, rows[start : start + chunk_size])
            if progress is not None:
                progress(min(start + chunk_size, len(rows)))
        if on_commit is not None:  # e.g. the job's "succeeded", committed with the rows
            on_commit(conn, info)
    return info


def load_demand(
    engine: Engine,
    df: Any,
    *,
    uploaded_by: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[SnapshotInfo]:
    """Replace every period present in ``df`` (each period its own atomic replacement)."""
    out = []
    for period, group in df.groupby("period", sort=True):
        out.append(replace_demand_period(engine, str(period), group, uploaded_by=uploaded_by))
        if progress is not None:
            progress(str(period))
    return out


def latest_period(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(func.max(SNAPSHOTS.c.period))).scalar_one()


def get_snapshot(engine: Engine, period: str) -> SnapshotInfo | None:
    with engine.connect() as conn:
        r = conn.execute(select(SNAPSHOTS).where(SNAPSHOTS.c.period == period)).first()
    return SnapshotInfo(**r._mapping) if r is not None else None


def list_snapshots(engine: Engine) -> list[SnapshotInfo]:
    with engine.connect() as conn:
        result = conn.execute(select(SNAPSHOTS).order_by(SNAPSHOTS.c.period))
        return [SnapshotInfo(**r._mapping) for r in result]


def get_demand(
    engine: Engine,
    period: str | list[str] | None = None,
    province: str | None = None,
    occupation: str | None = None,
) -> Any:
    """Demand rows as a contract-typed DataFrame (default: the newest period; a list of
    periods: theirs, in one query, ordered by period)."""

    with engine.connect() as conn:
        if period is None:
            period = conn.execute(select(func.max(SNAPSHOTS.c.period))).scalar_one()
        query = select(*(ROWS.c[c] for c in DEMAND_COLS)).where(
            ROWS.c.period.in_(period) if isinstance(period, list) else ROWS.c.period == period
        )
        if province is not None:
            query = query.where(ROWS.c.province_code == province)
        if occupation is not None:
            query = query.where(ROWS.c.occupation_code == occupation)
        query = query.order_by(ROWS.c.period, ROWS.c.province_code, ROWS.c.occupation_code)
        data = conn.execute(query).all() if period is not None else []
    columns = list(zip(*data, strict=True)) if data else [()] * len(DEMAND_COLS)
    return pd.DataFrame(
        {  # column-wise: much faster than from_records for 100k rows
            c: pd.array(list(v), dtype="Int64" if c in _INT_COLS else "str")
            for c, v in zip(DEMAND_COLS, columns, strict=True)
        }
    )

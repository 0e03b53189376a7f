"""Engines for SQLite (default, WAL) and PostgreSQL (psycopg 3), and the transaction helper.

SQLite needs care to be a trustworthy store: foreign keys are off by default, a
writer blocks readers without WAL, and the pysqlite driver issues its own
``BEGIN`` lazily (so DDL and SAVEPOINTs escape transactions). We switch the
driver's transaction handling off and emit ``BEGIN`` ourselves, which makes every
``engine.begin()`` block genuinely atomic.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from guidance.settings import get_settings

SQLITE_BUSY_TIMEOUT_MS = 10_000


class StoreError(RuntimeError):
    """A database write failed and was rolled back completely."""


def normalise_url(url: str) -> str:
    """Map a bare ``postgresql://`` URL to the psycopg 3 driver (the default would be psycopg2)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def json_serializer(value: object) -> str:
    """How JSON columns are written on both engines: strict JSON. NaN and infinities raise
    ``ValueError`` (Python's default would write the invalid literals ``NaN``/``Infinity``,
    which SQLite stores and PostgreSQL refuses), so no engine ever holds invalid JSON."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    """Engine for ``url`` (default: ``Settings.database_url``).

    For a SQLite file the parent directory is created on the first connection, not before.
    JSON columns are serialised by :func:`json_serializer` (refuses NaN and infinities).
    """
    if url is None:
        url = get_settings().database_url
    url = normalise_url(url)
    u = make_url(url)
    kwargs.setdefault("json_serializer", json_serializer)
    if u.get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, u.database)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):

        @event.listens_for(engine, "do_connect")
        def _make_parent(*_args: object) -> None:
            Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001 - DB-API objects
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe with WAL
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA cache_size = -32000")  # 32 MiB: ~10% faster 100k-row uploads
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction that starts by reading would have to upgrade its lock,
        # which SQLite can refuse with SQLITE_BUSY regardless of the busy timeout.
        # Writers therefore ask for the lock up front.
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_postgres(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "postgresql"


def _db_errors(engine: Engine) -> tuple[type[BaseException], ...]:
    """SQLAlchemy's wrapped errors plus the driver's own (raised by e.g. psycopg COPY)."""
    err = getattr(engine.dialect.dbapi, "Error", None)
    return (DBAPIError,) + ((err,) if isinstance(err, type) else ())


@contextlib.contextmanager
def write_tx(engine: Engine, what: str = "write") -> Iterator[Connection]:
    """One all-or-nothing write transaction (SQLite: ``BEGIN IMMEDIATE``).

    Database errors come out as :class:`StoreError` after the rollback; other exceptions
    (a caller's hook, an interrupt) roll back too and propagate unchanged.
    """
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                yield conn
    except _db_errors(engine) as exc:
        raise StoreError(f"{what} rolled back: {exc}") from exc

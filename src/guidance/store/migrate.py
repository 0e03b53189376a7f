"""Run and check the Alembic migrations shipped inside the package (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from guidance.store.db import is_postgres, write_tx
from guidance.store.schema import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_ID = 0x6775_6964  # "guid": serialises concurrent upgrades (several workers starting)


def _config(connection: Connection | None = None):  # noqa: ANN202 - alembic Config
    # lazy: alembic is heavy to import; only migrations need it
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to ``revision`` in one transaction; safe to call at every start."""
    # lazy: alembic is heavy to import; only migrations need it
    from alembic import command

    with write_tx(engine) as conn:
        if is_postgres(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})
        command.upgrade(_config(conn), revision)
    return current(engine)


def current(engine: Engine) -> str | None:
    """The revision the database is at (None when never migrated)."""
    # lazy: alembic is heavy to import; only migrations need it
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    # lazy: alembic is heavy to import; only migrations need it
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def diff(engine: Engine, target_metadata: Any = None) -> list[Any]:
    """Differences between the models (or ``target_metadata``) and the migrated database;
    empty means migrations and models are in step (what ``alembic check`` verifies)."""
    # lazy: alembic is heavy to import; only migrations need it
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata if target_metadata is None else target_metadata))

"""Annotated copies of refused tracer uploads (table ``tracer_error_files``).

A refused upload's annotated copy (``guidance.tracer.annotate``: the clerk's own file with
an error column, pseudonyms in place of ``learner_ref``) is kept so the clerk can download
it: at most the newest :data:`KEEP_PER_INSTITUTION` per institution (older ones are
dropped when a new one is stored) and none older than :data:`RETENTION_DAYS` days
(dropped then too, and by ``guidance purge``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from guidance.store.db import write_tx
from guidance.store.schema import TracerErrorFile, table_of, utcnow

FILES = table_of(TracerErrorFile)
KEEP_PER_INSTITUTION = 50
RETENTION_DAYS = 30


@dataclass(frozen=True)
class ErrorFile:
    id: str
    institution_id: str
    created_at: datetime
    filename: str
    media_type: str
    content: bytes


def save_error_file(
    engine: Engine,
    institution_id: str,
    filename: str,
    media_type: str,
    content: bytes,
    *,
    now: datetime | None = None,
) -> str:
    """Store one annotated copy; returns its random 32-hex id. In the same transaction the
    institution's copies beyond the newest ``KEEP_PER_INSTITUTION`` and every copy older
    than ``RETENTION_DAYS`` are deleted."""
    file_id = secrets.token_hex(16)
    now = now or utcnow()
    with write_tx(engine, "tracer error file") as conn:
        conn.execute(
            insert(FILES).values(
                id=file_id,
                institution_id=institution_id,
                created_at=now,
                filename=filename[:200],
                media_type=media_type[:100],
                content=content,
            )
        )
        keep = (
            select(FILES.c.id)
            .where(FILES.c.institution_id == institution_id)
            .order_by(FILES.c.created_at.desc(), FILES.c.id.desc())
            .limit(KEEP_PER_INSTITUTION)
            .scalar_subquery()
        )
        ids = [
            r[0]
            for r in conn.execute(
                select(FILES.c.id).where(
                    FILES.c.institution_id == institution_id, FILES.c.id.not_in(keep)
                )
            )
        ]
        if ids:
            conn.execute(delete(FILES).where(FILES.c.id.in_(ids)))
        conn.execute(delete(FILES).where(FILES.c.created_at < now - timedelta(days=RETENTION_DAYS)))
    return file_id


def get_error_file(engine: Engine, institution_id: str, file_id: str) -> ErrorFile | None:
    """The copy ``file_id`` of this institution (None for another institution's copy)."""
    with engine.connect() as conn:
        r = conn.execute(
            select(FILES).where(FILES.c.id == file_id, FILES.c.institution_id == institution_id)
        ).first()
    return ErrorFile(**r._mapping) if r is not None else None


def purge_error_files(
    engine: Engine, older_than_days: int = RETENTION_DAYS, *, now: datetime | None = None
) -> int:
    """Delete copies older than ``older_than_days``; returns how many."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    with write_tx(engine, "tracer error files purge") as conn:
        return int(conn.execute(delete(FILES).where(FILES.c.created_at < cutoff)).rowcount)

"""Long-running jobs (table ``jobs``): create, read, progress, cancel, finish.

A job is generic: a ``kind`` (e.g. ``demand_upload``), JSON ``params`` and a runner
function (``guidance.api.jobs``). Status moves ``queued → running → succeeded | failed |
cancelled``. The step to ``succeeded`` is :func:`mark_succeeded`, which a runner calls
INSIDE the transaction that commits the job's data: the data and the status commit
together, so a client never reads ``failed`` for committed data, nor ``succeeded`` for
data that was rolled back. A cancel is ``cancel_requested``; :func:`mark_succeeded` refuses
(and so rolls the data back) when it was set, and a cancel after the commit is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from guidance.store.db import write_tx
from guidance.store.schema import Job, table_of, utcnow

JOBS = table_of(Job)
ACTIVE = ("queued", "running")
FINAL = ("succeeded", "failed", "cancelled")
MAX_ERRORS = 1000  # stored per job; the total count is kept in ``result``
INTERRUPTED = "interrupted; nothing was committed"


class JobCancelled(Exception):
    """The job was asked to stop (or its runner is shutting down)."""


@dataclass(frozen=True)
class JobInfo:
    id: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime
    api_key_id: int | None
    params: dict[str, Any] | None
    progress_done: int
    progress_total: int | None
    message: str | None
    result: dict[str, Any] | None
    errors: list[dict[str, Any]] | None
    cancel_requested: bool


def create_job(
    engine: Engine,
    kind: str,
    params: dict[str, Any],
    *,
    api_key_id: int | None = None,
    total: int | None = None,
) -> str:
    job_id = uuid.uuid4().hex
    now = utcnow()
    with write_tx(engine, "job create") as conn:
        conn.execute(
            insert(JOBS).values(
                id=job_id,
                kind=kind,
                status="queued",
                created_at=now,
                updated_at=now,
                api_key_id=api_key_id,
                params=params,
                progress_done=0,
                progress_total=total,
                cancel_requested=False,
            )
        )
    return job_id


def get_job(engine: Engine, job_id: str) -> JobInfo | None:
    with engine.connect() as conn:
        r = conn.execute(select(JOBS).where(JOBS.c.id == job_id)).first()
    return JobInfo(**r._mapping) if r is not None else None


def start_job(engine: Engine, job_id: str) -> bool:
    """queued → running; False when it is no longer queued (cancelled meanwhile)."""
    with write_tx(engine, "job start") as conn:
        n = conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.status == "queued")
            .values(status="running", updated_at=utcnow())
        ).rowcount
    return n == 1


def cancel_requested(engine: Engine, job_id: str) -> bool:
    """Read-only: was a cancel asked for? (Safe inside another connection's write
    transaction, where :func:`set_progress` would wait for that transaction on SQLite.)"""
    with engine.connect() as conn:
        return bool(
            conn.execute(select(JOBS.c.cancel_requested).where(JOBS.c.id == job_id)).scalar()
        )


def set_progress(
    engine: Engine, job_id: str, done: int, total: int | None, message: str | None = None
) -> bool:
    """Record progress; True when a cancel was requested (the runner then stops)."""
    values: dict[str, Any] = {"progress_done": int(done), "updated_at": utcnow()}
    if total is not None:
        values["progress_total"] = int(total)
    if message is not None:
        values["message"] = message[:500]
    with write_tx(engine, "job progress") as conn:
        conn.execute(
            update(JOBS).where(JOBS.c.id == job_id, JOBS.c.status == "running").values(**values)
        )
        return bool(
            conn.execute(select(JOBS.c.cancel_requested).where(JOBS.c.id == job_id)).scalar_one()
        )


def mark_succeeded(
    conn: Connection,
    job_id: str,
    result: dict[str, Any],
    message: str = "committed",
    done: int | None = None,
) -> None:
    """In the data's own transaction: running → succeeded, unless a cancel was requested
    (then ``JobCancelled`` is raised, and the caller's transaction rolls back)."""
    values: dict[str, Any] = {
        "status": "succeeded",
        "result": result,
        "message": message,
        "updated_at": utcnow(),
    }
    if done is not None:
        values.update(progress_done=done, progress_total=done)
    n = conn.execute(
        update(JOBS)
        .where(JOBS.c.id == job_id, JOBS.c.status == "running", JOBS.c.cancel_requested.is_(False))
        .values(**values)
    ).rowcount
    if n != 1:
        raise JobCancelled(job_id)


def finish_job(
    engine: Engine,
    job_id: str,
    status: str,
    message: str,
    *,
    result: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> None:
    """An active job ends ``failed`` or ``cancelled`` (never overwrites a final status)."""
    if status not in ("failed", "cancelled"):
        raise ValueError(f"finish_job is for failed/cancelled, not {status!r}")
    with write_tx(engine, "job finish") as conn:
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.status.in_(ACTIVE))
            .values(
                status=status,
                message=message[:500],
                result=result,
                errors=(errors or [])[:MAX_ERRORS] or None,
                updated_at=utcnow(),
            )
        )


def request_cancel(engine: Engine, job_id: str) -> JobInfo | None:
    """Ask a job to stop: a queued job is cancelled at once, a running one at its next
    progress step (its commit then refuses). Returns the job as it now stands."""
    with write_tx(engine, "job cancel") as conn:
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.status == "queued")
            .values(
                status="cancelled",
                cancel_requested=True,
                message="cancelled; nothing was committed",
                updated_at=utcnow(),
            )
        )
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.status == "running")
            .values(cancel_requested=True, updated_at=utcnow())
        )
    return get_job(engine, job_id)


def fail_orphans(engine: Engine, alive: Any) -> list[str]:
    """Active jobs whose runner is gone (``alive(params)`` False) end ``failed`` with
    ``INTERRUPTED``. Their data was never committed: success commits with the data."""
    with engine.connect() as conn:
        rows = conn.execute(select(JOBS.c.id, JOBS.c.params).where(JOBS.c.status.in_(ACTIVE))).all()
    dead = [r.id for r in rows if not alive(r.params or {})]
    if dead:
        with write_tx(engine, "job recovery") as conn:
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id.in_(dead), JOBS.c.status.in_(ACTIVE))
                .values(status="failed", message=INTERRUPTED, updated_at=utcnow())
            )
    return dead

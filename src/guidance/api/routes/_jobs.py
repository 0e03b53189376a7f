"""Helpers shared by the upload routes that run as jobs (demand, tracer): spool a request
body to disk, find a job its caller may see, and a job as its API answer."""

from __future__ import annotations

import multiprocessing
import pickle
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import Request

from guidance.api.deps import Ctx
from guidance.api.errors import NotFound
from guidance.api.schemas import JobOut
from guidance.api.security import ADMIN, Principal
from guidance.store.jobs import INTERRUPTED, JobCancelled, get_job, set_progress


async def spool_body(request: Request, ctx: Ctx, stem: str, suffix: str) -> tuple[Path, int]:
    """Stream the body into ``var_dir/spool/<stem>-<random><suffix>`` (never whole in
    memory; the edge limits its size); returns ``(path, bytes)``. The caller owns the file
    (and deletes it); on any failure here it is deleted."""
    spool_dir = Path(ctx.settings.var_dir) / "spool"
    spool_dir.mkdir(parents=True, exist_ok=True)
    path = spool_dir / f"{stem}-{uuid.uuid4().hex}{suffix}"
    size = 0
    try:
        with path.open("wb") as fh:
            async for chunk in request.stream():
                fh.write(chunk)
                size += len(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size


def own_job(ctx: Ctx, job_id: str, principal: Principal) -> Any:
    """The job, if this caller may see it (admins any, other keys their own); else 404."""

    job = get_job(ctx.engine, job_id)
    if job is None or (principal.role != ADMIN and job.api_key_id != principal.key_id):
        raise NotFound("no such job")
    return job


def job_out(job: Any) -> JobOut:
    res = dict(job.result or {})
    warnings = res.pop("warnings", [])
    warning_count = res.pop("warning_count", len(warnings))
    error_count = res.pop("error_count", len(job.errors or []))
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        status=job.status,
        message=job.message,
        created_at=job.created_at.isoformat(),
        updated_at=job.updated_at.isoformat(),
        progress_done=job.progress_done,
        progress_total=job.progress_total,
        cancel_requested=job.cancel_requested,
        result=res or None,
        warnings=warnings,
        warning_count=warning_count,
        errors=job.errors or [],
        error_count=error_count,
    )


def run_child_outcome(out: str, outcome: Any) -> None:
    """In a child process: hand ``outcome`` to the parent (pickled to ``out``, atomically)."""

    tmp = out + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(outcome, fh, protocol=pickle.HIGHEST_PROTOCOL)
    Path(tmp).replace(out)


def in_child(target: Any, args: tuple, out: Path, progress: Any, name: str) -> Any:
    """Run ``target(*args, str(out))`` in a spawned process and return the outcome it handed
    over (:func:`run_child_outcome`). The heavy work then holds the child's GIL, not the
    serving worker's. When the job runner stops, the child is killed (its open transaction
    dies with its connection: nothing is committed) and ``JobCancelled`` is raised."""

    proc = multiprocessing.get_context("spawn").Process(
        target=target, name=name, daemon=True, args=(*args, str(out))
    )
    proc.start()
    try:
        while proc.is_alive():
            proc.join(0.2)
            if getattr(progress, "stopping", lambda: False)():
                proc.kill()
                proc.join(5)
                raise JobCancelled(INTERRUPTED)
        if not out.is_file():
            raise RuntimeError(f"the {name} process ended with code {proc.exitcode}")
        with out.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own child's file
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        out.unlink(missing_ok=True)
        Path(str(out) + ".tmp").unlink(missing_ok=True)


def child_progress(engine: Any, job_id: str, every: float = 0.5) -> Any:
    """The ``progress(done, total, force=False)`` of a job's child process: records progress
    at most every ``every`` s (never inside a write transaction) and raises
    ``JobCancelled`` when a cancel was asked."""

    last = [0.0]

    def progress(done: int, total: int | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - last[0] >= every:
            last[0] = now
            if set_progress(engine, job_id, done, total):
                raise JobCancelled(job_id)

    return progress

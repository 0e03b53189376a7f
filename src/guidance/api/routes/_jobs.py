"""Helpers shared by the upload routes that run as jobs (demand, tracer): spool a request
body to disk, find a job its caller may see, and a job as its API answer."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import Request

from guidance.api.deps import Ctx
from guidance.api.errors import NotFound
from guidance.api.schemas import JobOut
from guidance.api.security import ADMIN, Principal


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
    from guidance.store.jobs import get_job

    job = get_job(ctx.engine, job_id)
    if job is None or (principal.role != ADMIN and job.api_key_id != principal.key_id):
        raise NotFound("no such job")
    return job


def job_out(job: Any) -> JobOut:
    res = dict(job.result or {})
    warnings = res.pop("warnings", [])
    warning_count = res.pop("warning_count", len(warnings))
    error_count = res.pop("error_count", len(job.errors or []))
    return JobOut(job_id=job.id, kind=job.kind, status=job.status, message=job.message,
                  created_at=job.created_at.isoformat(), updated_at=job.updated_at.isoformat(),
                  progress_done=job.progress_done, progress_total=job.progress_total,
                  cancel_requested=job.cancel_requested, result=res or None,
                  warnings=warnings, warning_count=warning_count, errors=job.errors or [],
                  error_count=error_count)

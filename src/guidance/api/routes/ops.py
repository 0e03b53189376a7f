"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from guidance.api.deps import Ctx, CtxDep, authorize

router = APIRouter(tags=["operations"], dependencies=[Depends(authorize)])


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    ready: bool
    reasons: list[str]
    model_version: str | None
    demand_period: str | None
    last_model_error: str | None
    audit_pending: int


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: the process answers (says nothing about the model or the database)."""
    return Health(status="ok")


def _db_alive(ctx: Ctx) -> str | None:
    from sqlalchemy import text

    if not ctx.db_ready:
        return ctx.db_error or "database not migrated yet"
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"database unreachable ({type(exc).__name__})"
    return None


@router.get("/readyz", response_model=Ready, responses={503: {"model": Ready}})
def readyz(ctx: CtxDep) -> JSONResponse:
    """Ready when a model is loaded and the database answers; otherwise 503 and why."""
    st = ctx.holder.status()
    reasons = []
    db = _db_alive(ctx)
    if db:
        reasons.append(db)
    if not st["ready"]:
        reasons.append("no model loaded" + (f": {st['last_error']}" if st["last_error"]
                                            else " yet"))
    audit = ctx.audit.status()
    if audit["last_error"] and audit["pending"]:
        reasons.append(f"{audit['pending']} audit records not written yet "
                       f"({audit['last_error']})")
    body = Ready(ready=not reasons, reasons=reasons, model_version=st["version"],
                 demand_period=st["demand_period"], last_model_error=st["last_error"],
                 audit_pending=audit["pending"])
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics(ctx: CtxDep) -> Response:
    """Prometheus text format: request counts and latencies, model version, demand period."""
    ctx.metrics.model_loads.set(ctx.holder.failures)
    ctx.metrics.audit_pending.set(ctx.audit.pending)
    ctx.metrics.audit_rejects(ctx.audit.rejected)
    data, ctype = ctx.metrics.render()
    return Response(content=data, media_type=ctype)

"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from guidance.api.deps import Ctx, CtxDep, authorize
from guidance.api.security import ADMIN

router = APIRouter(tags=["operations"], dependencies=[Depends(authorize)])


class Health(BaseModel):
    status: str


class ReadyDetails(BaseModel):
    """For admins only: what is served and why the service is not ready."""

    reasons: list[str]
    model_version: str | None
    demand_period: str | None
    last_model_error: str | None
    audit_pending: int


class Ready(BaseModel):
    ready: bool
    status: Literal["ok", "database_unavailable", "no_model", "audit_backlog"] = Field(
        description="ok, or the first reason the service is not ready"
    )
    details: ReadyDetails | None = Field(None, description="only with an admin X-API-Key")


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: the process answers (says nothing about the model or the database)."""
    return Health(status="ok")


def _db_alive(ctx: Ctx) -> str | None:
    if not ctx.db_ready:
        return ctx.db_error or "database not migrated yet"
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"database unreachable ({type(exc).__name__})"
    return None


@router.get(
    "/readyz",
    response_model=Ready,
    response_model_exclude_none=True,
    responses={503: {"model": Ready}},
)
def readyz(ctx: CtxDep, request: Request) -> JSONResponse:
    """Ready when a model is loaded and the database answers; otherwise 503 and a short
    code. Anyone sees ``ready`` and ``status``; an admin key also gets ``details`` (the
    model version, the demand period, the last model error, the audit backlog, reasons)."""
    st = ctx.holder.status()
    reasons, codes = [], []
    db = _db_alive(ctx)
    if db:
        reasons.append(db)
        codes.append("database_unavailable")
    if not st["ready"]:
        reasons.append(
            "no model loaded" + (f": {st['last_error']}" if st["last_error"] else " yet")
        )
        codes.append("no_model")
    audit = ctx.audit.status()
    if audit["last_error"] and audit["pending"]:
        reasons.append(f"{audit['pending']} audit records not written yet ({audit['last_error']})")
        codes.append("audit_backlog")
    ready = not codes
    body: dict = {"ready": ready, "status": codes[0] if codes else "ok"}
    principal = getattr(request.state, "principal", None)
    if principal is not None and principal.role == ADMIN:
        body["details"] = ReadyDetails(
            reasons=reasons,
            model_version=st["version"],
            demand_period=st["demand_period"],
            last_model_error=st["last_error"],
            audit_pending=audit["pending"],
        ).model_dump()
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(ctx: CtxDep) -> Response:
    """Prometheus text format: request counts and latencies, model version, demand period."""
    ctx.metrics.model_loads.set(ctx.holder.failures)
    ctx.metrics.audit_pending.set(ctx.audit.pending)
    ctx.metrics.audit_rejects(ctx.audit.rejected)
    data, ctype = ctx.metrics.render()
    return Response(content=data, media_type=ctype)

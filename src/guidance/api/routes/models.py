"""Model versions and the admin's reload."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from guidance.api.deps import CtxDep, authorize
from guidance.api.errors import Conflict
from guidance.api.holder import LoadFailed
from guidance.api.schemas import ERRORS

router = APIRouter(prefix="/api/v1", tags=["models"], dependencies=[Depends(authorize)],
                   responses={**ERRORS, 409: ERRORS[422]})


class ActiveOut(BaseModel):
    ready: bool
    source: dict[str, Any]
    version: str | None
    sha256: str | None
    loaded_at: str | None
    demand_period: str | None
    last_error: str | None
    last_attempt: str | None
    loads: int
    failures: int


class ModelsOut(BaseModel):
    active: ActiveOut
    versions: list[dict[str, Any]]
    versions_error: str | None = None


class ReloadOut(BaseModel):
    version: str
    swapped: bool


@router.get("/models", response_model=ModelsOut)
def models(ctx: CtxDep) -> ModelsOut:
    """The active model (and why the last load failed, if it did) and known versions."""
    try:
        versions, err = ctx.holder.source.versions(), None
    except Exception as exc:  # noqa: BLE001 - the registry may be unreachable
        versions, err = [], f"cannot list versions ({type(exc).__name__})"
    return ModelsOut(active=ActiveOut(**ctx.holder.status()), versions=versions,
                     versions_error=err)


@router.post("/models/reload", response_model=ReloadOut)
async def reload(ctx: CtxDep) -> ReloadOut:
    """Load the source now; 409 with the reason when it fails (the old model serves on)."""
    ctx.require_db()
    try:
        served, swapped = await run_in_threadpool(ctx.holder.reload, force=True)
    except LoadFailed as exc:
        raise Conflict(f"model not swapped: {exc}") from None
    return ReloadOut(version=served.version, swapped=swapped)

"""Model versions and the admin's reload."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from guidance.api.deps import CtxDep, authorize
from guidance.api.errors import Conflict, NotFound, ServiceUnavailable
from guidance.api.holder import LoadFailed, Served
from guidance.api.schemas import ERRORS, ErrorOut

CARD_MAX_BYTES = 2 << 20  # a card is a few KB of Markdown; refuse to stream a huge file

router = APIRouter(
    prefix="/api/v1",
    tags=["models"],
    dependencies=[Depends(authorize)],
    responses={**ERRORS, 409: ERRORS[422]},
)


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


class MarkdownResponse(PlainTextResponse):
    media_type = "text/markdown"  # Starlette adds "; charset=utf-8" to text/* types


class ReloadOut(BaseModel):
    version: str
    swapped: bool  # a new model (or the same version rebuilt on a new catalogue) serves now
    previous: str | None = None  # the version served before the reload


@router.get("/models", response_model=ModelsOut)
def models(ctx: CtxDep) -> ModelsOut:
    """The active model (and why the last load failed, if it did) and known versions."""
    try:
        versions, err = ctx.holder.source.versions(), None
    except Exception as exc:  # noqa: BLE001 - the registry may be unreachable
        versions, err = [], f"cannot list versions ({type(exc).__name__})"
    return ModelsOut(active=ActiveOut(**ctx.holder.status()), versions=versions, versions_error=err)


@router.post("/models/reload", response_model=ReloadOut)
async def reload(ctx: CtxDep) -> ReloadOut:
    """Load the source now; 409 with the reason when it fails (the old model serves on)."""
    ctx.require_db()
    before = ctx.holder.current
    try:
        served, swapped = await run_in_threadpool(ctx.holder.reload, force=True)
    except LoadFailed as exc:
        raise Conflict(f"model not swapped: {exc}") from None
    await run_in_threadpool(ctx.holder.refresh_demand)
    return ReloadOut(
        version=served.version, swapped=swapped, previous=before.version if before else None
    )


def _safe_stem(name: str, version: str) -> str | None:
    """``<name>-<version>`` when it is a plain file name (metadata must not steer the path)."""
    stem = f"{name}-{version}"
    return stem if name and Path(stem).name == stem and ".." not in stem else None


def _read_card(path: Path) -> str | None:
    if not path.is_file():
        return None
    if path.stat().st_size > CARD_MAX_BYTES:
        raise ServiceUnavailable(f"the model card {path.name} is too large to serve")
    return path.read_text(encoding="utf-8", errors="replace")


def _file_card(source: Any, served: Served) -> str | None:
    """The training run writes ``models/<name>-<version>.md`` beside the ``.json``; a
    served copy (e.g. ``<name>-active.joblib``) may carry its own ``.md`` beside it."""
    meta = served.metadata
    stem = _safe_stem(str(meta.get("name") or ""), str(meta.get("version") or served.version))
    candidates = [source.path.parent / f"{stem}.md"] if stem else []
    candidates.append(source.path.with_suffix(".md"))
    for path in candidates:
        text = _read_card(path)
        if text is not None:
            return text
    return None


def _registry_card(source: Any, served: Served) -> str | None:
    """The card logged to the version's MLflow run under ``model_card/``."""

    run_id = served.metadata.get("run_id")
    stem = _safe_stem(str(served.metadata.get("name") or source.name), served.version)
    if not run_id or not stem:
        return None
    # lazy: mlflow is heavy (seconds to import); only this path needs it
    import mlflow
    from mlflow.exceptions import MlflowException

    with tempfile.TemporaryDirectory(prefix="guidance-card-") as tmp:
        try:
            local = mlflow.artifacts.download_artifacts(
                run_id=str(run_id),
                artifact_path=f"model_card/{stem}.md",
                dst_path=tmp,
                tracking_uri=source.tracking_uri,
            )
        except (MlflowException, OSError) as exc:
            if getattr(exc, "error_code", "") == "RESOURCE_DOES_NOT_EXIST" or isinstance(
                exc, FileNotFoundError
            ):
                return None
            raise ServiceUnavailable(
                "the model registry is not reachable; try again later", headers={"Retry-After": "5"}
            ) from None
        return _read_card(Path(local))


# The plain Response class (no media type) keeps the error responses documented as JSON;
# the 200 body is declared as Markdown by hand.
@router.get(
    "/models/card",
    response_class=Response,
    responses={
        200: {
            "description": "the active model's card (Markdown)",
            "content": {"text/markdown": {"schema": {"type": "string"}}},
        },
        404: {"model": ErrorOut, "description": "the active model has no card"},
        503: {"model": ErrorOut, "description": "no model is loaded (or the registry is away)"},
    },
)
def model_card(ctx: CtxDep) -> MarkdownResponse:
    """Admins: the model card (intended use, data vintage, metrics vs baselines, slices,
    fairness, limitations) of the model being served, as the training run wrote it."""
    served = ctx.holder.require()  # 503 model_not_ready
    source = ctx.holder.source
    kind = getattr(source, "kind", None)
    text = (
        _file_card(source, served)
        if kind == "file"
        else _registry_card(source, served)
        if kind == "registry"
        else None
    )
    if text is None:
        raise NotFound(
            f"model version {served.version} has no model card "
            f"(the training run writes it beside the artifact)"
        )
    return MarkdownResponse(text)

"""Model versions, the admin's reload, and promotion from the admin page.

``GET /models`` lists the versions with their metrics read as a table (target × model ×
metric, the baselines beside the model), the champion and the challenger. ``POST
/models/promote`` moves the champion alias through THE gate of ``guidance promote``: a
job (202, then poll ``/jobs/{id}``) that runs that command (``--json``) in a child process,
because the gate lives in the ``training`` package, which ``guidance`` never imports, and
because re-scoring two models on the test split takes longer than a request's budget and
is CPU that must not hold a serving worker. ``GET
/models/{version}/evaluation`` gives the numbers behind the calibration and fairness plots,
read from the files the training run logged (``evaluation/reliability.csv``,
``evaluation/fairness.csv``); the page draws them with translated labels.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from guidance.api.deps import Caller, CtxDep, authorize
from guidance.api.errors import ApiError, Conflict, NotFound, ServiceUnavailable, Unprocessable
from guidance.api.holder import MLFLOW_PROGRESS_ENV, LoadFailed, Served
from guidance.api.jobs import JobFailed
from guidance.api.schemas import ERRORS, ErrorOut, JobAccepted
from guidance.store.audit import audit_row
from guidance.store.jobs import INTERRUPTED, JobCancelled, create_job, mark_succeeded

log = logging.getLogger("guidance.api.models")

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
    champion: str | None = None  # the version the registry's alias (or the file) serves
    challenger: str | None = None  # the newest version after the champion, if any
    rollback: str | None = None  # the champion's predecessor (its ``promoted_from`` tag)
    can_promote: bool = False  # promotion moves a registry alias: only a registry source


def _finite(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


MODEL_METRICS = ("n", "auc", "brier", "ece", "observed", "predicted")


def metrics_view(metrics: dict[str, Any]) -> dict[str, Any]:
    """The training run's flat metric names (``test.employed_12m.auc``,
    ``baseline.logistic.employed_12m.brier``, ``fairness.employed_12m.sex.max_abs_gap``, …)
    as tables: per target the model's row and each baseline's row; fairness per target and
    attribute; the two gate flags. Non-finite values are None."""
    targets: dict[str, dict[str, Any]] = {}
    fairness: dict[tuple[str, str], dict[str, float | None]] = {}

    def target(t: str) -> dict[str, Any]:
        return targets.setdefault(t, {"target": t, "model": {}, "baselines": {}})

    for key, value in metrics.items():
        parts = str(key).split(".")
        if parts[0] == "test" and len(parts) == 3:
            if parts[2] in MODEL_METRICS or parts[2] == "unreliable":
                target(parts[1])["model"][parts[2]] = _finite(value)
        elif parts[0] == "baseline" and len(parts) == 4:
            target(parts[2])["baselines"].setdefault(parts[1], {})[parts[3]] = _finite(value)
        elif parts[0] == "fairness" and len(parts) == 4:
            fairness.setdefault((parts[1], parts[2]), {})[parts[3]] = _finite(value)
        elif parts[0] == "fitted" and len(parts) == 2:
            target(parts[1])["fitted"] = _finite(value) == 1.0

    def flag(name: str) -> bool | None:
        v = _finite(metrics.get(name))
        return None if v is None else v >= 1.0

    rows = []
    for t in sorted(targets):
        entry = targets[t]
        if not entry["model"] and not entry["baselines"]:
            continue  # e.g. ``fitted.wage``: the wage quantiles have no such table
        rows.append(
            {
                "target": t,
                "fitted": entry.get("fitted"),
                "unreliable": entry["model"].pop("unreliable", None) == 1.0,
                "model": entry["model"],
                "baselines": [
                    {"name": b, **entry["baselines"][b]} for b in sorted(entry["baselines"])
                ],
            }
        )
    return {
        "targets": rows,
        "fairness": [
            {"target": t, "attribute": a, **fairness[(t, a)]} for t, a in sorted(fairness)
        ],
        "beats_baselines": flag("beats_baselines"),
        "metrics_unreliable": flag("metrics_unreliable"),
    }


def _version_key(v: str) -> tuple[int, str]:
    return (int(v), v) if str(v).isdigit() else (-1, str(v))


def _roles(versions: list[dict[str, Any]]) -> tuple[str | None, str | None, str | None]:
    """Champion (alias ``champion``, or the file source's ``active``), challenger (the
    newest version after it) and the champion's predecessor (its ``promoted_from``)."""
    champ = next(
        (v for v in versions if {"champion", "active"} & {str(a) for a in v.get("aliases") or []}),
        None,
    )
    champion = str(champ["version"]) if champ else None
    later = [
        str(v["version"])
        for v in versions
        if champion is None or _version_key(str(v["version"])) > _version_key(champion)
    ]
    challenger = max(later, key=_version_key) if later else None
    before = (champ or {}).get("tags", {}).get("promoted_from") if champ else None
    known = {str(v["version"]) for v in versions}
    rollback = str(before) if before and str(before) in known and before != champion else None
    return champion, challenger, rollback


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
    for v in versions:
        v["metrics_view"] = metrics_view(v.get("metrics") or {})
    champion, challenger, rollback = _roles(versions)
    return ModelsOut(
        active=ActiveOut(**ctx.holder.status()),
        versions=versions,
        versions_error=err,
        champion=champion,
        challenger=challenger,
        rollback=rollback,
        can_promote=getattr(ctx.holder.source, "kind", None) == "registry",
    )


# --- promotion ---------------------------------------------------------------------------

PROMOTE_ROUTE = "POST /api/v1/models/promote"
PROMOTE_TIMEOUT = 600.0  # seconds: the gate re-scores two models on the test split
GATE_POLL = 0.5  # seconds between looks at the runner's stop while the gate runs
GATE_GRACE = 10.0  # seconds a stopped gate has to end on SIGTERM before it is killed
KIND = "model_promotion"


class GateStopped(Exception):
    """The job runner stopped while the gate ran: the gate's process was ended (SIGTERM,
    then SIGKILL after ``GATE_GRACE``), so it can no longer move the champion alias."""


class PromoteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        # force: true needs a reason that is not blank (checked again by the route)
        json_schema_extra={
            "if": {"required": ["force"], "properties": {"force": {"const": True}}},
            "then": {"required": ["reason"], "properties": {"reason": {"pattern": r"\S"}}},
        },
    )
    version: str = Field(pattern=r"^[0-9]{1,9}$", description="the version to make champion")
    force: bool = Field(False, description="override a failed gate (needs a reason)")
    reason: str | None = Field(
        None,
        max_length=500,
        # no NUL (the edge refuses NUL anywhere; the schema says so too)
        pattern=r"^[^\u0000]*$",
        description="why the gate is overridden (recorded as a tag)",
    )


def _run_gate(
    source: Any, params: dict[str, Any], stopping: Any = lambda: False
) -> tuple[int, dict[str, Any]]:
    """``guidance promote --json`` in a child process: (exit code, decision). ``stopping()``
    is asked every ``GATE_POLL`` s: when the runner stops, the child is ended and
    :class:`GateStopped` raised (an orphaned gate could otherwise promote after the job was
    recorded as interrupted)."""
    cmd = [
        sys.executable,
        "-m",
        "guidance",
        "promote",
        "--json",
        "--version",
        str(params["version"]),
        "--tracking-uri",
        str(source.tracking_uri),
    ]
    if params.get("force"):
        cmd += ["--force", "--reason", str(params.get("reason") or "")]
    env = {
        **os.environ,
        "GUIDANCE_REGISTERED_MODEL_NAME": str(source.name),
        MLFLOW_PROGRESS_ENV: "false",
    }
    deadline = time.monotonic() + PROMOTE_TIMEOUT
    try:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and command, no shell
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    except OSError as exc:
        raise JobFailed(
            f"the promotion gate could not run ({type(exc).__name__}); nothing changed",
            result={"message_vi": "Không chạy được bước kiểm tra; không có gì thay đổi"},
        ) from None
    while True:
        try:
            stdout, stderr = child.communicate(timeout=GATE_POLL)  # retrying loses no output
            break
        except subprocess.TimeoutExpired:
            stopped = bool(stopping())
            if not stopped and time.monotonic() < deadline:
                continue
            _end(child)
            if stopped:
                raise GateStopped from None
            raise JobFailed(
                "the promotion gate could not run (TimeoutExpired); nothing changed",
                result={"message_vi": "Không chạy được bước kiểm tra; không có gì thay đổi"},
            ) from None
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    try:
        return child.returncode, json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = stderr.strip().splitlines()[-1:] if stderr.strip() else ["no output"]
        log.warning("promotion gate exited %s without an answer: %s", child.returncode, tail)
        raise JobFailed(
            "the promotion gate gave no answer; nothing changed",
            result={"message_vi": "Bước kiểm tra không trả lời; không có gì thay đổi"},
        ) from None


def _end(child: subprocess.Popen) -> None:
    """End the gate's process: SIGTERM (the gate writes the champion's tags and alias
    before it obeys one), then SIGKILL after ``GATE_GRACE``; wait for it either way."""
    child.terminate()
    try:
        child.communicate(timeout=GATE_GRACE)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()


def _stopped_gate(source: Any, version: str) -> tuple[int, dict[str, Any]]:
    """The decision of a gate ended by the runner's stop, read from the registry: the
    gate's process is gone, so the champion alias says whether it promoted first."""
    try:
        champion = source.fingerprint()[0]
    except Exception as exc:  # noqa: BLE001 - the registry is unreachable: say so, claim nothing
        raise JobFailed(
            f"interrupted while the promotion gate ran; the registry could not be read "
            f"({type(exc).__name__}) to tell whether version {version} became the champion",
            result={
                "message_vi": "Bị ngắt khi đang kiểm tra; không đọc được kho mô hình để biết "
                f"phiên bản {version} đã thành bản chính chưa"
            },
        ) from None
    if str(champion) != version:
        raise JobCancelled(INTERRUPTED)  # the runner records it: nothing was committed
    return 0, {"promoted": True, "version": version, "interrupted": True}


def run_promotion(ctx: Any, job: Any, progress: Any) -> None:
    """The runner function of kind ``model_promotion``: the gate in a child process, then
    (promoted) this worker serves the new champion at once (the others at their next
    poll). A refusal fails the job with each reason (``code``, ``message_en``,
    ``message_vi``) in ``errors``. The outcome is audited like the request was."""
    params = dict(job.params or {})
    source = ctx.holder.source
    progress(0, 1, force=True)
    status = 503
    stopping = getattr(progress, "stopping", lambda: False)
    try:
        try:
            code, out = _run_gate(source, params, stopping)
        except GateStopped:
            code, out = _stopped_gate(source, str(params["version"]))
        reasons = [
            {k: str(r.get(k, "")) for k in ("code", "message_en", "message_vi")}
            for r in out.get("reasons") or []
        ][:100]
        if out.get("error"):
            msg = str(out.get("message") or out["error"])
            status = 404 if out["error"] == "unknown_version" else 422
            raise JobFailed(msg, result={"message_vi": f"Không đưa lên được: {msg}"})
        if code != 0 or not out.get("promoted"):
            status = 409
            version = params["version"]
            raise JobFailed(
                f"version {version} stays a challenger: "
                + "; ".join(r["message_en"] for r in reasons),
                reasons,
                {
                    "refused": True,
                    "version": version,
                    "previous": out.get("previous"),
                    "message_vi": f"Phiên bản {version} chưa được đưa lên: "
                    + "; ".join(r["message_vi"] for r in reasons),
                },
            )
        if not stopping():  # a stopping worker loads no model: the next start reads it
            with contextlib.suppress(LoadFailed):
                ctx.holder.reload(force=False)
        cur = ctx.holder.current
        result = {
            "version": str(out["version"]),
            "previous": out.get("previous"),
            "promoted": True,
            "forced": bool(out.get("forced")),
            "reasons": reasons,
            "serving": cur.version if cur else None,
            # the runner stopped after the gate had moved the alias (read from the registry)
            **({"interrupted": True} if out.get("interrupted") else {}),
        }
        with ctx.engine.begin() as conn:
            mark_succeeded(
                conn, job.id, result, message=f"version {out['version']} is the champion", done=1
            )
        status = 200
    finally:
        ctx.audit.submit(
            audit_row(
                request_id=str(params.get("request_id") or "-")[:64],
                route=PROMOTE_ROUTE + " (job)",
                role="admin",
                status=status,
                api_key_id=job.api_key_id,
                model_version=str(params.get("version")),
            )
        )


@router.post(
    "/models/promote",
    status_code=202,
    response_model=JobAccepted,
    responses={
        404: {"model": ErrorOut, "description": "no such version"},
        409: {"model": ErrorOut, "description": "already the champion, or a file source"},
    },
)
async def promote(
    body: PromoteIn, request: Request, ctx: CtxDep, principal: Caller
) -> JSONResponse:
    """Admins: make ``version`` the champion through the same gate as ``guidance
    promote`` (metrics against the champion on the challenger's test split, fairness); a
    roll-back is the promotion of an earlier version. The gate runs as a job (202 with its
    status URL): ``succeeded`` with the new champion, or ``failed`` with each reason of the
    refusal in ``errors`` (``code``, ``message_en``, ``message_vi``). ``force`` with a
    ``reason`` overrides the gate and records the reason on the version. The request and
    the job's outcome are audited (route, role, key, status, the version asked for)."""
    t0 = time.perf_counter()
    status = 500
    rid = str(getattr(request.state, "request_id", None) or "-")[:64]
    try:
        out = await run_in_threadpool(_accept, body, ctx, principal, rid)
        status = 202
        return out
    except ApiError as exc:
        status = exc.status
        raise
    finally:
        ctx.audit.submit(
            audit_row(
                request_id=rid,
                route=PROMOTE_ROUTE,
                role=principal.role,
                status=status,
                api_key_id=principal.key_id,
                model_version=body.version,
                latency_ms=(time.perf_counter() - t0) * 1e3,
            )
        )


def _accept(body: PromoteIn, ctx: Any, principal: Any, rid: str) -> JSONResponse:
    """The quick checks (a registry source, a known version that is not the champion, a
    reason when forced), then the job."""
    ctx.require_db()
    source = ctx.holder.source
    if getattr(source, "kind", None) != "registry":
        raise Conflict(
            "promotion moves the MLflow registry's champion alias; this server serves a "
            "model file (GUIDANCE_MODEL_PATH)",
            extra={
                "message_vi": "Đưa lên làm bản chính chỉ dùng được khi máy chủ phục vụ mô hình "
                "từ sổ đăng ký MLflow; máy chủ này đang dùng một tệp mô hình"
            },
        )
    reason = (body.reason or "").strip()
    if body.force and not reason:
        raise Unprocessable(
            "a forced promotion needs a reason",
            details=[
                {
                    "field": "reason",
                    "rule": "required",
                    "message_en": "a forced promotion needs a reason (recorded on the version)",
                    "message_vi": "Buộc đưa lên cần ghi lý do (được lưu cùng phiên bản)",
                }
            ],
            extra={"message_vi": "Buộc đưa lên cần ghi lý do"},
        )
    from mlflow.exceptions import MlflowException

    from guidance.registry import champion_version

    try:
        source.client().get_model_version(source.name, body.version)
        champion = champion_version(source.client(), source.name)
    except MlflowException as exc:
        if getattr(exc, "error_code", "") == "RESOURCE_DOES_NOT_EXIST":
            raise NotFound(
                f"{source.name} has no version {body.version}",
                extra={"message_vi": f"Không có phiên bản {body.version} trong sổ đăng ký"},
            ) from None
        raise ServiceUnavailable(
            "the model registry is not reachable; try again later", headers={"Retry-After": "5"}
        ) from None
    if champion == body.version:
        raise Conflict(
            f"version {body.version} is already the champion",
            extra={"message_vi": f"Phiên bản {body.version} đã là bản chính"},
        )
    job_id = create_job(
        ctx.engine,
        KIND,
        {
            "version": body.version,
            "force": body.force,
            "reason": reason if body.force else None,
            "request_id": rid,
            **ctx.jobs.owner(),
        },
        api_key_id=principal.key_id,
        total=1,
    )
    ctx.jobs.submit(job_id)
    url = f"/api/v1/jobs/{job_id}"
    return JSONResponse(
        {"job_id": job_id, "status": "queued", "status_url": url},
        status_code=202,
        headers={"Location": url},
    )


# --- the numbers behind the plots ---------------------------------------------------------

PLOT_ROWS = 2000  # a reliability table has ≤ bins × targets rows, fairness ≤ groups × keys


def _records(path: Path | None, columns: tuple[str, ...]) -> list[dict[str, Any]] | None:
    import pandas as pd

    if path is None or not path.is_file():
        return None
    try:
        df = pd.read_csv(path, nrows=PLOT_ROWS, keep_default_na=True)
    except (ValueError, pd.errors.ParserError):
        return None
    out = []
    for rec in df.to_dict("records"):
        row: dict[str, Any] = {}
        for c in columns:
            v = rec.get(c)
            if isinstance(v, str):
                row[c] = v[:200]
            elif isinstance(v, bool):
                row[c] = v
            else:
                row[c] = _finite(v)
        out.append(row)
    return out


class EvaluationOut(BaseModel):
    version: str
    reliability: list[dict[str, Any]] | None  # target, bin_low, n, predicted, observed
    fairness: list[dict[str, Any]] | None  # key, group, n, observed, predicted, gap


@router.get(
    "/models/{version}/evaluation",
    response_model=EvaluationOut,
    responses={404: {"model": ErrorOut, "description": "no such version (or a file source)"}},
)
def evaluation(
    version: Annotated[str, PathParam(pattern=r"^[0-9]{1,9}$")], ctx: CtxDep
) -> EvaluationOut:
    """Admins: the numbers behind a version's calibration plot (observed rate against mean
    prediction per probability bin) and fairness plot (predicted − observed per group), as
    its training run logged them; None for a file a run did not log."""
    source = ctx.holder.source
    if getattr(source, "kind", None) != "registry":
        raise NotFound("evaluation files are read from the MLflow run of a registry version")
    from mlflow.exceptions import MlflowException

    from guidance.registry import run_csv

    try:
        mv = source.client().get_model_version(source.name, version)
    except MlflowException:
        raise NotFound(f"{source.name} has no version {version}") from None
    if not mv.run_id:
        raise NotFound(f"version {version} has no training run")
    with tempfile.TemporaryDirectory(prefix="guidance-eval-") as tmp:
        rel = run_csv(source.client(), mv.run_id, "evaluation/reliability.csv", tmp)
        fair = run_csv(source.client(), mv.run_id, "evaluation/fairness.csv", tmp)
        return EvaluationOut(
            version=version,
            reliability=_records(rel, ("target", "bin_low", "n", "predicted", "observed")),
            fairness=_records(fair, ("key", "group", "n", "observed", "predicted", "gap", "small")),
        )


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

"""The tracer database over HTTP: templates, submissions (sync or as a job), versions,
withdrawal, error files, coverage (per institution and national) and deletion.

An ``institution`` key reaches only its own ``institution_id``: any other id (or an unknown
one) is a 404, so a key never learns whether another institution exists or has submitted.
Admins reach every institution.

``PUT /institutions/{id}/tracer/{cohort}/{wave}`` spools the body to disk (never whole in
memory at the edge; 64 MiB limit). A body of at most ``Settings.tracer_sync_max_bytes``
without ``Prefer: respond-async`` is read, validated and stored in the thread pool: 200
with the version, or 422 with every error (row, column, rule, vi + en; the first 1,000 and
the total) and ``error_file_url``, the clerk's own file with an error column. A larger
body, or ``Prefer: respond-async``, runs as a job (202, ``/api/v1/jobs/{id}``); the job is
marked succeeded in the transaction that writes the version. Every submission, withdrawal
and deletion is written to the audit log (route, role, key, status: no identifiers) and to
the tracer events (``store.tracer``).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path as FilePath
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import guidance.store.tracer as store_tracer
from guidance.api.deps import Caller, Ctx, DbCtx, authorize
from guidance.api.errors import Conflict, NotFound, Unprocessable, UnsupportedMediaType
from guidance.api.jobs import JobFailed
from guidance.api.limits import XLSX
from guidance.api.routes._jobs import child_progress, in_child, run_child_outcome, spool_body
from guidance.api.schemas import (
    ERRORS,
    ErrorOut,
    JobAccepted,
    TracerCoverage,
    TracerCoverageRow,
    TracerForgetOut,
    TracerForgetRequest,
    TracerNationalCoverage,
    TracerNationalRow,
    TracerRowsPage,
    TracerSubmissionList,
    TracerSubmissionOut,
    TracerSubmissionResult,
    TracerWithdrawOut,
    TracerWithdrawRequest,
)
from guidance.api.security import API, INSTITUTION, Principal
from guidance.store.audit import audit_row
from guidance.store.db import StoreError, make_engine
from guidance.store.jobs import JobCancelled, cancel_requested, create_job, get_job, mark_succeeded
from guidance.store.schema import Programme
from guidance.store.tracer import (
    Cancelled,
    TracerNotFound,
    TracerRejected,
    coverage,
    forget,
    list_submissions,
    read_version,
    withdraw,
)
from guidance.store.tracer_errors import get_error_file, save_error_file
from guidance.tracer.annotate import annotated_copy, error_list_csv
from guidance.tracer.read import TracerFileError, read_bytes, read_path
from guidance.tracer.template import write_template

router = APIRouter(prefix=API, tags=["tracer"], dependencies=[Depends(authorize)], responses=ERRORS)

KIND = "tracer_submission"
# A CSV body at least this large is read row by row, and its job runs in a child process
# (as a demand upload's validation does): the serving worker keeps its GIL and its memory.
STREAM_MIN_BYTES = 1 << 20
API_MAX_ROWS = 1_000_000  # rows of one streamed CSV submission (64 MiB holds about 1.1 M)
INSTITUTION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
COHORT = r"^\d{4}-(0[1-9]|1[0-2])$"
WAVE = r"^(6m|12m)$"
ERROR_ID = r"^[0-9a-f]{32}$"
MEDIA = {"text/csv": ".csv", XLSX: ".xlsx", "application/json": ".json"}
INSTITUTION_PATH = f"{API}/institutions/{{institution_id}}/tracer"
PUT_ROUTE = f"PUT {INSTITUTION_PATH}/{{cohort}}/{{wave}}"
_404 = {404: {"model": ErrorOut, "description": "no such institution (or not yours)"}}

InstitutionId = Annotated[str, Path(pattern=INSTITUTION_ID, max_length=64)]
Cohort = Annotated[str, Path(pattern=COHORT, description="YYYY-MM")]
Wave = Annotated[str, Path(pattern=WAVE, description="6m | 12m")]


# --- shared -----------------------------------------------------------------------------


def _scope(principal: Principal, institution_id: str) -> None:
    """An institution key may name only its own institution (404 otherwise)."""
    if principal.role == INSTITUTION and principal.institution_id != institution_id:
        raise NotFound("no such institution")


def _actor(principal: Principal) -> str:
    return f"api-key:{principal.key_id}" if principal.key_id is not None else principal.role


def _audit(
    ctx: Ctx,
    request_id: str | None,
    route: str,
    principal: Principal,
    status: int,
    t0: float | None = None,
) -> None:
    """One audit row: the route template, role, key and status (no identifiers)."""

    ctx.audit.submit(
        audit_row(
            request_id=(request_id or "-")[:64],
            route=route[:200],
            role=principal.role,
            status=status,
            api_key_id=principal.key_id,
            latency_ms=(time.perf_counter() - t0) * 1e3 if t0 is not None else None,
        )
    )


def _institutions(engine: Any) -> dict[str, str]:
    """institution_id → name, from the catalogue."""

    t = Programme.__table__
    with engine.connect() as conn:
        return dict(conn.execute(select(t.c.institution_id, t.c.institution_name).distinct()).all())


def _iso(v: Any) -> str | None:
    return v.isoformat() if v is not None else None


# --- templates --------------------------------------------------------------------------


def _file_doc(*media: str) -> dict:
    return {
        200: {
            "description": "the file, as an attachment",
            "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in media},
        }
    }


@router.get("/tracer/template", response_class=Response, responses=_file_doc(XLSX, "text/csv"))
def template(
    format: Literal["xlsx", "csv"] = Query("xlsx"),  # noqa: A002 - the query name
    kind: Literal["records", "aggregates"] = Query("records"),
) -> Response:
    """The submission template: XLSX (Vietnamese headings, instructions, allowed values)
    or CSV (the header row), for individual ``records`` or cohort ``aggregates``."""

    with tempfile.TemporaryDirectory() as d:
        path = FilePath(d) / f"tracer-{kind}.{format}"
        write_template(path, format, kind)
        content = path.read_bytes()
    media = XLSX if format == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="tracer-{kind}.{format}"'},
    )


# --- submission -------------------------------------------------------------------------


class _Refused(Unprocessable):
    """A refused submission: every error (capped), their total, and the error file."""


def _issue(i: Any) -> dict[str, Any]:
    d = i.as_dict() if hasattr(i, "as_dict") else dict(i)
    return {**d, "message": f"{d['message_vi']} / {d['message_en']}"}


def _file_refused(exc: Any) -> _Refused:
    detail = {
        "row": None,
        "column": None,
        "rule": "file",
        "message_vi": exc.vi,
        "message_en": exc.en,
        "severity": "error",
        "message": f"{exc.vi} / {exc.en}",
    }
    return _Refused(
        f"tệp không đọc được / the file cannot be read: {exc.en}",
        details=[detail],
        details_total=1,
        extra={"error_file_url": None},
    )


def _safe_name(filename: str | None, media: str) -> str:
    """A plain ASCII file name with the extension of the media type."""
    stem = FilePath((filename or "").replace("\\", "/")).stem if filename else "upload"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:80] or "upload"
    return stem + MEDIA[media]


def _error_url(institution_id: str, error_id: str) -> str:
    return f"{API}/institutions/{institution_id}/tracer/errors/{error_id}"


def _process(
    ctx: Ctx,
    path: FilePath,
    institution_id: str,
    cohort: str,
    wave: str,
    name: str,
    media: str,
    actor: str,
    *,
    progress: Any = None,
    cancel: Any = None,
    on_commit: Any = None,
) -> Any:
    """Read, validate and store the spooled file; raises :class:`_Refused` (nothing was
    written but the annotated copy) or :class:`Conflict`. ``progress`` (a job's, which
    writes to the database) is called only outside the version's write transaction (a
    second writer inside it would wait for it on SQLite); ``cancel()`` is a read, checked
    per chunk inside it."""

    if progress is not None:
        progress(0, None)
    if media == "text/csv" and path.stat().st_size >= STREAM_MIN_BYTES:
        return _process_streamed(
            ctx,
            path,
            institution_id,
            cohort,
            wave,
            name,
            actor,
            progress=progress,
            cancel=cancel,
            on_commit=on_commit,
        )
    data = path.read_bytes()
    try:
        if media == XLSX and not data.startswith(b"PK\x03\x04"):
            raise TracerFileError(
                "the body was sent as XLSX but is not an XLSX workbook",
                "nội dung gửi dạng XLSX nhưng không phải tệp XLSX",
            )
        if (
            media != XLSX
            and data[:2] not in (b"\xff\xfe", b"\xfe\xff")
            and (b"\x00" in data or b"\\u0000" in data)
        ):
            # the edge lets NUL bytes through on this route (workbooks are full of them)
            raise TracerFileError(
                "the file holds NUL bytes: binary data (or UTF-16 without a byte-order "
                "mark), not CSV or JSON text; save it as CSV UTF-8 or XLSX",
                "tệp chứa byte NUL: dữ liệu nhị phân (hoặc UTF-16), không phải văn bản CSV "
                "hay JSON; hãy lưu lại dạng CSV UTF-8 hoặc XLSX",
            )
        sheet = read_bytes(data, ctx.secret, name, max_bytes=ctx.settings.max_upload_bytes)
        del data
        if not sheet.rows and not any(i.severity == "error" for i in sheet.issues):
            raise TracerFileError(
                "the file has a header but no rows",
                "tệp chỉ có dòng tiêu đề, không có dòng dữ liệu",
            )
    except TracerFileError as exc:
        raise _file_refused(exc) from None
    if progress is not None:
        progress(0, len(sheet.rows), force=True)

    def annotated(result: Any) -> tuple[str, str, bytes]:
        err_name = FilePath(name).stem + "-errors" + (".xlsx" if media == XLSX else ".csv")
        return (
            err_name,
            XLSX if media == XLSX else "text/csv; charset=utf-8",
            annotated_copy(sheet, result, err_name),
        )

    return _store(
        ctx,
        sheet,
        institution_id,
        cohort,
        wave,
        name,
        actor,
        annotated,
        cancel=cancel,
        on_commit=on_commit,
    )


def _process_streamed(
    ctx: Ctx,
    path: FilePath,
    institution_id: str,
    cohort: str,
    wave: str,
    name: str,
    actor: str,
    *,
    progress: Any = None,
    cancel: Any = None,
    on_commit: Any = None,
) -> Any:
    """A large CSV, read row by row (``tracer.read.read_path``: memory does not grow with
    the file, up to ``API_MAX_ROWS`` rows). A refusal's error file is the error list alone
    (``tracer.annotate.error_list_csv``): the raw file's learner references are never
    written back, and a copy would be as large as the upload."""

    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
        if b"\x00" in head and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
            raise TracerFileError(
                "the file holds NUL bytes: binary data, not CSV text; save it as CSV UTF-8 or XLSX",
                "tệp chứa byte NUL: dữ liệu nhị phân, không phải văn bản CSV; "
                "hãy lưu lại dạng CSV UTF-8 hoặc XLSX",
            )
        sheet = read_path(
            path, ctx.secret, max_bytes=ctx.settings.max_upload_bytes, max_rows=API_MAX_ROWS
        )
    except TracerFileError as exc:
        raise _file_refused(exc) from None
    if progress is not None:
        progress(0, None, force=True)
    return _store(
        ctx,
        sheet,
        institution_id,
        cohort,
        wave,
        name,
        actor,
        lambda result: (
            FilePath(name).stem + "-errors.csv",
            "text/csv; charset=utf-8",
            error_list_csv(result),
        ),
        cancel=cancel,
        on_commit=on_commit,
    )


def _store(
    ctx: Ctx,
    sheet: Any,
    institution_id: str,
    cohort: str,
    wave: str,
    name: str,
    actor: str,
    error_file: Any,
    *,
    cancel: Any = None,
    on_commit: Any = None,
) -> Any:
    """Validate and store a read sheet. A refusal keeps ``error_file(result)`` → (name,
    media type, bytes) for download and raises :class:`_Refused`; a file error met while a
    streamed sheet is read is refused the same way; a version stored at the same moment by
    another request is a :class:`Conflict`."""

    try:
        return store_tracer.submit(
            ctx.engine,
            institution_id,
            cohort,
            wave,
            sheet,
            ctx.secret,
            actor,
            filename=name,
            cancel=cancel,
            on_commit=on_commit,
        )
    except TracerFileError as exc:
        raise _file_refused(exc) from None
    except TracerRejected as exc:
        result = exc.result
        err_name, err_media, content = error_file(result)
        error_id = save_error_file(ctx.engine, institution_id, err_name, err_media, content)
        raise _Refused(
            f"bài nộp bị từ chối, không ghi gì: {result.n_errors} lỗi / the submission was "
            f"refused, nothing was written: {result.n_errors} error(s)",
            details=[_issue(e) for e in result.errors],
            details_total=result.n_errors,
            extra={"error_file_url": _error_url(institution_id, error_id)},
        ) from None
    except StoreError as exc:  # the write transaction wraps the driver's error
        if not isinstance(exc.__cause__, IntegrityError):
            raise
        raise Conflict(
            "another version of this cohort and wave was stored at the same "
            "moment; send the file again"
        ) from None


def _result(res: Any) -> dict[str, Any]:
    return {
        "submission_id": res.submission_id,
        "institution_id": res.institution_id,
        "cohort": res.cohort,
        "wave": res.wave,
        "version": res.version,
        "kind": res.kind,
        "rows": res.rows,
        "added": res.added,
        "changed": res.changed,
        "removed": res.removed,
        "warnings": list(res.warnings),
    }


def _prefers_async(prefer: str | None) -> bool:
    return any(
        p.strip().lower() == "respond-async" for p in (prefer or "").replace(";", ",").split(",")
    )


def _known(ctx: Ctx, institution_id: str) -> bool:
    return institution_id in _institutions(ctx.engine)


_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": {"type": "object"}, "maxItems": 300_000},
                        {
                            "type": "object",
                            "properties": {
                                "records": {"type": "array", "items": {"type": "object"}}
                            },
                            "required": ["records"],
                        },
                    ]
                }
            },
        },
    }
}


@router.put(
    "/institutions/{institution_id}/tracer/{cohort}/{wave}",
    response_model=TracerSubmissionResult,
    openapi_extra=_BODY,
    responses={
        **_404,
        202: {
            "model": JobAccepted,
            "description": "a job (large body, or Prefer: respond-async); poll status_url",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        409: {"model": ErrorOut, "description": "a concurrent version"},
        415: {"model": ErrorOut, "description": "not CSV, XLSX or JSON"},
    },
)
async def put_submission(
    request: Request,
    institution_id: InstitutionId,
    cohort: Cohort,
    wave: Wave,
    ctx: DbCtx,
    principal: Caller,
    filename: str | None = Query(
        None, max_length=200, description="the clerk's file name (names the error file)"
    ),
    prefer: str | None = Header(
        None, max_length=200, description="respond-async: always answer 202 with a job"
    ),
) -> Any:
    """Submit (a new version of) an institution's tracer data for a cohort and wave: CSV,
    XLSX or JSON records. Small bodies: 200 or 422 (every error and ``error_file_url``);
    large ones or ``Prefer: respond-async``: 202 and a job."""
    t0 = time.perf_counter()
    _scope(principal, institution_id)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in MEDIA:
        raise UnsupportedMediaType(f"send the file as text/csv, application/json or XLSX ({XLSX})")
    if not await run_in_threadpool(_known, ctx, institution_id):
        raise NotFound("no such institution")
    path, size = await spool_body(request, ctx, "tracer", MEDIA[media])
    name = _safe_name(filename, media)
    rid = getattr(request.state, "request_id", None)
    try:
        if size > ctx.settings.tracer_sync_max_bytes or _prefers_async(prefer):
            job_id = await run_in_threadpool(
                _create, ctx, path, institution_id, cohort, wave, name, media, size, principal, rid
            )
        else:
            try:
                res = await run_in_threadpool(
                    _process,
                    ctx,
                    path,
                    institution_id,
                    cohort,
                    wave,
                    name,
                    media,
                    _actor(principal),
                )
            except (_Refused, Conflict) as exc:
                _audit(ctx, rid, PUT_ROUTE, principal, exc.status, t0)
                raise
            finally:
                path.unlink(missing_ok=True)
            _audit(ctx, rid, PUT_ROUTE, principal, 200, t0)
            return _result(res)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    ctx.jobs.submit(job_id)
    _audit(ctx, rid, PUT_ROUTE, principal, 202, t0)
    url = f"{API}/jobs/{job_id}"
    return JSONResponse(
        {"job_id": job_id, "status": "queued", "status_url": url},
        status_code=202,
        headers={"Location": url},
    )


def _create(
    ctx: Ctx,
    path: FilePath,
    institution_id: str,
    cohort: str,
    wave: str,
    name: str,
    media: str,
    size: int,
    principal: Principal,
    rid: str | None,
) -> str:
    return create_job(
        ctx.engine,
        KIND,
        {
            "institution_id": institution_id,
            "cohort": cohort,
            "wave": wave,
            "spool": str(path),
            "filename": name,
            "media_type": media,
            "bytes": size,
            "role": principal.role,
            "actor": _actor(principal),
            "request_id": rid,
            **ctx.jobs.owner(),
        },
        api_key_id=principal.key_id,
    )


def _job_commit(job_id: str) -> Any:
    """``on_commit`` of a submission job: the job succeeds in the version's transaction."""

    def commit(conn: Any, res: Any) -> None:
        mark_succeeded(
            conn,
            job_id,
            {**_result(res), "warning_count": len(res.warnings)},
            message=f"stored version {res.version} ({res.rows:,} rows)",
            done=res.rows,
        )

    return commit


def _child(url: str, secret: bytes, max_upload: int, job_id: str, params: dict, out: str) -> None:
    """In a spawned child process (nice 10): read, validate and store the submission, the job
    marked succeeded in the version's transaction; the outcome is pickled to ``out``."""

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    engine = make_engine(url)
    ctx = SimpleNamespace(
        engine=engine, secret=secret, settings=SimpleNamespace(max_upload_bytes=max_upload)
    )
    progress = child_progress(engine, job_id)

    commit = _job_commit(job_id)
    p = params
    try:
        res = _process(
            ctx,
            FilePath(p["spool"]),
            p["institution_id"],
            p["cohort"],
            p["wave"],
            p["filename"],
            p["media_type"],
            p["actor"],
            progress=progress,
            cancel=lambda: cancel_requested(engine, job_id),
            on_commit=commit,
        )
        outcome: tuple = ("ok", _result(res))
    except _Refused as exc:
        outcome = ("refused", exc.message, exc.details, exc.details_total, exc.extra)
    except Conflict as exc:
        outcome = ("conflict", exc.message)
    except (Cancelled, JobCancelled):
        outcome = ("cancelled",)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, never a traceback
        outcome = ("error", type(exc).__name__)
    finally:
        engine.dispose()
    run_child_outcome(out, outcome)


def _process_in_child(ctx: Ctx, job: Any, path: FilePath, progress: Any) -> None:
    """:func:`_process` in a child process; raises what ``_process`` would have raised."""

    outcome = in_child(
        _child,
        (ctx.settings.database_url, ctx.secret, ctx.settings.max_upload_bytes, job.id, job.params),
        FilePath(str(path) + ".outcome"),
        progress,
        "guidance-tracer",
    )
    kind = outcome[0]
    if kind == "refused":
        raise _Refused(outcome[1], details=outcome[2], details_total=outcome[3], extra=outcome[4])
    if kind == "conflict":
        raise Conflict(outcome[1])
    if kind == "cancelled":
        raise JobCancelled("cancelled; nothing was committed")
    if kind == "error":
        raise RuntimeError(f"the submission process failed ({outcome[1]})")


def run_tracer_submission(ctx: Ctx, job: Any, progress: Any) -> None:
    """The runner function of kind ``tracer_submission`` (see ``guidance.api.jobs``): the
    job is marked succeeded inside the transaction that writes the version."""

    p = job.params or {}
    path = FilePath(p["spool"])
    principal = Principal(p.get("role", INSTITUTION), job.api_key_id, p["institution_id"])
    status = 500

    commit = _job_commit(job.id)

    def cancel() -> bool:
        j = get_job(ctx.engine, job.id)
        return j is None or j.cancel_requested

    try:
        if path.stat().st_size >= STREAM_MIN_BYTES:
            _process_in_child(ctx, job, path, progress)
        else:
            _process(
                ctx,
                path,
                p["institution_id"],
                p["cohort"],
                p["wave"],
                p["filename"],
                p["media_type"],
                p["actor"],
                progress=progress,
                cancel=cancel,
                on_commit=commit,
            )
        status = 200
    except (Cancelled, JobCancelled):
        status = 499  # cancelled (or the runner is stopping): nothing was written
        raise JobCancelled(job.id) from None
    except _Refused as exc:
        status = 422
        raise JobFailed(
            exc.message,
            exc.details,
            {
                "error_count": exc.details_total or len(exc.details or []),
                "error_file_url": (exc.extra or {}).get("error_file_url"),
            },
        ) from None
    except Conflict as exc:
        status = 409
        raise JobFailed(exc.message) from None
    finally:
        path.unlink(missing_ok=True)
        _audit(ctx, p.get("request_id"), PUT_ROUTE + " (job)", principal, status)


# --- reading, withdrawal, error files, coverage ------------------------------------------


def _submission_out(s: dict[str, Any]) -> TracerSubmissionOut:
    return TracerSubmissionOut(
        submission_id=s["id"],
        institution_id=s["institution_id"],
        cohort=s["cohort"],
        wave=s["wave"],
        version=s["version"],
        kind=s["kind"],
        created_at=_iso(s["created_at"]),
        rows=s["row_count"],
        content_hash=s["content_hash"],
        warning_count=len(s["warnings"] or []),
        withdrawn=s["withdrawn_at"] is not None,
        withdrawn_at=_iso(s["withdrawn_at"]),
        withdrawn_reason=s["withdrawn_reason"],
    )


def _submissions(ctx: Ctx, institution_id: str | None) -> TracerSubmissionList:
    subs = sorted(
        list_submissions(ctx.engine, institution_id),
        key=lambda s: (s["created_at"], s["id"]),
        reverse=True,
    )
    return TracerSubmissionList(total=len(subs), items=[_submission_out(s) for s in subs])


@router.get(
    "/institutions/{institution_id}/tracer", response_model=TracerSubmissionList, responses=_404
)
def institution_submissions(
    institution_id: InstitutionId, ctx: DbCtx, principal: Caller
) -> TracerSubmissionList:
    """Every submission version of the institution, newest first (withdrawn ones flagged,
    with the reason)."""
    _scope(principal, institution_id)
    return _submissions(ctx, institution_id)


@router.get("/tracer/submissions", response_model=TracerSubmissionList)
def all_submissions(
    ctx: DbCtx, institution_id: str | None = Query(None, pattern=INSTITUTION_ID, max_length=64)
) -> TracerSubmissionList:
    """Admin: every submission version of every institution (or of one), newest first."""
    return _submissions(ctx, institution_id)


@router.get(
    "/institutions/{institution_id}/tracer/coverage", response_model=TracerCoverage, responses=_404
)
def institution_coverage(
    institution_id: InstitutionId, ctx: DbCtx, principal: Caller
) -> TracerCoverage:
    """The institution's coverage per cohort and wave (current versions): graduates known,
    surveyed, responded, response rate."""

    _scope(principal, institution_id)
    return TracerCoverage(
        items=[TracerCoverageRow(**r) for r in coverage(ctx.engine, institution_id)]
    )


@router.get("/tracer/coverage", response_model=TracerNationalCoverage)
def national_coverage(ctx: DbCtx) -> TracerNationalCoverage:
    """Admin: every institution of the catalogue × every (cohort, wave) any institution
    has submitted, ``submitted`` / ``withdrawn`` / ``missing`` with the coverage figures."""

    names = _institutions(ctx.engine)
    subs = list_submissions(ctx.engine)
    current = {(r["institution_id"], r["cohort"], r["wave"]): r for r in coverage(ctx.engine)}
    ever = {(s["institution_id"], s["cohort"], s["wave"]) for s in subs}
    pairs = sorted({(s["cohort"], s["wave"]) for s in subs})
    ids = sorted(set(names) | {s["institution_id"] for s in subs})
    items = []
    for inst in ids:
        for cohort, wave in pairs:
            key = (inst, cohort, wave)
            row = current.get(key)
            status = "submitted" if row else ("withdrawn" if key in ever else "missing")
            base = row or {
                "institution_id": inst,
                "cohort": cohort,
                "wave": wave,
                "version": None,
                "kind": None,
                "graduates_known": None,
                "surveyed": None,
                "responded": None,
                "response_rate": None,
            }
            items.append(TracerNationalRow(**base, institution_name=names.get(inst), status=status))
    counts = {k: sum(i.status == k for i in items) for k in ("submitted", "withdrawn", "missing")}
    return TracerNationalCoverage(
        cohort_waves=[f"{c} {w}" for c, w in pairs], institutions=len(ids), items=items, **counts
    )


@router.get(
    "/institutions/{institution_id}/tracer/errors/{error_id}",
    response_class=Response,
    responses={**_404, **_file_doc(XLSX, "text/csv")},
)
def error_file(
    institution_id: InstitutionId,
    error_id: Annotated[str, Path(pattern=ERROR_ID)],
    ctx: DbCtx,
    principal: Caller,
) -> Response:
    """The annotated copy of a refused upload: the clerk's file with an error column (XLSX
    for an XLSX upload, else CSV); ``learner_ref`` cells hold pseudonyms. Kept 30 days,
    the newest 50 per institution."""

    _scope(principal, institution_id)
    f = get_error_file(ctx.engine, institution_id, error_id)
    if f is None:
        raise NotFound("no such error file (they are kept 30 days)")
    return Response(
        f.content,
        media_type=f.media_type,
        headers={"Content-Disposition": f'attachment; filename="{f.filename}"'},
    )


@router.get(
    "/institutions/{institution_id}/tracer/{cohort}/{wave}/{version}",
    response_model=TracerRowsPage,
    responses=_404,
)
def read_rows(
    institution_id: InstitutionId,
    cohort: Cohort,
    wave: Wave,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    ctx: DbCtx,
    principal: Caller,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> TracerRowsPage:
    """The stored rows of one version (older and withdrawn versions too), paged;
    graduates appear as pseudonyms only."""

    _scope(principal, institution_id)
    sub = next(
        (
            s
            for s in list_submissions(ctx.engine, institution_id)
            if (s["cohort"], s["wave"], s["version"]) == (cohort, wave, version)
        ),
        None,
    )
    if sub is None:
        raise NotFound("no such submission version")
    try:
        rows = read_version(ctx.engine, institution_id, cohort, wave, version)
    except TracerNotFound:
        raise NotFound("no such submission version") from None
    key = "pseudonym" if sub["kind"] == "records" else "programme_id"
    rows.sort(key=lambda r: str(r.get(key)))
    items = [
        {k: v for k, v in r.items() if k != "submission_id"} for r in rows[offset : offset + limit]
    ]
    return TracerRowsPage(
        institution_id=institution_id,
        cohort=cohort,
        wave=wave,
        version=version,
        kind=sub["kind"],
        withdrawn=sub["withdrawn_at"] is not None,
        total=len(rows),
        items=items,
    )


@router.post(
    "/institutions/{institution_id}/tracer/{cohort}/{wave}/withdraw",
    response_model=TracerWithdrawOut,
    responses=_404,
)
def withdraw_submission(
    request: Request,
    institution_id: InstitutionId,
    cohort: Cohort,
    wave: Wave,
    body: TracerWithdrawRequest,
    ctx: DbCtx,
    principal: Caller,
) -> TracerWithdrawOut:
    """Withdraw the current version (or ``version``) with a reason; the previous version
    becomes current again. 404 when there is none to withdraw."""

    _scope(principal, institution_id)
    rid = getattr(request.state, "request_id", None)
    route = f"POST {INSTITUTION_PATH}/{{cohort}}/{{wave}}/withdraw"
    if not body.reason.strip():
        raise Unprocessable(
            "a withdrawal needs a reason",
            details=[
                {
                    "loc": ["body", "reason"],
                    "msg": "blank",
                    "msg_vi": "không được để trống",
                    "type": "value_error",
                }
            ],
        )
    try:
        v = withdraw(
            ctx.engine, institution_id, cohort, wave, body.reason, _actor(principal), body.version
        )
    except TracerNotFound:
        _audit(ctx, rid, route, principal, 404)
        raise NotFound("no current submission to withdraw") from None
    _audit(ctx, rid, route, principal, 200)
    return TracerWithdrawOut(
        institution_id=institution_id,
        cohort=cohort,
        wave=wave,
        version=v,
        reason=body.reason.strip()[:500],
    )


@router.post("/tracer/forget", response_model=TracerForgetOut)
def forget_graduate(
    request: Request, body: TracerForgetRequest, ctx: DbCtx, principal: Caller
) -> TracerForgetOut:
    """Admin: a graduate's deletion request: every row of that ``learner_ref`` (all
    institutions, waves and versions) is deleted; the tracer events log the count only."""

    if not body.learner_ref.strip():
        raise Unprocessable(
            "learner_ref is blank",
            details=[
                {
                    "loc": ["body", "learner_ref"],
                    "msg": "blank",
                    "msg_vi": "không được để trống",
                    "type": "value_error",
                }
            ],
        )
    n = forget(ctx.engine, body.learner_ref, ctx.secret, _actor(principal))
    _audit(
        ctx, getattr(request.state, "request_id", None), f"POST {API}/tracer/forget", principal, 200
    )
    return TracerForgetOut(rows_deleted=n)

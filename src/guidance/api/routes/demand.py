"""Demand: read by province, occupation and period; replace a period by CSV upload.

An upload is a job: ``PUT`` streams the body to a spool file (never whole in memory) and
answers 202 with the job's id and status URL. The worker's job runner validates the file
against the data contract in chunks (bounded memory, uniqueness checked across chunks);
any error ends the job ``failed`` with every bad row, column and rule (the first 1,000
and the total), and the database is not touched. A valid upload replaces the period in
ONE transaction that also records the job's success, so a client never sees ``failed``
for a committed upload; the recommender then switches to the newest period (other
workers at their next poll). A cancel before that commit leaves everything unchanged.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import time
from pathlib import Path as FilePath
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

import guidance.store.demand as store_demand
from guidance.api.deps import Caller, Ctx, DbCtx, authorize
from guidance.api.errors import Conflict, Unprocessable
from guidance.api.jobs import JobFailed
from guidance.api.routes._jobs import (
    child_progress,
    in_child,
    job_out,
    own_job,
    run_child_outcome,
    spool_body,
)
from guidance.api.routes.catalogue import frame_records
from guidance.api.schemas import ERRORS, DemandPage, DemandRowOut, JobAccepted, JobOut
from guidance.api.security import Principal
from guidance.contract import Context, ValidationReport, check_table
from guidance.contract.coerce import csv_header, duplicate_names
from guidance.contract.report import TableInfo
from guidance.store.db import make_engine
from guidance.store.demand import (
    SNAPSHOTS,
    get_snapshot,
    latest_period,
    replace_demand_period,
)
from guidance.store.jobs import (
    INTERRUPTED,
    JobCancelled,
    cancel_requested,
    create_job,
    mark_succeeded,
    request_cancel,
)
from guidance.store.serving import read_catalogue

router = APIRouter(
    prefix="/api/v1", tags=["demand"], dependencies=[Depends(authorize)], responses=ERRORS
)
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_ROWS = 1_000_000
CHUNK_ROWS = 50_000
# A file at least this large is validated in a child process (about 3–5 s to start one here,
# paid back when the check itself takes seconds of CPU that would otherwise compete with
# serving for the worker's GIL); a smaller one (≈ 20,000 rows and less) in the runner thread.
CHILD_MIN_BYTES = 1 << 20
MAX_ISSUES = 1000  # errors and warnings kept per job (the totals are counted)
KIND = "demand_upload"
JOB_ID = r"^[0-9a-f]{32}$"


@router.get("/demand", response_model=DemandPage)
def demand(
    ctx: DbCtx,
    province: str | None = Query(None, max_length=8),
    occupation: str | None = Query(None, max_length=8),
    period: str | None = Query(None, pattern=PERIOD, description="default: newest"),
    limit: int = Query(1000, ge=1, le=10_000),
    offset: int = Query(0, ge=0),
) -> DemandPage:
    period = period or latest_period(ctx.engine)
    df = (
        store_demand.get_demand(ctx.engine, period=period, province=province, occupation=occupation)
        if period
        else None
    )
    if df is None:
        return DemandPage(period=None, total=0, items=[])
    part = df.iloc[offset : offset + limit]
    return DemandPage(
        period=period, total=len(df), items=[DemandRowOut(**r) for r in frame_records(part)]
    )


def _issue(
    rule: str,
    message: str,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    severity: str = "error",
    message_vi: str | None = None,
) -> dict:
    """One finding. ``row`` is the SPREADSHEET row (the header is row 1, the first data
    row is row 2), the number a spreadsheet shows beside the line; ``message`` is English,
    ``message_vi`` Vietnamese (both without the row and column, which have their fields)."""
    return {
        "table": "demand",
        "row": row,
        "column": column,
        "rule": rule,
        "message": message,
        "message_en": message,
        "message_vi": message_vi or _vi(rule, column, value, message),
        "value": value,
        "severity": severity,
    }


# The contract's own messages start with where the issue is ("demand row 7 (line 8),
# column vacancies: …"): row and column have their own fields, so the place is dropped.
_PLACE = re.compile(r"^demand(?: row \d+)?(?: \(line \d+\))?(?:, column [^:]+)?: ")
_FIRST_AT = re.compile(r"first at row (\d+)")


def _vi_num(v: object) -> str:
    """1234567.5 → "1.234.567,5" (Vietnamese grouping and decimal comma)."""
    try:
        x = float(str(v))
    except (TypeError, ValueError):
        return str(v)
    text = f"{x:,.0f}" if x.is_integer() else f"{x:,.2f}".rstrip("0")
    return text.translate(str.maketrans(",.", ".,"))


def _vi(rule: str, column: str | None, value: object, english: str) -> str:
    """The Vietnamese message of a finding (its rule, column and value)."""
    from guidance.contract.schema import DEMAND

    col = DEMAND.by_name.get(column or "")
    v = "" if value is None else str(value)
    first = _FIRST_AT.search(english)
    if rule == "required":
        return f"ô trống, nhưng cột {column} là bắt buộc"
    if rule == "type":
        kind = {"int": "số nguyên", "float": "số"}.get(col.kind if col else "", "giá trị hợp lệ")
        return f"“{v}” không phải {kind}"
    if rule == "range" and col is not None:
        try:
            above = col.min is None or float(v) > col.min
        except ValueError:
            above = True
        if col.max is None or not above:
            return f"{_vi_num(v)} nhỏ hơn {_vi_num(col.min)}"
        if col.max >= 2**31 - 1:  # only the storage bound: the largest value a cell holds
            return f"{_vi_num(v)} lớn hơn {_vi_num(col.max)}, giá trị lớn nhất cột chứa được"
        return f"{_vi_num(v)} nằm ngoài khoảng {_vi_num(col.min)}–{_vi_num(col.max)}"
    if rule == "enum" and column == "province_code":
        return f"mã tỉnh/thành “{v}” không có trong danh mục"
    if rule == "enum" and column == "occupation_code":
        return f"mã nghề “{v}” không có trong danh mục"
    if rule == "enum":
        return f"“{v}” không phải giá trị cho phép"
    if rule == "format":
        return f"“{v}” sai định dạng của cột {column}"
    if rule == "max_length":
        return f"dài {len(v):,} ký tự, quá độ dài cột cho phép".replace(",", ".")
    if rule == "unique":
        where = f" ở dòng {first.group(1)}" if first else ""
        return f"trùng kỳ, tỉnh/thành và nghề với một dòng trước{where}"
    if rule == "missing_column":
        return f"thiếu cột bắt buộc {column or v}"
    if rule == "encoding":
        return "tệp không phải văn bản UTF-8 (hãy lưu lại dạng CSV UTF-8)"
    if rule == "empty":
        return "tệp không có dòng số liệu nào"
    if rule == "csv":
        return "không đọc được tệp CSV (kiểm tra dấu phẩy và dấu ngoặc kép)"
    if rule == "max_rows":
        return f"tệp quá {_vi_num(MAX_ROWS)} dòng"
    catalogue = _rule_texts()
    text = catalogue.get(f"rule.{rule}", rule)
    return f"{text}: “{v}”" if v else text


def _rule_texts() -> dict[str, str]:
    from guidance.web.i18n import catalogue

    return catalogue("vi")


def _sheet_row(data_row: int | None) -> int | None:
    """A 1-based data row as the spreadsheet row (the header is row 1)."""
    return None if data_row is None else int(data_row) + 1


def _from_report(r: dict) -> dict:
    """A contract report record as the upload's finding: spreadsheet row, messages in
    both languages without the place, the data rows it names turned to spreadsheet rows."""
    english = _FIRST_AT.sub(
        lambda m: f"first at row {int(m.group(1)) + 1}", _PLACE.sub("", r["message"])
    )
    return _issue(
        r["rule"],
        english,
        _sheet_row(r["row"]),
        r["column"],
        r["value"],
        r["severity"],
    )


class _Issues:
    """Capped lists of errors and warnings with exact totals; a table-level finding
    (no row) is kept once even though every chunk reports it again."""

    def __init__(self) -> None:
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self.error_count = 0
        self.warning_count = 0
        self.rows = 0  # data rows read
        self._seen: set = set()

    def add(self, issue: dict, count: int = 1) -> None:
        if issue["row"] is None:
            key = (issue["rule"], issue["column"], issue["severity"])
            if key in self._seen:
                return
            self._seen.add(key)
        if issue["severity"] == "error":
            self.error_count += count
            if len(self.errors) < MAX_ISSUES:
                self.errors.append(issue)
        else:
            self.warning_count += count
            if len(self.warnings) < MAX_ISSUES:
                self.warnings.append(issue)

    def add_report(self, report: Any) -> None:
        records = report.to_records()
        shown: dict = {}
        table_level: set = set()
        for r in records:
            k = (r["table"], r["column"], r["rule"], r["severity"])
            shown[k] = shown.get(k, 0) + 1
            if r["row"] is None:
                table_level.add(k)
            self.add(_from_report(r))
        for k, n in report.counts.items():  # cells counted but not listed
            if k in table_level:
                continue
            extra = n - shown.get(k, 0)
            if extra > 0:
                if k[3] == "error":
                    self.error_count += extra
                else:
                    self.warning_count += extra

    def summary(self) -> dict:
        return {
            "warnings": self.warnings,
            "warning_count": self.warning_count,
            "error_count": self.error_count,
        }


def _check_text(path: FilePath, issues: _Issues) -> int:
    """UTF-8 check and line count in one streaming pass; returns the number of lines."""
    dec = codecs.getincrementaldecoder("utf-8")()
    pos, lines, blank = 0, 0, True
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as exc:
                issues.add(
                    _issue(
                        "encoding",
                        f"the upload is not UTF-8 text: invalid UTF-8 at byte {pos + exc.start}",
                    )
                )
                return lines
            if blank and chunk.strip():
                blank = False
            lines += chunk.count(b"\n")
            pos += len(chunk)
    try:
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        issues.add(_issue("encoding", f"the upload is not UTF-8 text: truncated at byte {pos}"))
    if blank:
        issues.add(_issue("empty", "the upload is empty"))
    return lines


def validate_spool(
    path: FilePath, period: str, engine: Any, progress: Any, chunk_rows: int | None = None
) -> tuple[Any, _Issues]:
    """Validate the spooled CSV in chunks of ``CHUNK_ROWS``. Returns the typed rows (None
    when any error was found: rows are then no longer kept, only counted) and the issues."""

    issues = _Issues()
    lines = _check_text(path, issues)
    if issues.error_count:
        return None, issues
    header = csv_header(path)
    dups = duplicate_names(header)
    tables = read_catalogue(engine)
    context = Context.from_tables({k: v for k, v in tables.items() if len(v)})
    total = max(lines - 1, 0)
    if total > MAX_ROWS:
        issues.add(_issue("max_rows", f"about {total:,} rows; at most {MAX_ROWS:,}"))
        return None, issues
    progress(0, total, force=True)
    keys: dict[tuple, int] = {}  # (province, occupation) -> first row, across chunks
    kept: list = []
    done = 0
    try:
        # the reader holds the file open: closed however the loop ends (a cancel or a
        # stopping runner raises from progress() in the middle of it)
        with pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            chunksize=chunk_rows or CHUNK_ROWS,
        ) as reader:
            for i, chunk in enumerate(reader):
                chunk.columns = [str(c).strip() for c in chunk.columns]
                chunk.attrs["duplicate_columns"] = dups
                report = ValidationReport(max_examples=MAX_ISSUES, row_offset=done)
                report.tables["demand"] = TableInfo(done + len(chunk), f"demand-{period}.csv")
                typed = check_table(
                    "demand", chunk, context=context, report=report, header=(i == 0)
                )
                issues.add_report(report)
                _cross_chunk(typed, period, done, keys, issues)
                if issues.error_count:
                    kept = []  # an error anywhere: the rest is only checked, not kept
                else:
                    kept.append(typed)
                done += len(chunk)
                if done > MAX_ROWS:
                    issues.add(_issue("max_rows", f"more than {MAX_ROWS:,} rows"))
                    break
                progress(done, max(total, done))
    except (ValueError, pd.errors.ParserError) as exc:
        issues.add(
            _issue("csv", "the upload is not a readable CSV: " + str(exc).splitlines()[0][:300])
        )
    issues.rows = done
    if not done and not issues.error_count:
        issues.add(_issue("empty", "the upload has a header but no rows"))
    if issues.error_count:
        return None, issues
    return pd.concat(kept, ignore_index=True), issues


def _cross_chunk(typed: Any, period: str, offset: int, keys: dict, issues: _Issues) -> None:
    """Period of every row, and (province, occupation) unique across chunks (repeats within
    a chunk are the contract's own ``unique`` check)."""
    if "period" in typed.columns:
        per = typed["period"]
        for r in per.index[(per.notna() & (per != period)).to_numpy()]:
            issues.add(
                _issue(
                    "period_mismatch",
                    f"period {per.iat[r]!r} in an upload for {period}",
                    _sheet_row(offset + int(r) + 1),
                    "period",
                    per.iat[r],
                    message_vi=f"kỳ “{per.iat[r]}” trong tệp tải lên cho kỳ {period}",
                )
            )
    if not {"province_code", "occupation_code"} <= set(typed.columns):
        return
    local: set = set()  # keys first seen in this chunk
    here: set = set()  # keys met in this chunk (a second one is the contract's ``unique``)
    for r, key in enumerate(zip(typed["province_code"], typed["occupation_code"], strict=True)):
        if key[0] is None or key[1] is None or key[0] != key[0] or key[1] != key[1]:
            continue
        first_here = key not in here
        here.add(key)
        if key in keys and key not in local and first_here:
            issues.add(
                _issue(
                    "unique",
                    f"duplicate (period, province_code, occupation_code) {key!r}, first "
                    f"at row {_sheet_row(keys[key])}",
                    _sheet_row(offset + r + 1),
                    "period+province_code+occupation_code",
                    "|".join((period, *key)),
                )
            )
        elif key not in keys:
            keys[key] = offset + r + 1
            local.add(key)


def _child(url: str, job_id: str, path: str, period: str, chunk_rows: int, out: str) -> None:
    """In a child process: validate, write ``(status, frame, issues)`` to ``out`` (pickle).
    The heavy pandas/pandera work holds the child's GIL, not the serving worker's, and runs
    at a lower CPU priority (nice 10), so that on a small machine the serving worker keeps
    its core while a large file is checked."""

    with contextlib.suppress(OSError, AttributeError):  # best effort (not on every OS)
        os.nice(10)

    engine = make_engine(url)
    progress = child_progress(engine, job_id)

    try:
        df, issues = validate_spool(FilePath(path), period, engine, progress, chunk_rows)
        result = ("done", df, issues)
    except JobCancelled:
        result = ("cancelled", None, None)
    finally:
        engine.dispose()
    run_child_outcome(out, result)


def _validate_in_child(
    ctx: Ctx, job: Any, path: FilePath, period: str, progress: Any
) -> tuple[Any, _Issues]:
    """``validate_spool`` in a spawned child process, so serving latency holds while a large
    file is checked; the child records progress and sees a cancel itself. A runner stop
    kills the child (nothing was written)."""

    status, df, issues = in_child(
        _child,
        (ctx.settings.database_url, job.id, str(path), period, CHUNK_ROWS),
        FilePath(str(path) + ".result"),
        progress,
        "guidance-validate",
    )
    if status == "cancelled":
        raise JobCancelled("cancelled; nothing was committed")
    progress(issues.rows, issues.rows, force=True)  # the parent's own cancel/stop check
    return df, issues


def _cancel_check(engine: Any, job_id: str, progress: Any, every: float = 0.5) -> Any:
    """The callback for inside the write transaction: it only READS whether a cancel was
    asked (or the runner is stopping), at most every ``every`` s. Recording progress there
    would be a second write, which SQLite makes wait for the very transaction it is in."""

    last = [time.monotonic()]

    def check(_rows_written: int) -> None:
        if getattr(progress, "stopping", lambda: False)():
            raise JobCancelled(INTERRUPTED)
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            if cancel_requested(engine, job_id):
                raise JobCancelled("cancelled; nothing was committed")

    return check


def run_demand_upload(ctx: Ctx, job: Any, progress: Any) -> None:
    """The runner function of kind ``demand_upload`` (see ``guidance.api.jobs``)."""

    params = job.params or {}
    path, period = FilePath(params["spool"]), params["period"]
    try:
        if path.stat().st_size >= CHILD_MIN_BYTES:
            df, issues = _validate_in_child(ctx, job, path, period, progress)
        else:
            df, issues = validate_spool(path, period, ctx.engine, progress, CHUNK_ROWS)
        if df is None:
            raise JobFailed(
                f"the upload breaks the data contract ({issues.error_count:,} "
                "errors); nothing was changed",
                issues.errors,
                issues.summary(),
            )
        existed = get_snapshot(ctx.engine, period) is not None
        n = len(df)

        def commit(conn: Any, info: Any) -> None:
            serving = conn.execute(select(func.max(SNAPSHOTS.c.period))).scalar_one()
            mark_succeeded(
                conn,
                job.id,
                {
                    "period": info.period,
                    "row_count": info.row_count,
                    "content_hash": info.content_hash,
                    "replaced": existed,
                    "serving_demand_period": serving,
                    **issues.summary(),
                },
                message=f"committed {info.row_count:,} rows for {period}",
                done=n,
            )

        replace_demand_period(
            ctx.engine,
            period,
            df,
            uploaded_by=job.api_key_id,
            progress=_cancel_check(ctx.engine, job.id, progress),
            on_commit=commit,
        )
    finally:
        path.unlink(missing_ok=True)
    ctx.holder.refresh_demand()


@router.put(
    "/demand/{period}",
    status_code=202,
    response_model=JobAccepted,
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def upload(
    request: Request, period: Annotated[str, Path(pattern=PERIOD)], ctx: DbCtx, principal: Caller
) -> JSONResponse:
    """Admin: replace a period's demand snapshot with a CSV (data contract ``demand``), as
    a job: 202 with ``job_id`` and ``status_url`` (``Location``); poll the job."""
    path, size = await spool_body(request, ctx, f"demand-{period}", ".csv")
    try:
        if size == 0:
            raise Unprocessable("the upload is empty", details=[_issue("empty", "no data")])
        runner = ctx.jobs
        job_id = await run_in_threadpool(_create, ctx, path, period, size, principal)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    runner.submit(job_id)
    url = f"/api/v1/jobs/{job_id}"
    return JSONResponse(
        {"job_id": job_id, "status": "queued", "status_url": url},
        status_code=202,
        headers={"Location": url},
    )


def _create(ctx: Ctx, path: FilePath, period: str, size: int, principal: Principal) -> str:
    return create_job(
        ctx.engine,
        KIND,
        {"period": period, "spool": str(path), "bytes": size, **ctx.jobs.owner()},
        api_key_id=principal.key_id,
    )


@router.get("/jobs/{job_id}", response_model=JobOut)
def job_status(
    job_id: Annotated[str, Path(pattern=JOB_ID)], ctx: DbCtx, principal: Caller
) -> JobOut:
    """A job's status, progress, warnings, errors (first 1,000 and the total) and result
    (admin, or the key that created it)."""
    job = own_job(ctx, job_id, principal)
    if job.status == "succeeded" and job.kind == KIND:
        # the runner refreshes right after its commit; this closes the gap between the two,
        # so a client that saw "succeeded" is served the new demand by this worker
        ctx.holder.refresh_demand()
    return job_out(job)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def job_cancel(
    job_id: Annotated[str, Path(pattern=JOB_ID)], ctx: DbCtx, principal: Caller
) -> JobOut:
    """Cancel a job that has not committed: it ends ``cancelled`` and nothing changes. 409
    when it already committed (``succeeded``)."""

    job = own_job(ctx, job_id, principal)
    if job.status == "succeeded":
        raise Conflict("the job already committed; it cannot be cancelled")
    job = request_cancel(ctx.engine, job_id)
    if job.status == "succeeded":
        raise Conflict("the job already committed; it cannot be cancelled")
    return job_out(job)

"""Demand: read by province, occupation and period; replace a period by CSV upload.

An upload is validated against the data contract first; any error gives 422 with every
bad row, column and rule, and the database is not touched. A valid upload replaces the
period in one transaction, and the recommender switches to the newest period at once
(other workers at their next poll).
"""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from guidance.api.deps import Caller, Ctx, DbCtx, authorize
from guidance.api.errors import Unprocessable
from guidance.api.routes.catalogue import _records
from guidance.api.schemas import ERRORS, DemandPage, DemandRowOut, UploadOut
from guidance.api.security import Principal

router = APIRouter(prefix="/api/v1", tags=["demand"], dependencies=[Depends(authorize)],
                   responses=ERRORS)
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_ROWS = 1_000_000


@router.get("/demand", response_model=DemandPage)
def demand(ctx: DbCtx,
           province: str | None = Query(None, max_length=8),
           occupation: str | None = Query(None, max_length=8),
           period: str | None = Query(None, pattern=PERIOD, description="default: newest"),
           limit: int = Query(1000, ge=1, le=10_000),
           offset: int = Query(0, ge=0)) -> DemandPage:
    from guidance.store.demand import get_demand, latest_period

    period = period or latest_period(ctx.engine)
    df = get_demand(ctx.engine, period=period, province=province, occupation=occupation) \
        if period else None
    if df is None:
        return DemandPage(period=None, total=0, items=[])
    part = df.iloc[offset:offset + limit]
    return DemandPage(period=period, total=len(df),
                      items=[DemandRowOut(**r) for r in _records(part)])


def _issue(rule: str, message: str, row: int | None = None, column: str | None = None,
           value: object = None) -> dict:
    return {"table": "demand", "row": row, "column": column, "rule": rule, "message": message,
            "value": value, "severity": "error"}


def validate_upload(raw: bytes, period: str, ctx: Ctx):  # noqa: ANN201 - DataFrame
    """The typed frame, or ``Unprocessable`` listing every problem found."""
    import pandas as pd

    from guidance.api.data import read_catalogue
    from guidance.contract import Context, ValidationReport, check_table
    from guidance.contract.report import TableInfo

    if not raw.strip():
        raise Unprocessable("the upload is empty", details=[_issue("empty", "no data")])
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unprocessable("the upload is not UTF-8 text", details=[_issue(
            "encoding", f"invalid UTF-8 at byte {exc.start}")]) from None
    try:
        df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError) as exc:
        raise Unprocessable("the upload is not a readable CSV", details=[_issue(
            "csv", str(exc).splitlines()[0][:300])]) from None
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) > MAX_ROWS:
        raise Unprocessable(f"more than {MAX_ROWS} rows", details=[_issue(
            "max_rows", f"{len(df)} rows")])
    tables = read_catalogue(ctx.engine)
    context = Context.from_tables({k: v for k, v in tables.items() if len(v)})
    report = ValidationReport()
    report.tables["demand"] = TableInfo(len(df), f"demand-{period}.csv")
    typed = check_table("demand", df, context=context, report=report)
    issues = [i for i in report.to_records() if i["severity"] == "error"]
    if "period" in typed.columns:
        other = typed["period"].notna() & (typed["period"] != period)
        for r in other[other].index[:1000]:
            issues.append(_issue("period_mismatch", f"row {r + 1}: period "
                                 f"{typed['period'].iat[r]!r} in an upload for {period}",
                                 int(r) + 1, "period", typed["period"].iat[r]))
    if not len(df) and not issues:
        issues.append(_issue("empty", "the upload has a header but no rows"))
    if issues:
        raise Unprocessable("the upload breaks the data contract; nothing was changed",
                            details=issues)
    return typed


@router.put("/demand/{period}", response_model=UploadOut, openapi_extra={"requestBody": {
    "required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def upload(request: Request, period: Annotated[str, Path(pattern=PERIOD)],
                 ctx: DbCtx, principal: Caller) -> UploadOut:
    """Admin: replace a period's demand snapshot with a CSV (data contract ``demand``)."""
    raw = await request.body()
    return await run_in_threadpool(_replace, raw, period, ctx, principal)


def _replace(raw: bytes, period: str, ctx: Ctx, principal: Principal) -> UploadOut:
    from guidance.store.demand import get_snapshot, replace_demand_period

    df = validate_upload(raw, period, ctx)
    existed = get_snapshot(ctx.engine, period) is not None
    info = replace_demand_period(ctx.engine, period, df, uploaded_by=principal.key_id)
    ctx.holder.refresh_demand()
    cur = ctx.holder.current
    return UploadOut(period=info.period, row_count=info.row_count,
                     content_hash=info.content_hash, replaced=existed,
                     serving_demand_period=cur.demand_period if cur else None)

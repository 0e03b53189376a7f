"""The audit log: keyset pages (admins: everything; counsellors: their own requests) and a
streamed CSV export for admins."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from guidance.api.deps import Caller, DbCtx, authorize
from guidance.api.errors import Unprocessable
from guidance.api.routes._util import finite
from guidance.api.schemas import ERRORS, AuditOut, AuditPage
from guidance.api.security import ADMIN

router = APIRouter(
    prefix="/api/v1",
    tags=["feedback and audit"],
    dependencies=[Depends(authorize)],
    responses=ERRORS,
)

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_LIMIT = 1000
CURSOR_MAX = 100

Start = Annotated[date, Query(description=f"first day (UTC), inclusive; {FIRST_DAY} .. {LAST_DAY}")]
End = Annotated[
    date,
    Query(
        description=f"last day (UTC), inclusive; {FIRST_DAY} .. "
        f"{LAST_DAY}; before start: an empty answer"
    ),
]
Route = Annotated[
    str | None, Query(min_length=1, max_length=200, description="only this route (exact match)")
]
Role = Annotated[
    Literal["public", "counsellor", "admin", "institution"] | None,
    Query(description="only requests made with this role"),
]
RequestId = Annotated[
    str | None, Query(min_length=1, max_length=64, description="only this request id (exact match)")
]


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end + 1 day 00:00)`` in UTC, or 422 when a day is outside
    :data:`FIRST_DAY` .. :data:`LAST_DAY` (``date.max + 1 day`` would overflow)."""
    bad = [
        {
            "loc": ["query", name],
            "msg": f"must be between {FIRST_DAY} and {LAST_DAY}",
            "msg_vi": f"phải từ {FIRST_DAY:%d/%m/%Y} đến {LAST_DAY:%d/%m/%Y}",
            "type": "date_out_of_range",
        }
        for name, day in (("start", start), ("end", end))
        if not FIRST_DAY <= day <= LAST_DAY
    ]
    if bad:
        raise Unprocessable(f"audit dates must be between {FIRST_DAY} and {LAST_DAY}", details=bad)
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC)
    hi = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    return lo, hi


def encode_cursor(key: tuple[datetime, int]) -> str:
    at, last_id = key
    raw = f"{int(last_id)}|{at.astimezone(UTC).isoformat()}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor from :func:`encode_cursor` names; 422 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        id_text, at_text = raw.split("|", 1)
        last_id, at = int(id_text), datetime.fromisoformat(at_text)
        if at.tzinfo is None or not 0 <= last_id < 2**63:
            raise ValueError("not a cursor")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable(
            "cursor: not a cursor this service issued (use next_cursor of the previous page)",
            details=[
                {
                    "loc": ["query", "cursor"],
                    "msg": "invalid cursor",
                    "msg_vi": "con trỏ trang không hợp lệ",
                    "type": "invalid_cursor",
                }
            ],
        ) from exc
    return at, last_id


def _out(row: dict[str, Any]) -> AuditOut:
    return AuditOut(**{**finite(row), "created_at": row["created_at"].isoformat()})


@router.get("/audit", response_model=AuditPage)
def audit(
    ctx: DbCtx,
    principal: Caller,
    start: Start,
    end: End,
    route: Route = None,
    role: Role = None,
    request_id: RequestId = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = 100,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=CURSOR_MAX, description="next_cursor of the previous page"),
    ] = None,
) -> AuditPage:
    """Admins: the audit log for a date range, oldest first, one keyset page at a time.
    Counsellors: their own requests only. ``end`` before ``start`` is an empty page."""
    from guidance.store.audit import audit_page

    lo, hi = _day_bounds(start, end)
    after = decode_cursor(cursor) if cursor is not None else None
    if end < start:
        return AuditPage(items=[], next_cursor=None)
    own = None if principal.role == ADMIN else principal.key_id
    ctx.audit.flush()  # this worker's requests so far are in the table
    rows, nxt = audit_page(
        ctx.engine,
        lo,
        hi,
        limit=limit,
        after=after,
        api_key_id=own,
        route=route,
        role=role,
        request_id=request_id,
    )
    return AuditPage(
        items=[_out(r) for r in rows], next_cursor=encode_cursor(nxt) if nxt is not None else None
    )


CSV_COLUMNS = (
    "id",
    "created_at",
    "request_id",
    "route",
    "role",
    "api_key_id",
    "profile_hash",
    "model_version",
    "demand_period",
    "top_k",
    "latency_ms",
    "status",
)


def _csv_cell(value: Any) -> Any:
    from guidance.csvsafe import safe_cell

    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return safe_cell(value)


def csv_lines(rows: Iterator[dict[str, Any]], chunk: int = 500) -> Iterator[str]:
    """The CSV text (UTF-8 BOM first, for Excel) in pieces of ``chunk`` rows; every cell
    through :func:`guidance.csvsafe.safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(row.get(c)) for c in CSV_COLUMNS])
        if n % chunk == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


@router.get(
    "/audit.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the audit log as CSV (UTF-8 with BOM)"}
    },
)
def audit_csv(
    ctx: DbCtx,
    start: Start,
    end: End,
    route: Route = None,
    role: Role = None,
    request_id: RequestId = None,
) -> StreamingResponse:
    """Admins: the audit log for a date range as a CSV file, streamed (rows are read in
    keyset chunks, never all at once). Cells a spreadsheet would run as a formula start
    with an apostrophe."""
    from guidance.store.audit import iter_audit

    lo, hi = _day_bounds(start, end)
    ctx.audit.flush()
    rows: Iterator[dict[str, Any]] = (
        iter(())
        if end < start
        else iter(iter_audit(ctx.engine, lo, hi, route=route, role=role, request_id=request_id))
    )
    name = f"audit-{start.isoformat()}-{end.isoformat()}.csv"
    return StreamingResponse(
        (s.encode("utf-8") for s in csv_lines(rows)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

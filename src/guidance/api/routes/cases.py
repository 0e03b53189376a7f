"""A counsellor's caseload: the cases they saved through ``POST /api/v1/feedback`` (with the
learner's consent, and a guardian's under 16), follow-up notes, the enrolment recorded
later, and deletion on request.

Who sees what: a counsellor only the cases saved with their own key; an admin every case
(to answer a learner's deletion request whichever counsellor saved it). Another
counsellor's case is a 404, never a 403 (its existence is not revealed).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from guidance.api.deps import Caller, DbCtx, authorize
from guidance.api.errors import NotFound, Unprocessable
from guidance.api.schemas import ERRORS
from guidance.api.security import ADMIN, Principal

router = APIRouter(
    prefix="/api/v1",
    tags=["caseload"],
    dependencies=[Depends(authorize)],
    responses=cast(dict[int | str, dict[str, Any]], ERRORS),
)

MAX_PAGE = 100
FIRST_ENROLMENT, LAST_ENROLMENT = date(2000, 1, 1), date(2100, 12, 31)
CaseId = Annotated[int, Path(ge=1, le=2**62, description="the case's id (the feedback id)")]


class ShownItem(BaseModel):
    id: str
    rank: int
    score: float | None = None
    p_employed_12m: float | None = None
    p_job_matches_training: float | None = None
    p_completed: float | None = None
    wage_q25: float | None = None
    wage_q50: float | None = None
    wage_q75: float | None = None
    total_tuition_vnd: float | None = None
    distance_km: float | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1,
        max_length=4000,
        # not blank, and no NUL anywhere (the edge refuses NUL; the schema says so too)
        pattern=r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
        description="the follow-up note (not blank)",
    )


class NoteOut(BaseModel):
    id: int
    created_at: str
    api_key_id: int | None
    text: str


class EnrolmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    programme_id: str = Field(min_length=1, max_length=64, description="a catalogue programme")
    enrolled_on: date = Field(description="the day the learner enrolled (YYYY-MM-DD)")


class CaseSummary(BaseModel):
    id: int
    created_at: str
    api_key_id: int | None
    learner_id: str | None
    age: int | None
    home_province_code: str | None
    programme_id: str | None
    recommended_ids: list[str]
    override: bool
    enrolled_programme_id: str | None
    enrolled_on: str | None
    model_version: str | None
    demand_period: str | None


class ProgrammeLabel(BaseModel):
    """How a programme id reads to a person (the catalogue's names today)."""

    name_vi: str
    name_en: str | None
    institution_name: str | None
    province_code: str | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    programmes: dict[str, ProgrammeLabel] = Field(
        description="names of the programme ids the cases on this page mention"
    )
    total: int
    limit: int
    offset: int


class CaseOut(CaseSummary):
    reason: str | None
    consent_research: bool
    consent_case: bool
    consent_guardian: bool | None
    consent_at: str | None
    request_id: str | None
    profile: dict[str, Any]
    shown: list[ShownItem]
    enrolled_recorded_at: str | None
    notes: list[NoteOut]
    programmes: dict[str, ProgrammeLabel] = Field(
        description="names of the programme ids this case mentions"
    )


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def _owner(principal: Principal) -> int | None:
    return None if principal.role == ADMIN else principal.key_id


def _summary(row: dict[str, Any]) -> CaseSummary:
    return CaseSummary(**{k: _iso(row[k]) for k in CaseSummary.model_fields})


def _labels(engine: Any, rows: list[dict[str, Any]]) -> dict[str, ProgrammeLabel]:
    from guidance.store.catalogue import programme_labels  # lazy: like the other store reads

    ids: set[str] = set()
    for row in rows:
        ids.update(i for i in (row.get("programme_id"), row.get("enrolled_programme_id")) if i)
        ids.update(str(s["id"]) for s in row.get("shown") or ())
    return {k: ProgrammeLabel(**v) for k, v in programme_labels(engine, ids).items()}


def _case(row: dict[str, Any], labels: dict[str, ProgrammeLabel]) -> CaseOut:
    skip = ("notes", "shown", "programmes")
    fields = {k: _iso(row[k]) for k in CaseOut.model_fields if k not in skip}
    return CaseOut(
        **fields,
        programmes=labels,
        shown=[
            ShownItem(**{k: v for k, v in s.items() if k in ShownItem.model_fields})
            for s in row["shown"]
        ],
        notes=[NoteOut(**{k: _iso(n[k]) for k in NoteOut.model_fields}) for n in row["notes"]],
    )


def _no_case() -> NotFound:
    return NotFound(
        "case: no such case of yours",
        extra={"message_vi": "Không có hồ sơ này trong danh sách của bạn"},
    )


@router.get("/cases", response_model=CasePage)
def list_cases(
    ctx: DbCtx,
    principal: Caller,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="search the learner reference, programme ids, reason and notes "
            "(accents and case ignored)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> CasePage:
    """Counsellors: their own saved cases, newest first; admins: every case."""
    from guidance.store.cases import list_cases as page

    rows, total = page(ctx.engine, owner=_owner(principal), q=q, limit=limit, offset=offset)
    return CasePage(
        items=[_summary(r) for r in rows],
        programmes=_labels(ctx.engine, rows),
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(ctx: DbCtx, principal: Caller, case_id: CaseId) -> CaseOut:
    """One case: the learner's inputs, the recommendation as it was shown (with the model
    version and the demand period), the choice, the notes and the enrolment."""
    from guidance.store.cases import get_case as read

    row = read(ctx.engine, case_id, owner=_owner(principal))
    if row is None:
        raise _no_case()
    return _case(row, _labels(ctx.engine, [row]))


@router.post("/cases/{case_id}/notes", response_model=NoteOut, status_code=201)
def add_note(ctx: DbCtx, principal: Caller, case_id: CaseId, body: NoteIn) -> NoteOut:
    """Add a follow-up note to a case."""
    from guidance.store.cases import add_note as add

    note = add(ctx.engine, case_id, body.text, owner=_owner(principal), api_key_id=principal.key_id)
    if note is None:
        raise _no_case()
    return NoteOut(**{k: _iso(note[k]) for k in NoteOut.model_fields})


@router.put("/cases/{case_id}/enrolment", response_model=CaseOut)
def record_enrolment(ctx: DbCtx, principal: Caller, case_id: CaseId, body: EnrolmentIn) -> CaseOut:
    """Record (or correct) what the learner enrolled in, later: a catalogue programme (an
    unknown one is refused with 422) and the day (2000-01-01 .. today)."""
    from guidance.store.cases import get_case as read
    from guidance.store.cases import record_enrolment as record
    from guidance.store.catalogue import programme_ids_exist

    today = datetime.now(UTC).date()
    if not FIRST_ENROLMENT <= body.enrolled_on <= today:
        raise Unprocessable(
            f"enrolled_on: must be between {FIRST_ENROLMENT} and today ({today})",
            details=[
                {
                    "loc": ["body", "enrolled_on"],
                    "msg": f"between {FIRST_ENROLMENT} and {today}",
                    "msg_vi": f"từ {FIRST_ENROLMENT:%d/%m/%Y} đến {today:%d/%m/%Y}",
                    "type": "date_out_of_range",
                }
            ],
            extra={"message_vi": f"Ngày nhập học phải từ {FIRST_ENROLMENT:%d/%m/%Y} đến hôm nay"},
        )
    if body.programme_id not in programme_ids_exist(ctx.engine, [body.programme_id]):
        raise Unprocessable(
            f"programme_id: no programme {body.programme_id!r} in the catalogue",
            details=[
                {
                    "loc": ["body", "programme_id"],
                    "msg": f"no programme {body.programme_id!r} in the catalogue",
                    "msg_vi": f"không có chương trình {body.programme_id!r} trong danh mục",
                    "type": "unknown_programme",
                }
            ],
            extra={"message_vi": "Chương trình không có trong danh mục"},
        )
    owner = _owner(principal)
    if not record(ctx.engine, case_id, body.programme_id, body.enrolled_on, owner=owner):
        raise _no_case()
    row = read(ctx.engine, case_id, owner=owner)
    if row is None:  # deleted in between
        raise _no_case()
    return _case(row, _labels(ctx.engine, [row]))


@router.delete("/cases/{case_id}", status_code=204, response_class=Response)
def delete_case(ctx: DbCtx, principal: Caller, case_id: CaseId) -> Response:
    """Delete a case on the learner's request: the saved profile, what was shown, the
    notes and the enrolment (the anonymous audit log of the request stays)."""
    from guidance.store.cases import delete_case as delete

    if not delete(ctx.engine, case_id, owner=_owner(principal)):
        raise _no_case()
    return Response(status_code=204)

"""Feedback: the learner's choice, an override and why (the audit log: ``routes.audit``)."""

from __future__ import annotations

import time
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from guidance.api.deps import Caller, DbCtx, authorize
from guidance.api.errors import NotFound, Unprocessable
from guidance.api.schemas import ERRORS, GUARDIAN_AGE, FeedbackIn, FeedbackOut
from guidance.api.security import ADMIN

# finite, bounded numbers (never true/false): a probability as shown; VND; km
Share = Annotated[StrictFloat, Field(ge=0, le=1, allow_inf_nan=False)]
Money = Annotated[StrictFloat, Field(ge=0, le=1e12, allow_inf_nan=False)]
Km = Annotated[StrictFloat, Field(ge=0, le=100_000, allow_inf_nan=False)]


class ShownFigures(BaseModel):
    """The figures the page displayed for one recommended programme (kept with a saved
    case, for the programmes the audited request returned)."""

    model_config = ConfigDict(extra="forbid")
    p_employed_12m: Share | None = None
    p_job_matches_training: Share | None = None
    p_completed: Share | None = None
    wage_q25: Money | None = None
    wage_q50: Money | None = None
    wage_q75: Money | None = None
    total_tuition_vnd: Money | None = None
    distance_km: Km | None = None


class FeedbackBody(FeedbackIn):
    """``FeedbackIn`` and, optionally, the figures shown per programme id. With a
    ``request_id`` the service keeps, beside a saved case, the recommendation as it was
    served (ids, ranks, scores, model version and demand period, from the audit log)."""

    shown_figures: dict[Annotated[str, Field(max_length=64)], ShownFigures] | None = Field(
        None, max_length=50, description="figures shown, by programme id (at most 50)"
    )


router = APIRouter(
    prefix="/api/v1",
    tags=["feedback and audit"],
    dependencies=[Depends(authorize)],
    responses=cast(dict[int | str, dict[str, Any]], ERRORS),
)


OTHER_WORKER_WAIT = (0.1, 0.2)  # seconds between the looks for a just-made request


@router.post(
    "/feedback",
    response_model=FeedbackOut,
    status_code=201,
    responses={
        404: {
            "model": ERRORS[422]["model"],
            "description": "request_id is not one of the caller's requests",
        }
    },
)
def feedback(body: FeedbackBody, ctx: DbCtx, principal: Caller) -> FeedbackOut:
    """Counsellors: what the learner chose. A case (raw profile) is stored only with
    ``consent_case``, and for a learner under 16 also ``consent_guardian``. The
    ``request_id`` must be one of the caller's own recommendation requests (admins: any
    audited request), else 404; ``programme_id`` and ``recommended_ids`` must be catalogue
    programmes, else 422."""
    from guidance.store.audit import record_feedback, request_owner
    from guidance.store.catalogue import programme_ids_exist

    if "case" in body.model_fields_set and not body.consent_case:
        raise Unprocessable(
            "a case can only be saved with the learner's recorded consent (consent_case: true)"
        )
    if body.case is not None and body.case.age < GUARDIAN_AGE and not body.consent_guardian:
        # API-level rule: the feedback table has no column for it (that would need a
        # migration), so the guardian's consent is checked here and not stored
        raise Unprocessable(
            f"consent_guardian: a case of a learner under {GUARDIAN_AGE} can "
            "only be saved with a parent's or guardian's consent "
            "(consent_guardian: true)",
            details=[
                {
                    "loc": ["body", "consent_guardian"],
                    "msg": f"required when case.age < {GUARDIAN_AGE}",
                    "msg_vi": f"bắt buộc khi người học dưới {GUARDIAN_AGE} tuổi",
                    "type": "guardian_consent_required",
                }
            ],
        )
    cited = ([(["programme_id"], body.programme_id)] if body.programme_id is not None else []) + [
        (["recommended_ids", str(i)], pid) for i, pid in enumerate(body.recommended_ids)
    ]
    known = programme_ids_exist(ctx.engine, [pid for _, pid in cited])
    unknown = [(loc, pid) for loc, pid in cited if pid not in known]
    if unknown:
        raise Unprocessable(
            "unknown programme: "
            + ", ".join(f"{'.'.join(loc)} = {pid!r}" for loc, pid in unknown[:5]),
            details=[
                {
                    "loc": ["body", *loc],
                    "msg": f"no programme {pid!r} in the catalogue",
                    "msg_vi": f"không có chương trình {pid!r} trong danh mục",
                    "type": "unknown_programme",
                }
                for loc, pid in unknown
            ],
        )
    if body.request_id is not None:
        ctx.audit.flush()  # this worker's requests so far are in the table
        owners = request_owner(ctx.engine, body.request_id)
        for wait in OTHER_WORKER_WAIT:
            # with several workers the request may have been served by another one, whose
            # writer commits within its batching interval (0.05 s): look again briefly
            if owners:
                break
            time.sleep(wait)
            owners = request_owner(ctx.engine, body.request_id)
        if not owners or (principal.role != ADMIN and principal.key_id not in owners):
            # the same answer for an unknown request and for another caller's
            raise NotFound("request_id: no such request of yours")
    shown: list[dict] | None = None
    version = period = None
    if body.request_id is not None and body.case is not None:
        from guidance.store.cases import merge_figures, shown_from_audit

        served = shown_from_audit(ctx.engine, body.request_id)
        if served is not None:
            figures = {
                k: v.model_dump(exclude_none=True) for k, v in (body.shown_figures or {}).items()
            }
            shown = merge_figures(served.items, figures)
            version, period = served.model_version, served.demand_period
    override = body.override
    if override is None:
        override = body.programme_id is not None and body.programme_id not in set(
            body.recommended_ids
        )
    new_id = record_feedback(
        ctx.engine,
        programme_id=body.programme_id,
        recommended_ids=body.recommended_ids,
        reason=body.reason,
        override=override,
        request_id=body.request_id,
        api_key_id=principal.key_id,
        consent_research=body.consent_research,
        consent_case=body.consent_case,
        case=body.case.model_dump(mode="json", exclude_none=True) if body.case else None,
        consent_guardian=body.consent_guardian if body.case is not None else None,
        shown=shown,
        model_version=version,
        demand_period=period,
    )
    return FeedbackOut(id=new_id, override=override)

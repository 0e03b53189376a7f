"""Feedback: the learner's choice, an override and why (the audit log: ``routes.audit``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from guidance.api.deps import Caller, DbCtx, authorize
from guidance.api.errors import Unprocessable
from guidance.api.schemas import ERRORS, GUARDIAN_AGE, FeedbackIn, FeedbackOut

router = APIRouter(prefix="/api/v1", tags=["feedback and audit"],
                   dependencies=[Depends(authorize)], responses=ERRORS)


@router.post("/feedback", response_model=FeedbackOut, status_code=201)
def feedback(body: FeedbackIn, ctx: DbCtx,
             principal: Caller) -> FeedbackOut:
    """Counsellors: what the learner chose. A case (raw profile) is stored only with
    ``consent_case``, and for a learner under 16 also ``consent_guardian``."""
    from guidance.store.audit import record_feedback

    if "case" in body.model_fields_set and not body.consent_case:
        raise Unprocessable("a case can only be saved with the learner's recorded consent "
                            "(consent_case: true)")
    if body.case is not None and body.case.age < GUARDIAN_AGE and not body.consent_guardian:
        # API-level rule: the feedback table has no column for it (that would need a
        # migration), so the guardian's consent is checked here and not stored
        raise Unprocessable(f"consent_guardian: a case of a learner under {GUARDIAN_AGE} can "
                            "only be saved with a parent's or guardian's consent "
                            "(consent_guardian: true)",
                            details=[{"loc": ["body", "consent_guardian"],
                                      "msg": f"required when case.age < {GUARDIAN_AGE}",
                                      "type": "guardian_consent_required"}])
    override = body.override
    if override is None:
        override = body.programme_id is not None and \
            body.programme_id not in set(body.recommended_ids)
    new_id = record_feedback(
        ctx.engine, programme_id=body.programme_id, recommended_ids=body.recommended_ids,
        reason=body.reason, override=override, request_id=body.request_id,
        api_key_id=principal.key_id, consent_research=body.consent_research,
        consent_case=body.consent_case,
        case=body.case.model_dump(mode="json", exclude_none=True) if body.case else None)
    return FeedbackOut(id=new_id, override=override)

"""A counsellor's caseload: saved cases (feedback rows holding a consented ``case_data``),
their follow-up notes and the enrolment recorded later.

A case belongs to the API key that saved it; ``owner=None`` means an admin, who sees every
case (a learner's deletion request may reach the service through any counsellor, and the
admin answers it). Searching folds diacritics (``text.fold``) over the learner reference,
the programme ids, the reason and the notes; a counsellor's caseload is small (hundreds),
so the search runs over the owner's cases in memory and pages the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, func, insert, select, update

from guidance.store.db import write_tx
from guidance.store.schema import AuditLog, CaseNote, Feedback, utcnow
from guidance.text import fold

FEEDBACK = cast(Table, Feedback.__table__)
NOTES = cast(Table, CaseNote.__table__)
AUDIT = cast(Table, AuditLog.__table__)
MAX_NOTE = 4000
MAX_SEARCH_ROWS = 20_000  # an admin's search reads at most this many newest cases
SHOWN_FIGURES = (
    "p_employed_12m",
    "p_job_matches_training",
    "p_completed",
    "wage_q25",
    "wage_q50",
    "wage_q75",
    "total_tuition_vnd",
    "distance_km",
)


@dataclass(frozen=True)
class Shown:
    """The recommendation as it was served: from the audit log of its request."""

    model_version: str | None
    demand_period: str | None
    items: list[dict[str, Any]]  # [{"id", "rank", "score"}], rank order


def shown_from_audit(engine: Engine, request_id: str) -> Shown | None:
    """What the audited request ``request_id`` returned (the newest record of it), or None."""
    query = (
        select(AUDIT.c.model_version, AUDIT.c.demand_period, AUDIT.c.top_k)
        .where(AUDIT.c.request_id == request_id, AUDIT.c.top_k.is_not(None))
        .order_by(AUDIT.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    items = [
        {"id": str(x.get("id")), "rank": i + 1, "score": x.get("score")}
        for i, x in enumerate(row.top_k or [])
    ]
    return Shown(row.model_version, row.demand_period, items)


def merge_figures(
    items: Sequence[Mapping[str, Any]], figures: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``items`` with the figures the page displayed (``figures[programme_id]``), only
    the names of :data:`SHOWN_FIGURES` and only for programmes that were in ``items``."""
    out = []
    for it in items:
        extra = figures.get(str(it["id"]), {})
        out.append({**it, **{k: extra[k] for k in SHOWN_FIGURES if k in extra}})
    return out


def _visible(owner: int | None) -> Any:
    cond = FEEDBACK.c.case_data.is_not(None)
    return cond if owner is None else cond & (FEEDBACK.c.api_key_id == owner)


def _summary(r: Mapping[str, Any]) -> dict[str, Any]:
    case = r["case_data"] or {}
    return {
        "id": int(r["id"]),
        "created_at": r["created_at"],
        "api_key_id": r["api_key_id"],
        "learner_id": case.get("learner_id"),
        "age": case.get("age"),
        "home_province_code": case.get("home_province_code"),
        "programme_id": r["programme_id"],
        "recommended_ids": list(r["recommended_ids"] or []),
        "override": bool(r["override"]),
        "enrolled_programme_id": r["enrolled_programme_id"],
        "enrolled_on": r["enrolled_on"],
        "model_version": r["model_version"],
        "demand_period": r["demand_period"],
    }


def list_cases(
    engine: Engine,
    *,
    owner: int | None,
    q: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of cases, newest first, and the number of matching cases."""
    base = select(FEEDBACK).where(_visible(owner))
    with engine.connect() as conn:
        if not q or not fold(q):
            total = conn.execute(
                select(func.count()).select_from(FEEDBACK).where(_visible(owner))
            ).scalar_one()
            page = conn.execute(
                base.order_by(FEEDBACK.c.created_at.desc(), FEEDBACK.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [_summary(dict(r._mapping)) for r in page], int(total)
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                base.order_by(FEEDBACK.c.created_at.desc(), FEEDBACK.c.id.desc()).limit(
                    MAX_SEARCH_ROWS
                )
            )
        ]
        ids = [r["id"] for r in rows]
        notes: dict[int, list[str]] = {}
        for i in range(0, len(ids), 500):
            for n in conn.execute(
                select(NOTES.c.feedback_id, NOTES.c.text).where(
                    NOTES.c.feedback_id.in_(ids[i : i + 500])
                )
            ):
                notes.setdefault(int(n.feedback_id), []).append(n.text)
    needle = fold(q)
    hits = [r for r in rows if needle in _haystack(r, notes.get(int(r["id"]), []))]
    return [_summary(r) for r in hits[offset : offset + limit]], len(hits)


def _haystack(r: Mapping[str, Any], notes: list[str]) -> str:
    case = r["case_data"] or {}
    parts = [
        case.get("learner_id"),
        case.get("home_province_code"),
        r["programme_id"],
        r["enrolled_programme_id"],
        r["reason"],
        " ".join(r["recommended_ids"] or []),
        *notes,
    ]
    return fold(" ".join(str(p) for p in parts if p))


def get_case(engine: Engine, case_id: int, *, owner: int | None) -> dict[str, Any] | None:
    """The whole case with its notes (oldest first), or None when it is not the caller's
    (or does not exist: the same answer)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(FEEDBACK).where(_visible(owner), FEEDBACK.c.id == case_id)
        ).first()
        if row is None:
            return None
        notes = [
            dict(n._mapping)
            for n in conn.execute(
                select(NOTES).where(NOTES.c.feedback_id == case_id).order_by(NOTES.c.id)
            )
        ]
    r = dict(row._mapping)
    return {
        **_summary(r),
        "reason": r["reason"],
        "consent_research": bool(r["consent_research"]),
        "consent_case": bool(r["consent_case"]),
        "consent_guardian": r["consent_guardian"],
        "consent_at": r["consent_at"],
        "request_id": r["request_id"],
        "profile": dict(r["case_data"] or {}),
        "shown": list(r["shown"] or []),
        "enrolled_recorded_at": r["enrolled_recorded_at"],
        "notes": notes,
    }


def add_note(
    engine: Engine,
    case_id: int,
    text: str,
    *,
    owner: int | None,
    api_key_id: int | None,
    created_at: datetime | None = None,
) -> dict[str, Any] | None:
    """Append a follow-up note; None when the case is not the caller's."""
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise ValueError(f"a note is 1 to {MAX_NOTE} characters")
    with write_tx(engine) as conn:
        if (
            conn.execute(
                select(FEEDBACK.c.id).where(_visible(owner), FEEDBACK.c.id == case_id)
            ).first()
            is None
        ):
            return None
        row = {
            "feedback_id": case_id,
            "created_at": created_at or utcnow(),
            "api_key_id": api_key_id,
            "text": text,
        }
        new_id = conn.execute(insert(NOTES).values(**row).returning(NOTES.c.id)).scalar_one()
    return {"id": int(new_id), **row}


def record_enrolment(
    engine: Engine, case_id: int, programme_id: str, on: date, *, owner: int | None
) -> bool:
    """Record (or correct) what the learner enrolled in and when; False when the case is
    not the caller's. The programme is checked against the catalogue by the caller."""
    with write_tx(engine) as conn:
        n = conn.execute(
            update(FEEDBACK)
            .where(_visible(owner), FEEDBACK.c.id == case_id)
            .values(
                enrolled_programme_id=programme_id,
                enrolled_on=on.isoformat(),
                enrolled_recorded_at=utcnow(),
            )
        ).rowcount
    return bool(n)


def delete_case(engine: Engine, case_id: int, *, owner: int | None) -> bool:
    """Delete a case on the learner's request: the feedback row and its notes (nothing
    of the case is kept); False when the case is not the caller's."""
    with write_tx(engine) as conn:
        if (
            conn.execute(
                select(FEEDBACK.c.id).where(_visible(owner), FEEDBACK.c.id == case_id)
            ).first()
            is None
        ):
            return False
        conn.execute(delete(NOTES).where(NOTES.c.feedback_id == case_id))
        conn.execute(delete(FEEDBACK).where(FEEDBACK.c.id == case_id))
    return True


def enrolment_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every saved case for ``guidance impact``: the learner reference, the programmes shown
    (rank order), the choice at feedback time and the enrolment recorded later (if any)."""
    query = select(
        FEEDBACK.c.id,
        FEEDBACK.c.case_data,
        FEEDBACK.c.shown,
        FEEDBACK.c.recommended_ids,
        FEEDBACK.c.programme_id,
        FEEDBACK.c.enrolled_programme_id,
        FEEDBACK.c.enrolled_on,
    ).where(FEEDBACK.c.case_data.is_not(None))
    out = []
    with engine.connect() as conn:
        for r in conn.execute(query.order_by(FEEDBACK.c.id)):
            shown = [str(x["id"]) for x in (r.shown or [])] or list(r.recommended_ids or [])
            out.append(
                {
                    "case_id": int(r.id),
                    "learner_id": (r.case_data or {}).get("learner_id"),
                    "shown_ids": shown,
                    "chosen_id": r.programme_id,
                    "enrolled_id": r.enrolled_programme_id,
                    "enrolled_on": r.enrolled_on,
                }
            )
    return out

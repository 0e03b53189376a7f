"""Feedback and the audit log: what was recommended, to whom (as a hash), and retention.

No raw personal data is written here except a case a counsellor saves with the
learner's recorded consent; the database refuses a case without it as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from guidance.store.db import write_tx
from guidance.store.schema import AuditLog, Feedback, utcnow

AUDIT = AuditLog.__table__
FEEDBACK = Feedback.__table__
AUDIT_COLS = [c.name for c in AUDIT.columns]


def profile_hash(profile: Mapping[str, Any], key: bytes | None = None) -> str:
    """A stable digest of a learner profile (keys sorted). With ``key`` it is an HMAC,
    which stops anyone holding the log from confirming a guessed profile."""
    payload = json.dumps(profile, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                         default=str).encode("utf-8")
    if key:
        return hmac.new(key, payload, hashlib.sha256).hexdigest()
    return hashlib.sha256(payload).hexdigest()


def _as_utc(t: date | datetime) -> datetime:
    if not isinstance(t, datetime):
        t = datetime.combine(t, time.min)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def record_feedback(
    engine: Engine,
    *,
    programme_id: str | None,
    recommended_ids: Sequence[str],
    reason: str | None = None,
    override: bool | None = None,
    request_id: str | None = None,
    api_key_id: int | None = None,
    consent_research: bool = False,
    consent_case: bool = False,
    case: Mapping[str, Any] | None = None,
    created_at: datetime | None = None,
) -> int:
    """Store one feedback row. ``override`` defaults to "the choice was not recommended".
    A ``case`` (the learner's profile) is kept only when ``consent_case`` is true."""
    if case is not None and not consent_case:
        raise ValueError("a case can only be saved with the learner's recorded consent")
    if override is None:
        override = programme_id is not None and programme_id not in set(recommended_ids)
    now = _as_utc(created_at) if created_at is not None else utcnow()
    with write_tx(engine) as conn:
        new_id = conn.execute(
            insert(FEEDBACK).values(
                created_at=now, request_id=request_id, api_key_id=api_key_id,
                programme_id=programme_id, recommended_ids=list(recommended_ids),
                override=bool(override), reason=reason, consent_research=consent_research,
                consent_case=consent_case, case_data=dict(case) if case is not None else None,
                consent_at=now if case is not None else None,
            ).returning(FEEDBACK.c.id)
        ).scalar_one()
    return int(new_id)


def record_audit(
    engine: Engine,
    *,
    request_id: str,
    route: str,
    role: str,
    status: int,
    latency_ms: float | None = None,
    api_key_id: int | None = None,
    profile_hash: str | None = None,
    model_version: str | None = None,
    demand_period: str | None = None,
    top_k: Iterable[tuple[str, float]] | None = None,
    created_at: datetime | None = None,
) -> int:
    """Append one audit record; ``top_k`` is ``[(programme_id, score), ...]`` in rank order."""
    items = None if top_k is None else [{"id": str(i), "score": float(s)} for i, s in top_k]
    with write_tx(engine) as conn:
        new_id = conn.execute(
            insert(AUDIT).values(
                created_at=_as_utc(created_at) if created_at is not None else utcnow(),
                request_id=request_id, route=route, role=role, api_key_id=api_key_id,
                profile_hash=profile_hash, model_version=model_version,
                demand_period=demand_period, top_k=items, latency_ms=latency_ms, status=status,
            ).returning(AUDIT.c.id)
        ).scalar_one()
    return int(new_id)


def export_audit(
    engine: Engine,
    start: date | datetime,
    end: date | datetime,
    api_key_id: int | None = None,
) -> list[dict[str, Any]]:
    """Audit records with ``start <= created_at < end`` (dates mean midnight UTC), oldest
    first; ``api_key_id`` narrows to one key (a counsellor's own requests)."""
    lo, hi = _as_utc(start), _as_utc(end)
    query = select(AUDIT).where(AUDIT.c.created_at >= lo, AUDIT.c.created_at < hi)
    if api_key_id is not None:
        query = query.where(AUDIT.c.api_key_id == api_key_id)
    with engine.connect() as conn:
        result = conn.execute(query.order_by(AUDIT.c.created_at, AUDIT.c.id))
        return [dict(r._mapping) for r in result]


def purge(engine: Engine, older_than_days: int, *, now: datetime | None = None) -> dict[str, int]:
    """Delete audit and feedback rows created more than ``older_than_days`` ago."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    cutoff = (_as_utc(now) if now is not None else utcnow()) - timedelta(days=older_than_days)
    with write_tx(engine) as conn:
        n_audit = conn.execute(delete(AUDIT).where(AUDIT.c.created_at < cutoff)).rowcount
        n_feedback = conn.execute(delete(FEEDBACK).where(FEEDBACK.c.created_at < cutoff)).rowcount
    return {"audit_log": int(n_audit), "feedback": int(n_feedback)}

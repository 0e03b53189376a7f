"""Feedback and the audit log: what was recommended, to whom (as a hash), and retention.

No raw personal data is written here except a case a counsellor saves with the
learner's recorded consent; the database refuses a case without it as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, or_, select
from sqlalchemy import exc as sa_exc

from guidance.store.db import StoreError, write_tx
from guidance.store.schema import AuditLog, AuditReject, CaseNote, Feedback, table_of, utcnow

AUDIT = table_of(AuditLog)
REJECTS = table_of(AuditReject)
FEEDBACK = table_of(Feedback)
NOTES = table_of(CaseNote)
AUDIT_COLS = [c.name for c in AUDIT.columns]
log = logging.getLogger("guidance.store.audit")


def profile_hash(profile: Mapping[str, Any], key: bytes | None = None) -> str:
    """A stable digest of a learner profile (keys sorted). With ``key`` it is an HMAC,
    which stops anyone holding the log from confirming a guessed profile."""
    payload = json.dumps(
        profile, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")
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
    consent_guardian: bool | None = None,
    shown: Sequence[Mapping[str, Any]] | None = None,
    model_version: str | None = None,
    demand_period: str | None = None,
) -> int:
    """Store one feedback row. ``override`` defaults to "the choice was not recommended".
    A ``case`` (the learner's profile) is kept only when ``consent_case`` is true; ``shown``
    is the recommendation as it was shown (``store.cases.shown_from_audit``) with the
    ``model_version`` and ``demand_period`` that produced it."""
    if case is not None and not consent_case:
        raise ValueError("a case can only be saved with the learner's recorded consent")
    if override is None:
        override = programme_id is not None and programme_id not in set(recommended_ids)
    now = _as_utc(created_at) if created_at is not None else utcnow()
    with write_tx(engine) as conn:
        new_id = conn.execute(
            insert(FEEDBACK)
            .values(
                created_at=now,
                request_id=request_id,
                api_key_id=api_key_id,
                programme_id=programme_id,
                recommended_ids=list(recommended_ids),
                override=bool(override),
                reason=reason,
                consent_research=consent_research,
                consent_case=consent_case,
                case_data=dict(case) if case is not None else None,
                consent_at=now if case is not None else None,
                consent_guardian=consent_guardian,
                shown=[dict(x) for x in shown] if shown is not None else None,
                model_version=model_version,
                demand_period=demand_period,
            )
            .returning(FEEDBACK.c.id)
        ).scalar_one()
    return int(new_id)


def audit_row(
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
) -> dict[str, Any]:
    """One audit record as the row to insert; ``top_k`` is ``[(programme_id, score), ...]``
    in rank order. A score or latency that is NaN or infinite is written as null (JSON has
    no NaN, and PostgreSQL refuses it)."""
    items = None if top_k is None else [{"id": str(i), "score": _finite(s)} for i, s in top_k]
    return {
        "created_at": _as_utc(created_at) if created_at is not None else utcnow(),
        "request_id": request_id,
        "route": route,
        "role": role,
        "api_key_id": api_key_id,
        "profile_hash": profile_hash,
        "model_version": model_version,
        "demand_period": demand_period,
        "top_k": items,
        "latency_ms": _finite(latency_ms),
        "status": status,
    }


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def record_audit(engine: Engine, **fields: Any) -> int:
    """Append one audit record now, in its own transaction; returns its id. ``fields`` are
    :func:`audit_row`'s keywords."""
    row = audit_row(**fields)
    with write_tx(engine) as conn:
        new_id = conn.execute(insert(AUDIT).values(**row).returning(AUDIT.c.id)).scalar_one()
    return int(new_id)


def request_owner(engine: Engine, request_id: str) -> set[int | None]:
    """The API key ids that made the audited request ``request_id`` (None for an anonymous
    one); empty when no such request is in the log. Feedback checks that a counsellor
    cites one of their own requests."""
    query = select(AUDIT.c.api_key_id).where(AUDIT.c.request_id == request_id).distinct()
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(query.limit(10))}


class AuditBacklogFull(RuntimeError):
    """The writer holds ``max_pending`` unwritten records (the database has been away
    too long): refuse new work rather than serve it without an audit trail."""


class AuditWriter:
    """Appends audit records from a background thread, many per transaction.

    A request hands over its row (``submit``) and goes on; the thread writes whatever has
    queued up in one ``INSERT`` batch. A failed batch stays queued and is retried with
    back-off, so a database that is briefly away loses nothing; when ``max_pending`` rows
    wait, ``submit`` raises ``AuditBacklogFull``. A batch the database *refuses* (a row it
    cannot store: ``DataError``, ``IntegrityError``, a value the JSON serializer rejects) is
    not an outage and is not retried: the writer bisects it, commits the good rows and sets
    each refused ("poison") row aside in ``audit_rejects``, logged at ERROR and counted in
    ``rejected``, so one row can never block the queue behind it. ``flush`` waits until every row submitted
    before it is committed (export routes call it, so a caller reads its own requests);
    ``close`` flushes, then stops the thread. What a SIGKILL can lose: the rows of the last
    ``interval`` seconds, never part of a batch (each batch is one transaction).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_pending: int = 20_000,
        max_batch: int = 500,
        interval: float = 0.05,
        retry_max: float = 5.0,
    ) -> None:
        self.engine = engine
        self.max_pending, self.max_batch = max_pending, max_batch
        self.interval, self.retry_max = interval, retry_max
        self._rows: deque[dict[str, Any]] = deque()
        self._cond = threading.Condition()
        self._submitted = 0  # rows handed over so far
        self._written = 0  # rows committed so far (a prefix of the submitted ones)
        self._stop = False
        self._wanted = 0  # a flush waits for this many rows: write without batching delay
        self._thread: threading.Thread | None = None
        self.failures = 0
        self.batches = 0
        self.rejected = 0  # poison rows taken out of the queue (set aside, or logged only)
        self.last_error: str | None = None

    def start(self) -> AuditWriter:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()
        return self

    @property
    def pending(self) -> int:
        with self._cond:
            return self._submitted - self._written

    def submit(self, row: dict[str, Any]) -> None:
        with self._cond:
            if self._submitted - self._written >= self.max_pending:
                raise AuditBacklogFull(
                    f"{self.max_pending} audit records are waiting for the database"
                )
            self._rows.append(row)
            self._submitted += 1
            if len(self._rows) >= self.max_batch:
                self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every row submitted so far is committed; False on timeout. Without
        a running thread (not started, or closed) the rows are written here."""
        with self._cond:
            target = self._submitted
            running = self._thread is not None and self._thread.is_alive()
            if running:
                self._wanted = max(self._wanted, target)
                self._cond.notify_all()
                return self._cond.wait_for(lambda: self._written >= target, timeout)
        while self._written < target:
            if not self._write_pending():
                return False
        return True

    def close(self, timeout: float = 30.0) -> bool:
        """Flush, then stop the thread; False when rows are still unwritten."""
        done = self.flush(timeout)
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if not done:
            log.error("audit writer stopped with %d records unwritten", self.pending)
        return done

    def status(self) -> dict[str, Any]:
        return {"pending": self.pending, "failures": self.failures, "last_error": self.last_error}

    def _write_pending(self) -> bool:
        """Write up to ``max_batch`` queued rows in one transaction; True when the whole
        batch is done (written, or its poison rows set aside)."""
        with self._cond:
            batch = [self._rows[i] for i in range(min(len(self._rows), self.max_batch))]
        if not batch:
            return True
        done = [0]  # leading rows of the batch handled so far (written or set aside)
        try:
            self._settle(batch, done)
        except Exception as exc:  # noqa: BLE001 - an outage: kept and retried, cause logged
            self._done(done[0])  # rows before the outage are committed (or set aside)
            self.failures += 1
            self.last_error = type(exc).__name__
            log.warning(
                "audit batch of %d not written (%s); retrying",
                len(batch) - done[0],
                type(_cause(exc)).__name__,
            )
            return False
        self._done(done[0])
        return True

    def _done(self, n: int) -> None:
        if not n:
            return
        with self._cond:
            for _ in range(n):
                self._rows.popleft()
            self._written += n
            self.batches += 1
            self.last_error = None
            self._cond.notify_all()

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        with write_tx(self.engine, "audit batch") as conn:
            conn.execute(insert(AUDIT), rows)

    def _settle(self, rows: list[dict[str, Any]], done: list[int]) -> None:
        """Insert ``rows`` in order; when the database refuses them, bisect down to the
        refused rows and set those aside. An outage propagates (``done[0]`` says how many
        leading rows were handled before it)."""
        try:
            self._insert(rows)
        except Exception as exc:
            if not is_refusal(exc):
                raise
            if len(rows) == 1:
                self._reject(rows[0], exc)
            else:
                mid = len(rows) // 2
                self._settle(rows[:mid], done)
                self._settle(rows[mid:], done)
                return
        done[0] += len(rows)

    def _reject(self, row: Mapping[str, Any], exc: BaseException) -> None:
        """Set a refused row aside in ``audit_rejects``; if even that fails, log it: the
        row leaves the queue either way."""
        error = refusal_text(exc)
        rid = row.get("request_id")
        rid = str(rid)[:64] if rid is not None else None
        self.rejected += 1
        log.error(
            "audit row %s refused by the database (%s); set aside in audit_rejects", rid, error
        )
        try:
            with write_tx(self.engine, "audit reject") as conn:
                conn.execute(
                    insert(REJECTS).values(
                        created_at=utcnow(), request_id=rid, error=error, row_text=row_text(row)
                    )
                )
        except Exception as exc2:  # noqa: BLE001 - never block the queue on one row
            log.error(
                "audit row %s could not be set aside either (%s); dropped", rid, refusal_text(exc2)
            )

    def _run(self) -> None:
        delay = self.interval
        while True:
            with self._cond:
                if not self._rows:
                    if self._stop:
                        return
                    self._cond.wait(self.interval)
                    continue
                if (
                    len(self._rows) < self.max_batch
                    and not self._stop
                    and self._wanted <= self._written
                ):
                    # let a few more rows arrive so that one transaction carries them
                    self._cond.wait(self.interval)
            if self._write_pending():
                delay = self.interval
            else:
                with self._cond:
                    if self._stop:
                        return
                    self._cond.wait(delay)
                delay = min(self.retry_max, delay * 2)


_OUTAGES = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)
MAX_ROW_TEXT = 20_000


def _cause(exc: BaseException) -> BaseException:
    """The database error behind a :class:`StoreError` (``write_tx`` wraps them)."""
    return exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ else exc


def is_refusal(exc: BaseException) -> bool:
    """True when the database (or the driver's serializer) refused the rows themselves —
    a poison row — rather than being away. Outages (connection lost, pool timeout) and
    systematic errors (a missing table: ``ProgrammingError``) are False: retried."""
    e = _cause(exc)
    if isinstance(e, _OUTAGES):
        return False
    if isinstance(e, (sa_exc.DataError, sa_exc.IntegrityError)):
        return True
    if isinstance(e, sa_exc.DBAPIError):
        return False
    if isinstance(
        e, (sa_exc.StatementError, sa_exc.ArgumentError, sa_exc.CompileError, ValueError, TypeError)
    ):
        return True  # a value that cannot be bound (e.g. NaN in a JSON column), a bad key
    mod = type(e).__module__.split(".")[0]
    if mod in ("psycopg", "sqlite3"):  # a driver error that escaped SQLAlchemy's wrapping
        return type(e).__name__ in ("DataError", "IntegrityError")
    return False


def refusal_text(exc: BaseException) -> str:
    """``ClassName: first line of the driver's message``, at most 200 characters, without
    the SQL statement or its parameters."""
    e = _cause(exc)
    inner = getattr(e, "orig", None) or e
    lines = str(inner).strip().splitlines()
    msg = lines[0] if lines else ""
    return f"{type(e).__name__}: {msg}"[:200]


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if v is None or isinstance(v, (str, int, bool)):
        return v
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return repr(v)[:200]


def row_text(row: Mapping[str, Any]) -> str:
    """A refused row as strict JSON text (non-finite numbers as null, other values as
    text), capped at ``MAX_ROW_TEXT`` characters."""
    return json.dumps(_plain(row), ensure_ascii=False, allow_nan=False)[:MAX_ROW_TEXT]


def export_audit(
    engine: Engine,
    start: date | datetime,
    end: date | datetime,
    api_key_id: int | None = None,
) -> list[dict[str, Any]]:
    """Audit records with ``start <= created_at < end`` (dates mean midnight UTC), oldest
    first; ``api_key_id`` narrows to one key (a counsellor's own requests). For large ranges
    use :func:`iter_audit` (chunked) or :func:`audit_page` (one keyset page)."""
    return list(iter_audit(engine, start, end, api_key_id=api_key_id))


AuditKey = tuple[datetime, int]  # (created_at, id): the keyset position of a row
MAX_AUDIT_PAGE = 1000


def _audit_query(
    start: date | datetime,
    end: date | datetime,
    *,
    api_key_id: int | None,
    route: str | None,
    role: str | None,
    request_id: str | None,
    after: AuditKey | None,
    limit: int,
) -> Any:
    lo, hi = _as_utc(start), _as_utc(end)
    query = select(AUDIT).where(AUDIT.c.created_at >= lo, AUDIT.c.created_at < hi)
    if api_key_id is not None:
        query = query.where(AUDIT.c.api_key_id == api_key_id)
    if route is not None:
        query = query.where(AUDIT.c.route == route)
    if role is not None:
        query = query.where(AUDIT.c.role == role)
    if request_id is not None:
        query = query.where(AUDIT.c.request_id == request_id)
    if after is not None:
        at, last_id = _as_utc(after[0]), int(after[1])
        query = query.where(
            or_(AUDIT.c.created_at > at, and_(AUDIT.c.created_at == at, AUDIT.c.id > last_id))
        )
    return query.order_by(AUDIT.c.created_at, AUDIT.c.id).limit(limit)


def audit_page(
    engine: Engine,
    start: date | datetime,
    end: date | datetime,
    *,
    limit: int = 100,
    after: AuditKey | None = None,
    api_key_id: int | None = None,
    route: str | None = None,
    role: str | None = None,
    request_id: str | None = None,
) -> tuple[list[dict[str, Any]], AuditKey | None]:
    """One keyset page, oldest first, of the records :func:`export_audit` would return,
    narrowed by exact ``route``/``role``/``request_id``, starting after ``after``; returns
    ``(rows, next)`` where ``next`` is the last row's key when more rows follow, else None."""
    if not 1 <= limit <= MAX_AUDIT_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_AUDIT_PAGE}")
    query = _audit_query(
        start,
        end,
        api_key_id=api_key_id,
        route=route,
        role=role,
        request_id=request_id,
        after=after,
        limit=limit + 1,
    )
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, (rows[-1]["created_at"], int(rows[-1]["id"]))


def iter_audit(
    engine: Engine,
    start: date | datetime,
    end: date | datetime,
    *,
    chunk: int = MAX_AUDIT_PAGE,
    after: AuditKey | None = None,
    api_key_id: int | None = None,
    route: str | None = None,
    role: str | None = None,
    request_id: str | None = None,
) -> Iterable[dict[str, Any]]:
    """Every matching record, oldest first, fetched in keyset chunks of ``chunk`` rows (each
    chunk its own short read: memory stays flat and no connection is held between chunks,
    however slowly the caller consumes them)."""
    while True:
        rows, after = audit_page(
            engine,
            start,
            end,
            limit=chunk,
            after=after,
            api_key_id=api_key_id,
            route=route,
            role=role,
            request_id=request_id,
        )
        yield from rows
        if after is None:
            return


def purge(engine: Engine, older_than_days: int, *, now: datetime | None = None) -> dict[str, int]:
    """Delete audit and feedback rows created more than ``older_than_days`` ago."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    cutoff = (_as_utc(now) if now is not None else utcnow()) - timedelta(days=older_than_days)
    with write_tx(engine) as conn:
        n_audit = conn.execute(delete(AUDIT).where(AUDIT.c.created_at < cutoff)).rowcount
        old = select(FEEDBACK.c.id).where(FEEDBACK.c.created_at < cutoff)
        conn.execute(delete(NOTES).where(NOTES.c.feedback_id.in_(old)))
        n_feedback = conn.execute(delete(FEEDBACK).where(FEEDBACK.c.created_at < cutoff)).rowcount
    return {"audit_log": int(n_audit), "feedback": int(n_feedback)}

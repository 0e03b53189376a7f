"""The tracer database: submissions with versions, coverage, withdrawal, deletion, export rows.

A submission (institution, cohort, wave) is validated whole before anything is written;
a new version is written in ONE transaction (the previous version stays readable), so an
error or a kill at any moment leaves the database as it was. Rows go in with executemany
in chunks. ``learner_ref`` arrives already pseudonymised (``guidance.tracer.read``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, select, update

from guidance.store.db import write_tx
from guidance.store.schema import (
    Programme,
    TracerAggregate,
    TracerEvent,
    TracerRecord,
    TracerSubmission,
    table_of,
    utcnow,
)
from guidance.tracer.pseudo import pseudonym
from guidance.tracer.read import Sheet, TracerFileError, read_bytes, read_rows
from guidance.tracer.schema import RESPONDED
from guidance.tracer.validate import Result, validate

SUBS = table_of(TracerSubmission)
RECS = table_of(TracerRecord)
AGGS = table_of(TracerAggregate)
EVENTS = table_of(TracerEvent)
CHUNK = 50_000
_REC_KEYS = ("pseudonym", "programme_id", "survey_status", "survey_date", "survey_mode")


class TracerRejected(ValueError):
    """The submission has errors; nothing was written. ``result`` holds every error."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"submission refused: {result.n_errors} error(s)")
        self.result = result


class TracerNotFound(LookupError):
    """No such submission (or not visible to this institution)."""


class Cancelled(RuntimeError):
    """The caller's cancel check asked to stop; nothing was written."""


@dataclass(frozen=True)
class SubmissionResult:
    submission_id: int
    institution_id: str
    cohort: str
    wave: str
    version: int
    kind: str
    rows: int
    added: int
    changed: int
    removed: int
    warnings: list[dict[str, Any]] = field(default_factory=list)


def offerings(engine: Engine) -> dict[str, str]:
    t = Programme.__table__
    with engine.connect() as conn:
        return dict(conn.execute(select(t.c.programme_id, t.c.institution_id)).all())


_REC_COLS = ("pseudonym", "programme_id", "survey_status", "survey_date", "survey_mode", "data")
_AGG_COLS = tuple(c.name for c in AGGS.columns if c.name != "submission_id")
_NOT_DATA = frozenset((*_REC_KEYS, "learner_ref", "survey_wave", "_row"))


_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, allow_nan=False)


def _data_json(data: dict[str, Any]) -> str:
    """The ``data`` column's text: canonical (sorted keys) strict JSON."""
    return _JSON.encode(data)


def _stored(rec: dict[str, Any], kind: str) -> tuple[Any, ...]:
    """One validated record as the tuple written (``_REC_COLS`` / ``_AGG_COLS``; the data
    JSON already serialised)."""
    if kind == "records":
        data = {k: v for k, v in rec.items() if k not in _NOT_DATA}
        return (
            rec["learner_ref"],
            rec["programme_id"],
            rec["survey_status"],
            rec.get("survey_date"),
            rec.get("survey_mode"),
            _data_json(data),
        )
    row = [rec.get(c) for c in _AGG_COLS]
    for c in ("employed_formal", "employed_informal", "self_employed"):
        i = _AGG_COLS.index(c)
        row[i] = row[i] or 0
    return tuple(row)


def _canonical(row: tuple[Any, ...]) -> bytes:
    """What a row's content hash is taken of (None and '' kept apart)."""
    return "\x1f".join("\x00" if v is None else str(v) for v in row).encode()


def _digest(row: tuple[Any, ...]) -> bytes:
    return hashlib.sha256(_canonical(row)).digest()


def _old_digests(conn: Any, table: Any, kind: str, submission_id: int) -> dict[str, bytes]:
    """{key: digest} of a stored version, in the form new rows are digested."""
    cols = _REC_COLS if kind == "records" else _AGG_COLS
    old: dict[str, bytes] = {}
    result = conn.execute(
        select(*(table.c[c] for c in cols))
        .where(table.c.submission_id == submission_id)
        .execution_options(yield_per=20_000)
    )
    for r in result:
        row = tuple(r)
        if kind == "records":
            row = (*row[:5], _data_json(row[5]))
        old[row[0]] = _digest(row)
    return old


def _write_rows(
    conn: Any, table: Any, cols: tuple[str, ...], sub_id: int, rows: list[tuple[Any, ...]]
) -> None:
    """One chunk through the driver: PostgreSQL ``COPY``, SQLite ``executemany``
    (inside the caller's transaction)."""
    names = ", ".join(("submission_id", *cols))
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row((sub_id, *r))
        return
    marks = ", ".join("?" * (len(cols) + 1))
    cur = raw.cursor()
    try:
        cur.executemany(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})", ((sub_id, *r) for r in rows)
        )
    finally:
        cur.close()


def submit(
    engine: Engine,
    institution_id: str,
    cohort: str,
    wave: str,
    rows: list[dict[str, Any]] | bytes | Sheet,
    secret: bytes,
    actor: str,
    *,
    filename: str = "upload.csv",
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    offering_map: dict[str, str] | None = None,
    on_commit: Callable[[Any, SubmissionResult], None] | None = None,
) -> SubmissionResult:
    """Validate and store one submission version; raises :class:`TracerRejected` (every
    error, nothing written), :class:`TracerFileError` (unreadable file) or :class:`Cancelled`.
    ``rows`` is a file's bytes, in-memory records (JSON) or a read :class:`Sheet` (a
    streamed one from :func:`guidance.tracer.read.read_path` is read once, row by row);
    ``offering_map`` (programme_id → institution_id) saves reading the catalogue per call.
    ``progress(done, total)`` is called per chunk; ``cancel()`` → True stops and rolls back.
    ``on_commit(conn, result)`` runs last inside the version's transaction (a job marks
    itself succeeded there, so the version and the job's status commit together); an
    exception from it rolls the version back.

    Every row is validated before anything is written; valid rows are kept as compact
    tuples (data JSON serialised once), then written in ONE transaction in chunks of
    ``CHUNK`` (PostgreSQL ``COPY``, SQLite ``executemany``)."""
    if isinstance(rows, bytes):
        sheet = read_bytes(rows, secret, filename)
    elif isinstance(rows, Sheet):
        sheet = rows
    else:
        sheet = read_rows(rows, secret)
    kind = sheet.kind
    items: list[tuple[Any, ...]] = []
    result = validate(
        sheet,
        institution_id,
        cohort,
        wave,
        offerings(engine) if offering_map is None else offering_map,
        today,
        sink=lambda rec: items.append(_stored(rec, kind)),
    )
    if not result.ok:
        items.clear()
        raise TracerRejected(result)
    items.sort(key=lambda r: r[0])  # the key (pseudonym / programme_id) is unique
    h = hashlib.sha256()
    for r in items:
        h.update(hashlib.sha256(_canonical(r)).digest())
    content = h.hexdigest()
    table = RECS if kind == "records" else AGGS
    cols = _REC_COLS if kind == "records" else _AGG_COLS
    warnings = [w.as_dict() for w in result.warnings]
    total = len(items)
    with write_tx(engine, "tracer submission") as conn:
        prev = conn.execute(
            select(SUBS.c.id, SUBS.c.version, SUBS.c.kind)
            .where(
                SUBS.c.institution_id == institution_id,
                SUBS.c.cohort == cohort,
                SUBS.c.wave == wave,
            )
            .order_by(SUBS.c.version.desc())
            .limit(1)
        ).first()
        current = conn.execute(
            select(SUBS.c.id, SUBS.c.kind)
            .where(
                SUBS.c.institution_id == institution_id,
                SUBS.c.cohort == cohort,
                SUBS.c.wave == wave,
                SUBS.c.withdrawn_at.is_(None),
            )
            .order_by(SUBS.c.version.desc())
            .limit(1)
        ).first()
        old: dict[str, bytes] = {}
        if current is not None and current.kind == kind:
            old = _old_digests(conn, table, kind, current.id)
        version = (prev.version + 1) if prev else 1
        sub_id = conn.execute(
            insert(SUBS)
            .values(
                institution_id=institution_id,
                cohort=cohort,
                wave=wave,
                version=version,
                kind=kind,
                created_at=utcnow(),
                actor=actor,
                row_count=total,
                content_hash=content,
                warnings=warnings,
            )
            .returning(SUBS.c.id)
        ).scalar_one()
        added = changed = 0
        for start in range(0, total, CHUNK):
            if cancel is not None and cancel():
                raise Cancelled("cancelled; nothing was written")
            chunk = items[start : start + CHUNK]
            _write_rows(conn, table, cols, sub_id, chunk)
            if old:
                for r in chunk:
                    d = old.pop(r[0], None)
                    if d is None:
                        added += 1
                    elif d != _digest(r):
                        changed += 1
            else:
                added += len(chunk)
            if progress is not None:
                progress(min(start + CHUNK, total), total)
        removed = len(old)
        conn.execute(
            insert(EVENTS).values(
                created_at=utcnow(),
                actor=actor,
                action="submit",
                institution_id=institution_id,
                cohort=cohort,
                wave=wave,
                version=version,
                details={
                    "rows": total,
                    "added": added,
                    "changed": changed,
                    "removed": removed,
                    "warnings": len(warnings),
                    "kind": kind,
                },
            )
        )
        out = SubmissionResult(
            int(sub_id),
            institution_id,
            cohort,
            wave,
            version,
            kind,
            total,
            added,
            changed,
            removed,
            warnings,
        )
        if on_commit is not None:
            on_commit(conn, out)
    return out


def _visible(institution_id: str | None):  # noqa: ANN202 - a SQL condition
    return (
        SUBS.c.id == SUBS.c.id
        if institution_id is None
        else SUBS.c.institution_id == institution_id
    )


def list_submissions(engine: Engine, institution_id: str | None = None) -> list[dict[str, Any]]:
    """Every version (newest first); ``institution_id`` restricts to one institution."""
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                select(SUBS)
                .where(_visible(institution_id))
                .order_by(SUBS.c.institution_id, SUBS.c.cohort, SUBS.c.wave, SUBS.c.version.desc())
            )
        ]


def read_version(
    engine: Engine,
    institution_id: str,
    cohort: str,
    wave: str,
    version: int,
) -> list[dict[str, Any]]:
    """The stored rows of one version (raises :class:`TracerNotFound`)."""
    with engine.connect() as conn:
        sub = conn.execute(
            select(SUBS).where(
                SUBS.c.institution_id == institution_id,
                SUBS.c.cohort == cohort,
                SUBS.c.wave == wave,
                SUBS.c.version == version,
            )
        ).first()
        if sub is None:
            raise TracerNotFound(f"no version {version} of {institution_id} {cohort} {wave}")
        table = RECS if sub.kind == "records" else AGGS
        return [
            dict(r._mapping)
            for r in conn.execute(select(table).where(table.c.submission_id == sub.id))
        ]


def withdraw(
    engine: Engine,
    institution_id: str,
    cohort: str,
    wave: str,
    reason: str,
    actor: str,
    version: int | None = None,
) -> int:
    """Withdraw the current (or the given) version; returns its version number."""
    if not reason or not reason.strip():
        raise ValueError("a withdrawal needs a reason")
    with write_tx(engine, "tracer withdrawal") as conn:
        q = select(SUBS.c.id, SUBS.c.version, SUBS.c.row_count).where(
            SUBS.c.institution_id == institution_id,
            SUBS.c.cohort == cohort,
            SUBS.c.wave == wave,
            SUBS.c.withdrawn_at.is_(None),
        )
        if version is not None:
            q = q.where(SUBS.c.version == version)
        sub = conn.execute(q.order_by(SUBS.c.version.desc()).limit(1)).first()
        if sub is None:
            raise TracerNotFound(f"no current submission {institution_id} {cohort} {wave}")
        conn.execute(
            update(SUBS)
            .where(SUBS.c.id == sub.id)
            .values(withdrawn_at=utcnow(), withdrawn_reason=reason.strip()[:500])
        )
        conn.execute(
            insert(EVENTS).values(
                created_at=utcnow(),
                actor=actor,
                action="withdraw",
                institution_id=institution_id,
                cohort=cohort,
                wave=wave,
                version=sub.version,
                details={"rows": sub.row_count, "reason": reason.strip()[:500]},
            )
        )
    return int(sub.version)


def forget(engine: Engine, learner_ref: str, secret: bytes, actor: str) -> int:
    """Delete every row of one graduate (all waves, all versions); logs the count only."""

    pid = pseudonym(secret, learner_ref)
    with write_tx(engine, "tracer deletion") as conn:
        n = conn.execute(delete(RECS).where(RECS.c.pseudonym == pid)).rowcount
        conn.execute(
            insert(EVENTS).values(
                created_at=utcnow(), actor=actor, action="forget", details={"rows_deleted": int(n)}
            )
        )
    return int(n)


def _current_ids(conn, institution_id: str | None = None):  # noqa: ANN001, ANN202
    """Subquery: id of the newest non-withdrawn version per (institution, cohort, wave)."""
    s2 = SUBS.alias("s2")
    newer = select(s2.c.id).where(
        and_(
            s2.c.institution_id == SUBS.c.institution_id,
            s2.c.cohort == SUBS.c.cohort,
            s2.c.wave == SUBS.c.wave,
            s2.c.withdrawn_at.is_(None),
            s2.c.version > SUBS.c.version,
        )
    )
    return select(SUBS.c.id).where(
        SUBS.c.withdrawn_at.is_(None), ~newer.exists(), _visible(institution_id)
    )


def coverage(engine: Engine, institution_id: str | None = None) -> list[dict[str, Any]]:
    """Per institution × cohort × wave (current versions): graduates known, surveyed
    (every status but ``unreachable``), responded (``responded`` or ``administrative``)
    and the response rate (responded / graduates known)."""
    out = []
    with engine.connect() as conn:
        subs = conn.execute(
            select(SUBS)
            .where(SUBS.c.id.in_(_current_ids(conn, institution_id)))
            .order_by(SUBS.c.institution_id, SUBS.c.cohort, SUBS.c.wave)
        ).all()
        counts = {
            (r.submission_id, r.survey_status): r.n
            for r in conn.execute(
                select(RECS.c.submission_id, RECS.c.survey_status, func.count().label("n"))
                .where(RECS.c.submission_id.in_(_current_ids(conn, institution_id)))
                .group_by(RECS.c.submission_id, RECS.c.survey_status)
            )
        }
        aggs = {
            r.submission_id: r
            for r in conn.execute(
                select(
                    AGGS.c.submission_id,
                    func.sum(AGGS.c.graduates).label("g"),
                    func.sum(AGGS.c.surveyed).label("s"),
                    func.sum(AGGS.c.respondents).label("r"),
                )
                .where(AGGS.c.submission_id.in_(_current_ids(conn, institution_id)))
                .group_by(AGGS.c.submission_id)
            )
        }
    for s in subs:
        if s.kind == "records":
            by = {st: n for (sid, st), n in counts.items() if sid == s.id}
            g = sum(by.values())
            sv = g - by.get("unreachable", 0)
            r = sum(by.get(st, 0) for st in RESPONDED)
        else:
            a = aggs.get(s.id)
            g, sv, r = (int(a.g), int(a.s), int(a.r)) if a else (0, 0, 0)
        out.append(
            {
                "institution_id": s.institution_id,
                "cohort": s.cohort,
                "wave": s.wave,
                "version": s.version,
                "kind": s.kind,
                "graduates_known": g,
                "surveyed": sv,
                "responded": r,
                "response_rate": round(r / g, 4) if g else None,
            }
        )
    return out


def responded_records(engine: Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(responded rows of current record versions with cohort and wave, the versions read)."""
    with engine.connect() as conn:
        subs = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    SUBS.c.id, SUBS.c.institution_id, SUBS.c.cohort, SUBS.c.wave, SUBS.c.version
                ).where(SUBS.c.id.in_(_current_ids(conn)), SUBS.c.kind == "records")
            )
        ]
        by_id = {s["id"]: s for s in subs}
        rows = []
        for r in conn.execute(
            select(RECS).where(
                RECS.c.submission_id.in_(list(by_id) or [-1]), RECS.c.survey_status.in_(RESPONDED)
            )
        ):
            s = by_id[r.submission_id]
            rows.append(
                {
                    "pseudonym": r.pseudonym,
                    "programme_id": r.programme_id,
                    "cohort": s["cohort"],
                    "wave": s["wave"],
                    **r.data,
                }
            )
    return rows, subs


def current_record_versions(engine: Engine) -> list[dict[str, Any]]:
    """The current individual-record versions (id, institution, cohort, wave, version)."""
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                select(SUBS.c.id, SUBS.c.institution_id, SUBS.c.cohort, SUBS.c.wave, SUBS.c.version)
                .where(SUBS.c.id.in_(_current_ids(conn)), SUBS.c.kind == "records")
                .order_by(SUBS.c.institution_id, SUBS.c.cohort, SUBS.c.wave)
            )
        ]


def responded_sorted(
    conn: Any,
    submission_id: int | None,
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(pseudonym, programme_id, data) of one version's responded rows, by pseudonym,
    streamed (the primary key's order; nothing for ``None``)."""
    if submission_id is None:
        return
    yield from conn.execute(
        select(RECS.c.pseudonym, RECS.c.programme_id, RECS.c.data)
        .where(RECS.c.submission_id == submission_id, RECS.c.survey_status.in_(RESPONDED))
        .order_by(RECS.c.pseudonym)
        .execution_options(yield_per=20_000)
    )


def events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(EVENTS).order_by(EVENTS.c.id))]


__all__ = [
    "Cancelled",
    "SubmissionResult",
    "TracerFileError",
    "TracerNotFound",
    "TracerRejected",
    "coverage",
    "current_record_versions",
    "events",
    "forget",
    "list_submissions",
    "offerings",
    "read_version",
    "responded_records",
    "responded_sorted",
    "submit",
    "withdraw",
]

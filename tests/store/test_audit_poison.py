"""Poison audit rows: a row the database refuses is set aside in ``audit_rejects`` (logged,
counted) and never blocks the queue; an outage is still retried, not rejected. Nothing
non-finite is ever stored as JSON, on either engine."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from sqlalchemy import event, exc, insert, select

from guidance.store.audit import (
    AUDIT,
    REJECTS,
    AuditWriter,
    audit_row,
    is_refusal,
    record_audit,
    refusal_text,
)
from guidance.store.db import StoreError
from guidance.store.schema import Feedback


def _row(i: int) -> dict:
    return audit_row(
        request_id=f"r{i}",
        route="recommendations",
        role="public",
        status=200,
        latency_ms=float(i),
        profile_hash=f"{i:064x}",
        model_version="1",
        demand_period="2026-10",
        top_k=[(f"P{i:03d}", 0.5)],
    )


def _nan_row(i: int) -> dict:
    """What the probe produced before audit_row sanitised scores: NaN inside JSON."""
    return {
        **_row(i),
        "top_k": [{"id": "P001", "score": float("nan")}, {"id": "P002", "score": float("inf")}],
    }


def _fk_row(i: int) -> dict:
    """A row citing an API key that does not exist (foreign key refused on both engines)."""
    return {**_row(i), "api_key_id": 987_654}


def _ids(engine) -> list[str]:  # noqa: ANN001
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(select(AUDIT.c.request_id)))


def _rejects(engine) -> list[dict]:  # noqa: ANN001
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(REJECTS).order_by(REJECTS.c.id))]


class Inserts:
    """Counts INSERTs into a table; fails them (as an outage, or as a refusal) on demand."""

    def __init__(self, engine, table: str) -> None:  # noqa: ANN001
        self.count = 0
        self.down = threading.Event()
        self.refuse = threading.Event()
        prefix = f"INSERT INTO {table.upper()} "

        @event.listens_for(engine, "before_cursor_execute")
        def _hook(conn, cursor, statement, params, context, executemany):  # noqa: ANN001, ANN202, ARG001
            if not statement.lstrip().upper().startswith(prefix):
                return
            self.count += 1
            if self.down.is_set():
                raise exc.OperationalError(statement, {}, ConnectionError("database away"))
            if self.refuse.is_set():
                raise exc.DataError(statement, {}, ValueError("refused"))


def test_poison_rows_are_set_aside_and_the_good_rows_written(engine, caplog):
    caplog.set_level(logging.ERROR, logger="guidance.store.audit")
    w = AuditWriter(engine, interval=0.01).start()
    try:
        rows = [_row(i) for i in range(10)]
        rows[4], rows[7] = _nan_row(4), _fk_row(7)
        for r in rows:
            w.submit(r)
        assert w.flush(timeout=20)
        assert w.pending == 0 and w.rejected == 2
        assert _ids(engine) == sorted(f"r{i}" for i in range(10) if i not in (4, 7))
        rej = _rejects(engine)
        assert [r["request_id"] for r in rej] == ["r4", "r7"]
        nan_rej, fk_rej = rej
        assert fk_rej["error"].startswith("IntegrityError: ")
        # the NaN row: refused by the strict JSON serializer (a ValueError, wrapped or not)
        assert "ValueError" in nan_rej["error"] or "StatementError" in nan_rej["error"]
        for r in rej:
            assert len(r["error"]) <= 200
            assert "INSERT INTO" not in r["error"].upper() and "[SQL" not in r["error"]
            kept = json.loads(r["row_text"])  # strict JSON: no NaN literal in it
            assert kept["request_id"] == r["request_id"] and kept["route"] == "recommendations"
        assert json.loads(nan_rej["row_text"])["top_k"] == [
            {"id": "P001", "score": None},
            {"id": "P002", "score": None},
        ]
        assert json.loads(fk_rej["row_text"])["api_key_id"] == 987_654
        errors = [m for m in caplog.messages if "refused by the database" in m]
        assert len(errors) == 2 and "r4" in errors[0] and "r7" in errors[1]
        assert w.status()["last_error"] is None  # readiness reads this with pending
        # the writer goes on writing later rows
        for i in range(10, 13):
            w.submit(_row(i))
        assert w.flush(timeout=10)
        assert {"r10", "r11", "r12"} <= set(_ids(engine)) and w.rejected == 2
    finally:
        assert w.close()


def test_a_big_batch_is_bisected_not_written_row_by_row(engine):
    inserts = Inserts(engine, "audit_log")
    w = AuditWriter(engine, max_batch=256)
    rows = [_row(i) for i in range(256)]
    rows[100] = _fk_row(100)
    for r in rows:
        w.submit(r)
    assert w.flush()  # no thread: written in the caller
    assert w.rejected == 1 and w.pending == 0 and len(_ids(engine)) == 255
    # 1 whole batch + at most 2 per halving level (log2 256 = 8) + the single row
    assert inserts.count <= 1 + 2 * 8 + 1


def test_an_outage_is_retried_not_rejected(engine):
    inserts = Inserts(engine, "audit_log")
    inserts.down.set()
    w = AuditWriter(engine, interval=0.01, retry_max=0.05).start()
    try:
        for i in range(4):
            w.submit(_row(i))
        assert not w.flush(timeout=0.5)
        assert inserts.count >= 2 and w.failures >= 2  # retried
        assert w.rejected == 0 and w.pending == 4 and _rejects(engine) == []
        assert w.status()["last_error"]
        inserts.down.clear()
        assert w.flush(timeout=10)
        assert _ids(engine) == [f"r{i}" for i in range(4)] and w.rejected == 0
    finally:
        w.close()


def test_an_outage_while_isolating_keeps_the_rest_queued(engine):
    """The batch is refused, then the database goes away half-way through the bisection:
    what was handled leaves the queue, the rest waits for the database and is written once."""
    w = AuditWriter(engine, max_batch=8)
    rows = [_row(i) for i in range(8)]
    rows[1] = _fk_row(1)
    calls = {"n": 0}
    away = threading.Event()

    @event.listens_for(engine, "before_cursor_execute")
    def _away_mid_bisection(conn, cursor, statement, params, context, executemany):  # noqa: ANN001, ANN202, ARG001
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG "):
            calls["n"] += 1
            if calls["n"] == 6:  # batch, [0:4], [0:2], [0], [1] done; now [2:4]
                away.set()
            if away.is_set():
                raise exc.OperationalError(statement, {}, ConnectionError("database away"))

    for r in rows:
        w.submit(r)
    assert not w.flush()
    assert w.rejected == 1 and w.pending == 6  # r0 written, r1 set aside
    assert _ids(engine) == ["r0"]
    away.clear()
    assert w.flush()
    assert _ids(engine) == sorted(f"r{i}" for i in range(8) if i != 1)
    assert w.rejected == 1 and [r["request_id"] for r in _rejects(engine)] == ["r1"]


def test_a_row_that_cannot_even_be_set_aside_still_leaves_the_queue(engine, caplog):
    caplog.set_level(logging.ERROR, logger="guidance.store.audit")
    rejects = Inserts(engine, "audit_rejects")
    rejects.down.set()
    w = AuditWriter(engine)
    for r in (_row(0), _nan_row(1), _row(2)):
        w.submit(r)
    assert w.flush()
    assert w.pending == 0 and w.rejected == 1 and rejects.count == 1
    assert _ids(engine) == ["r0", "r2"] and _rejects(engine) == []
    assert any("could not be set aside" in m and "r1" in m for m in caplog.messages)
    w.submit(_row(3))
    assert w.flush() and "r3" in _ids(engine)


def test_audit_row_and_record_audit_store_non_finite_as_null(engine):
    row = audit_row(
        request_id="x",
        route="recommendations",
        role="public",
        status=200,
        latency_ms=float("inf"),
        top_k=[("P1", float("nan")), ("P2", 1e308 * 10), ("P3", 0.25)],
    )
    assert row["top_k"] == [
        {"id": "P1", "score": None},
        {"id": "P2", "score": None},
        {"id": "P3", "score": 0.25},
    ]
    assert row["latency_ms"] is None
    record_audit(
        engine,
        request_id="y",
        route="recommendations",
        role="public",
        status=200,
        top_k=[("P1", float("-inf"))],
        latency_ms=float("nan"),
    )
    with engine.connect() as conn:
        top, lat = conn.execute(select(AUDIT.c.top_k, AUDIT.c.latency_ms)).one()
    assert top == [{"id": "P1", "score": None}] and lat is None


def test_neither_engine_stores_nan_in_a_json_column(engine):
    table = Feedback.__table__
    with pytest.raises((StoreError, ValueError, exc.StatementError)) as info:
        from guidance.store.db import write_tx

        with write_tx(engine) as conn:
            conn.execute(
                insert(table).values(
                    recommended_ids=[float("nan")],
                    override=False,
                    consent_research=False,
                    consent_case=False,
                )
            )
    assert is_refusal(info.value)
    assert "Out of range float values are not JSON compliant" in refusal_text(info.value)
    with engine.connect() as conn:
        assert conn.execute(select(table.c.id)).all() == []


def test_refusal_classes():
    assert not is_refusal(StoreError("x"))
    wrapped = StoreError("audit batch rolled back")
    wrapped.__cause__ = exc.OperationalError("INSERT", {}, ConnectionError("gone"))
    assert not is_refusal(wrapped)
    wrapped.__cause__ = exc.IntegrityError("INSERT", {}, Exception("fk"))
    assert is_refusal(wrapped)
    assert is_refusal(ValueError("nan")) and is_refusal(TypeError("set"))
    assert not is_refusal(exc.ProgrammingError("INSERT", {}, Exception("no such table")))
    assert not is_refusal(exc.InterfaceError("INSERT", {}, Exception("closed")))
    text = refusal_text(
        exc.DataError(
            "INSERT INTO audit_log VALUES (secret)",
            {"a": "secret"},
            Exception("value too long\nDETAIL: secret"),
        )
    )
    assert text == "DataError: value too long"

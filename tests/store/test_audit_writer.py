"""The background audit writer: batches, flush, retry while the database is away, a
bounded backlog, nothing written twice or lost."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, exc, func, select

from guidance.store.audit import AUDIT, AuditBacklogFull, AuditWriter, audit_row, export_audit


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
        top_k=[(f"P{i:03d}", 0.5), ("P999", 0.25)],
    )


def _ids(engine) -> list[str]:  # noqa: ANN001
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(AUDIT.c.request_id))]


class Outage:
    """Makes every INSERT into the audit table fail while ``down`` is set."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.down = threading.Event()
        self.refused = 0

        @event.listens_for(engine, "before_cursor_execute")
        def _fail(conn, cursor, statement, params, context, executemany):  # noqa: ANN001, ANN202, ARG001
            if self.down.is_set() and statement.lstrip().upper().startswith(
                "INSERT INTO AUDIT_LOG"
            ):
                self.refused += 1
                raise exc.OperationalError(statement, {}, ConnectionError("database away"))


def test_rows_from_many_threads_are_written_once_in_few_batches(engine):
    w = AuditWriter(engine, interval=0.02).start()
    n_threads, per = 8, 50

    def client(t: int) -> None:
        for i in range(per):
            w.submit(_row(t * per + i))

    threads = [threading.Thread(target=client, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert w.close()
    ids = _ids(engine)
    assert sorted(ids) == sorted(f"r{i}" for i in range(n_threads * per))
    assert w.batches < n_threads * per / 4  # many rows per transaction
    (rec,) = [
        r
        for r in export_audit(
            engine, _row(0)["created_at"].date(), _row(0)["created_at"].date().replace(year=2100)
        )
        if r["request_id"] == "r7"
    ]
    assert rec["top_k"] == [{"id": "P007", "score": 0.5}, {"id": "P999", "score": 0.25}]
    assert rec["latency_ms"] == 7.0 and rec["model_version"] == "1"


def test_flush_makes_submitted_rows_visible(engine):
    w = AuditWriter(engine, interval=5.0).start()  # would otherwise wait 5 s to batch
    try:
        w.submit(_row(1))
        w.submit(_row(2))
        assert w.flush(timeout=5)
        assert sorted(_ids(engine)) == ["r1", "r2"]
        assert w.pending == 0
    finally:
        w.close()


def test_without_a_thread_flush_writes_in_the_caller(engine):
    w = AuditWriter(engine)
    w.submit(_row(1))
    assert _ids(engine) == []
    assert w.flush()
    assert _ids(engine) == ["r1"]


def test_rows_wait_while_the_database_is_away_and_are_written_once_after(engine):
    outage = Outage(engine)
    outage.down.set()
    w = AuditWriter(engine, interval=0.01, retry_max=0.05).start()
    try:
        for i in range(5):
            w.submit(_row(i))
        assert not w.flush(timeout=0.5)  # nothing can be written
        assert outage.refused >= 2  # retried
        assert w.pending == 5 and w.status()["last_error"] == "StoreError"
        assert _ids(engine) == []
        outage.down.clear()
        assert w.flush(timeout=10)
        assert sorted(_ids(engine)) == [f"r{i}" for i in range(5)]
        assert w.status() == {"pending": 0, "failures": w.failures, "last_error": None}
    finally:
        w.close()


def test_a_full_backlog_refuses_new_rows_and_loses_none(engine):
    outage = Outage(engine)
    outage.down.set()
    w = AuditWriter(engine, max_pending=3, interval=0.01, retry_max=0.05).start()
    try:
        for i in range(3):
            w.submit(_row(i))
        with pytest.raises(AuditBacklogFull):
            w.submit(_row(3))
        outage.down.clear()
        assert w.flush(timeout=10)
        w.submit(_row(4))  # room again
        assert w.flush(timeout=10)
    finally:
        w.close()
    assert sorted(_ids(engine)) == ["r0", "r1", "r2", "r4"]


def test_close_writes_what_is_queued(engine):
    w = AuditWriter(engine, interval=10.0).start()
    for i in range(3):
        w.submit(_row(i))
    assert w.close(timeout=10)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AUDIT)).scalar_one() == 3

"""The tracer database on both engines: versions, all-or-nothing, withdrawal, deletion,
coverage, and that no raw learner_ref reaches the database or the logs."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import text

from guidance.store.catalogue import load_catalogue
from guidance.store.fingerprint import table_fingerprints
from guidance.store.tracer import (
    TracerFileError,
    TracerRejected,
    coverage,
    events,
    forget,
    list_submissions,
    read_version,
    submit,
    withdraw,
)

SECRET = b"store-secret"
TODAY = date(2026, 12, 1)


@pytest.fixture
def tengine(engine, catalogue):  # noqa: ANN001, ANN201
    load_catalogue(engine, catalogue)
    return engine


def _rows(n: int, *, prog: str = "P001", status_every: int = 0, start: int = 0) -> list[dict]:
    out = []
    for i in range(start, start + n):
        no = status_every and i % status_every == 0
        out.append(
            {
                "learner_ref": f"RAWID{i:07d}",
                "programme_id": prog,
                "survey_status": "no_response" if no else "responded",
                "age": 20,
                "home_province_code": "01",
                "education_level": 12,
                "completed": True,
                **(
                    {}
                    if no
                    else {
                        "employed": True,
                        "employment_type": "formal",
                        "monthly_wage_vnd": 6_000_000 + i,
                        "job_matches_training": True,
                    }
                ),
            }
        )
    return out


def _submit(engine, rows, wave="12m", inst="I1", cohort="2025-06", **kw):  # noqa: ANN001, ANN202
    return submit(engine, inst, cohort, wave, rows, SECRET, "test", today=TODAY, **kw)


def test_versions_counts_and_previous_version_readable(tengine):
    v1 = _submit(tengine, _rows(10))
    assert (v1.version, v1.rows, v1.added, v1.changed, v1.removed) == (1, 10, 10, 0, 0)
    rows = _rows(12)[2:]  # two removed, two added
    rows[0]["monthly_wage_vnd"] = 1  # one changed
    v2 = _submit(tengine, rows)
    assert (v2.version, v2.added, v2.changed, v2.removed) == (2, 2, 1, 2)
    assert len(read_version(tengine, "I1", "2025-06", "12m", 1)) == 10
    assert len(read_version(tengine, "I1", "2025-06", "12m", 2)) == 10
    assert [s["version"] for s in list_submissions(tengine, "I1")] == [2, 1]
    assert list_submissions(tengine, "I2") == []
    assert [e["action"] for e in events(tengine)] == ["submit", "submit"]


def test_any_error_writes_nothing(tengine):
    _submit(tengine, _rows(5))
    before = table_fingerprints(tengine)
    bad = _rows(5) + [
        {
            "learner_ref": "X",
            "programme_id": "P002",
            "survey_status": "responded",
            "employed": False,
        }
    ]  # P002 belongs to I2
    with pytest.raises(TracerRejected) as exc:
        _submit(tengine, bad)
    assert [(e.row, e.rule) for e in exc.value.result.errors] == [(7, "offering")]
    with pytest.raises(TracerFileError):
        _submit(tengine, "learner_ref\n".encode("utf-16"))
    assert table_fingerprints(tengine) == before


def test_withdraw_coverage_and_forget(tengine, caplog):
    caplog.set_level(logging.DEBUG)
    _submit(tengine, _rows(10, status_every=4), wave="6m")  # 3 of 10 no_response
    _submit(tengine, _rows(10), wave="12m")
    cov = {c["wave"]: c for c in coverage(tengine, "I1")}
    assert cov["6m"]["graduates_known"] == 10 and cov["6m"]["responded"] == 7
    assert cov["6m"]["response_rate"] == 0.7 and cov["12m"]["response_rate"] == 1.0
    assert coverage(tengine, "I2") == []
    assert withdraw(tengine, "I1", "2025-06", "12m", "wrong cohort", "admin") == 1
    assert [c["wave"] for c in coverage(tengine)] == ["6m"]
    assert forget(tengine, "RAWID0000001", SECRET, "admin") == 2  # both waves
    assert forget(tengine, "rawid0000001 ", SECRET, "admin") == 0
    assert [e["action"] for e in events(tengine)][-3:] == ["withdraw", "forget", "forget"]
    dump = _dump(tengine)
    assert "RAWID" not in dump.upper() and "RAWID" not in caplog.text.upper()


def _dump(engine) -> str:  # noqa: ANN001
    from sqlalchemy import select

    from guidance.store.schema import metadata

    with engine.connect() as conn:
        return "\n".join(repr(r) for t in metadata.sorted_tables for r in conn.execute(select(t)))


def test_aggregates_submission_and_coverage(tengine):
    agg = [
        {
            "programme_id": "P003",
            "graduates": 40,
            "surveyed": 30,
            "respondents": 20,
            "employed_formal": 10,
            "employed_informal": 4,
            "self_employed": 2,
            "wage_median": 7_000_000,
        }
    ]
    res = _submit(tengine, agg, wave="6m")
    assert res.kind == "aggregates" and res.rows == 1
    (cov,) = coverage(tengine)
    assert (cov["graduates_known"], cov["surveyed"], cov["responded"]) == (40, 30, 20)
    assert cov["response_rate"] == 0.5


CHILD = r"""
import sys
from datetime import date
from guidance.store.db import make_engine
from guidance.store.tracer import submit
import guidance.store.tracer as t

url, n = sys.argv[1], int(sys.argv[2])
t.CHUNK = 1000
rows = [{"learner_ref": f"K{i}", "programme_id": "P001", "survey_status": "no_response"}
        for i in range(n)]

def progress(done, total):
    print(done, flush=True)
    import time
    time.sleep(0.05)

submit(make_engine(url), "I1", "2025-06", "12m", rows, b"store-secret", "kill",
       today=date(2026, 12, 1), progress=progress)
print("committed", flush=True)
"""


def test_sigkill_mid_submission_keeps_previous_version(tengine, db_url):
    _submit(tengine, _rows(50))
    before = table_fingerprints(tengine)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = child.stdout.readline().strip()
        assert first == "1000", (first, child.stderr.read())
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert table_fingerprints(tengine) == before
    assert len(read_version(tengine, "I1", "2025-06", "12m", 1)) == 50
    if tengine.dialect.name == "sqlite":
        with tengine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert _submit(tengine, _rows(3)).version == 2  # no stale lock

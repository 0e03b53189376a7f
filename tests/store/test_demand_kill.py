"""SIGKILL in the middle of a large demand upload leaves no partial snapshot.

A child process starts replacing a period, reports after its first chunk, and is
killed there; the database must then hold exactly what it held before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import text

from guidance.store.demand import get_snapshot, latest_period, replace_demand_period
from guidance.store.fingerprint import table_fingerprints

CHILD = r"""
import sys
import pandas as pd
from guidance.store.db import make_engine
from guidance.store.demand import replace_demand_period

url, n = sys.argv[1], int(sys.argv[2])
codes = [(f"{p:02d}", f"{1000 + o:04d}") for o in range(n // 99 + 1) for p in range(1, 100)][:n]
df = pd.DataFrame(codes, columns=["province_code", "occupation_code"])
df["vacancies"] = pd.array(range(n), dtype="Int64")

def progress(done):
    print(done, flush=True)
    if done >= 2_000:  # keep writing slowly enough for the parent to kill us mid-way
        import time
        time.sleep(0.05)

replace_demand_period(make_engine(url), "2031-01", df, chunk_size=2_000, progress=progress)
print("committed", flush=True)
"""


def _kill_mid_upload(db_url: str, n: int = 20_000) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(n)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = child.stdout.readline().strip()
        assert first == "2000", (first, child.stderr.read())
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def _check_unchanged(engine, before) -> None:  # noqa: ANN001
    assert table_fingerprints(engine) == before
    assert get_snapshot(engine, "2031-01") is None
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def _seed(engine, make_demand):  # noqa: ANN001
    replace_demand_period(engine, "2030-12", make_demand("2030-12", 500))
    return table_fingerprints(engine)


def test_sigkill_mid_upload_leaves_no_partial_snapshot(engine, db_url, make_demand):
    before = _seed(engine, make_demand)
    _kill_mid_upload(db_url)
    _check_unchanged(engine, before)
    assert latest_period(engine) == "2030-12"
    # The period is still writable afterwards (no stale lock).
    replace_demand_period(engine, "2031-01", make_demand("2031-01", 10))
    assert latest_period(engine) == "2031-01"


@pytest.mark.slow
def test_sigkill_mid_upload_ten_times(engine, db_url, make_demand):
    before = _seed(engine, make_demand)
    for _ in range(10):
        _kill_mid_upload(db_url)
        _check_unchanged(engine, before)

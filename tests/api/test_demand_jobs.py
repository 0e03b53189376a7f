"""Demand uploads as jobs, on both engines: commit-or-rollback, the same error lists,
cancel, interrupted jobs, warnings in the job."""

from __future__ import annotations

import subprocess
import threading

import pytest
from tests.api.test_demand import HEADER, _valid_csv, put_csv, table_fingerprints, wait_job

from guidance.store.jobs import INTERRUPTED


@pytest.mark.parametrize("where", ["thread", "child"])
def test_valid_upload_is_202_then_succeeds_and_is_served_with_warnings(
    api, world, where, monkeypatch
):
    """The same upload, validated in the runner thread (a small file) and in a child
    process (a large one; forced here by the size threshold)."""
    from guidance.api.routes import demand as demand_route

    if where == "child":
        monkeypatch.setattr(demand_route, "CHILD_MIN_BYTES", 0)
    period = "2032-01"
    lines = _valid_csv(world, period).splitlines()
    lines[0] += ",ghi_chu"
    lines[1:] = [ln + ",x" for ln in lines[1:]]
    cells = lines[1].split(",")
    cells[6] = "=cmd|' /C calc'!A0"
    lines[1] = ",".join(cells)
    r = put_csv(api, period, ("\n".join(lines) + "\n").encode())
    assert r.status_code == 202 and r.json()["status"] == "queued"
    job = wait_job(api, r)
    assert job["status"] == "succeeded", job
    assert job["progress_done"] == job["progress_total"] > 0
    assert job["result"]["period"] == period and job["result"]["serving_demand_period"] == period
    rules = {(w["rule"], w["column"], w["row"]) for w in job["warnings"]}
    assert ("unknown_column", None, None) in rules and ("neutralised", "source", 2) in rules
    assert job["warning_count"] == 2 and job["errors"] == [] and job["error_count"] == 0
    got = api.get("/api/v1/demand", params={"period": period, "limit": 10000}).json()
    assert got["total"] == job["result"]["row_count"]
    assert "'=cmd|' /C calc'!A0" in {i["source"] for i in got["items"]}
    # cancel after the commit: 409, saying so
    c = api.post(f"{r.json()['status_url']}/cancel", headers=api.admin)
    assert c.status_code == 409 and "already committed" in c.json()["error"]["message"]


EXPECTED = [  # spreadsheet rows (the header is row 1)
    (2, "vacancies", "range"),
    (3, "vacancies", "range"),
    (4, "source", "max_length"),
    (5, "job_seekers", "type"),
]


def test_bad_values_give_the_same_errors_on_both_engines(api, world):
    """vacancies 3e9 and 2^63, a 201-character source, 1e3: the same list on SQLite and
    PostgreSQL (each engine's run asserts this one expected list), nothing stored."""
    before = table_fingerprints(api.seeded.engine)
    row = _valid_csv(world, "2032-02").splitlines()[1].split(",")
    occs = list(world["occupations"]["occupation_code"])[:4]
    bad = [["3000000000", "", "a"], [str(2**63), "", "b"], ["5", "", "s" * 201], ["5", "1e3", "c"]]
    body = HEADER + "".join(
        f"2032-02,{row[1]},{o},{v},{j},,{s}\n" for o, (v, j, s) in zip(occs, bad, strict=True)
    )
    job = wait_job(api, put_csv(api, "2032-02", body.encode()))
    assert job["status"] == "failed"
    assert sorted((e["row"], e["column"], e["rule"]) for e in job["errors"]) == EXPECTED
    assert job["error_count"] == 4
    # the row and column have their fields; the messages (both languages) say what is wrong
    assert all(e["message"] == e["message_en"] and e["message_vi"] for e in job["errors"])
    vi = {e["row"]: e["message_vi"] for e in job["errors"]}
    assert vi[2] == "3.000.000.000 lớn hơn 2.147.483.647, giá trị lớn nhất cột chứa được"
    assert vi[5] == "“1e3” không phải số nguyên"
    assert table_fingerprints(api.seeded.engine) == before


def test_header_mistakes_fail_the_job(api, world):
    csv = _valid_csv(world, "2032-03")
    dup = csv.replace("source\n", "source,source\n", 1).replace("tải lên\n", "tải lên,y\n")
    typo = csv.replace("job_seekers", "job_seeker", 1)
    for raw, rule, column in (
        (dup, "duplicate_column", "source"),
        (typo, "misspelt_column", "job_seeker"),
    ):
        job = wait_job(api, put_csv(api, "2032-03", raw.encode()))
        assert job["status"] == "failed"
        assert [(e["rule"], e["column"]) for e in job["errors"]] == [(rule, column)]
    assert "job_seekers" in job["errors"][0]["message"]


def test_duplicates_across_chunks_are_found(api, world, monkeypatch):
    from guidance.api.routes import demand

    monkeypatch.setattr(demand, "CHUNK_ROWS", 3)
    lines = _valid_csv(world, "2032-04").splitlines(keepends=True)
    body = lines[:6] + [lines[1]]  # data row 6 repeats data row 1, two chunks later
    job = wait_job(api, put_csv(api, "2032-04", "".join(body).encode()))
    assert job["status"] == "failed"
    # spreadsheet rows: the header is row 1
    assert [(e["row"], e["rule"]) for e in job["errors"]] == [(7, "unique")]
    assert "first at row 2" in job["errors"][0]["message"]
    assert job["errors"][0]["message_vi"].endswith("ở dòng 2")


def test_cancel_before_commit_changes_nothing(api, world):
    engine = api.seeded.engine
    before = table_fingerprints(engine)
    runner = api.app.state.ctx.jobs
    real = runner.kinds["demand_upload"]
    reached, go = threading.Event(), threading.Event()

    def paused(job, progress):  # noqa: ANN001
        def hold(done, total=None, force=False):  # noqa: ANN001
            if total and done >= total and not reached.is_set():  # validated, not written
                reached.set()
                go.wait(30)
            progress(done, total, force=force)

        real(job, hold)

    runner.kinds["demand_upload"] = paused
    try:
        r = put_csv(api, "2032-05", _valid_csv(world, "2032-05").encode())
        assert reached.wait(30)
        c = api.post(f"{r.json()['status_url']}/cancel", headers=api.admin)
        assert c.status_code == 200 and c.json()["cancel_requested"]
        go.set()
        job = wait_job(api, r)
    finally:
        go.set()
        runner.kinds["demand_upload"] = real
    assert job["status"] == "cancelled" and "nothing was committed" in job["message"]
    assert table_fingerprints(engine) == before
    # a queued job is cancelled at once: block the runner with a job of another kind
    block = threading.Event()
    runner.register("test_block", lambda job, progress: block.wait(30))
    from guidance.store.jobs import create_job

    blocker = create_job(engine, "test_block", runner.owner())
    runner.submit(blocker)
    r = put_csv(api, "2032-05", _valid_csv(world, "2032-05").encode())
    c = api.post(f"{r.json()['status_url']}/cancel", headers=api.admin)
    block.set()
    assert c.json()["status"] == "cancelled"
    assert wait_job(api, r)["status"] == "cancelled"
    assert table_fingerprints(engine) == before


def test_jobs_are_visible_to_admins_and_their_own_key_only(api, world):
    r = put_csv(api, "2032-06", _valid_csv(world, "2032-06").encode())
    wait_job(api, r)
    url = r.json()["status_url"]
    assert api.get(url, headers=api.counsellor).status_code == 404
    assert api.get(url).status_code == 401
    assert api.get("/api/v1/jobs/" + "0" * 32, headers=api.admin).status_code == 404
    assert api.get("/api/v1/jobs/not-an-id", headers=api.admin).status_code == 422
    assert api.post(url + "/cancel", headers=api.counsellor).status_code == 404


def test_jobs_left_running_by_a_dead_process_end_failed_on_start(seeded, model_path, tmp_path):
    from fastapi.testclient import TestClient
    from sqlalchemy import update
    from tests.api.conftest import make_settings, wait_ready

    from guidance.api.app import create_app
    from guidance.store.db import write_tx
    from guidance.store.jobs import JOBS, create_job, get_job

    engine = seeded.engine
    before = table_fingerprints(engine)
    dead = subprocess.Popen(["true"])
    dead.wait()
    import os
    import socket

    host = socket.gethostname()
    gone = create_job(
        engine,
        "demand_upload",
        {
            "period": "2032-07",
            "spool": "/nonexistent",
            "host": host,
            "pid": dead.pid,
            "runner": "x",
        },
    )
    # this process, but an app (runner) that no longer exists
    old_app = create_job(
        engine,
        "demand_upload",
        {
            "period": "2032-07",
            "spool": "/nonexistent",
            "host": host,
            "pid": os.getpid(),
            "runner": "gone",
        },
    )
    with write_tx(engine) as conn:
        conn.execute(update(JOBS).where(JOBS.c.id.in_([gone, old_app])).values(status="running"))
    app = create_app(make_settings(tmp_path, seeded.url, model_path))
    with TestClient(app) as client:
        wait_ready(client)
        for job_id in (gone, old_app):
            job = client.get(
                f"/api/v1/jobs/{job_id}", headers={"X-API-Key": seeded.admin_key}
            ).json()
            assert (job["status"], job["message"]) == ("failed", INTERRUPTED)
    assert get_job(engine, gone).status == "failed"
    assert table_fingerprints(engine) == before


def test_cancel_check_inside_the_write_transaction_only_reads(seeded):
    """Inside ``replace_demand_period``'s transaction the job's callback must not write (on
    SQLite a second writer waits for that very transaction): it reads the cancel flag."""
    from sqlalchemy import text

    from guidance.api.routes.demand import _cancel_check
    from guidance.store.db import write_tx
    from guidance.store.jobs import JobCancelled, create_job, request_cancel, start_job

    job_id = create_job(seeded.engine, "demand_upload", {})
    assert start_job(seeded.engine, job_id)

    def progress() -> None:  # the runner's; must not be called inside the transaction
        raise AssertionError("progress written inside the write transaction")

    progress.stopping = lambda: False  # type: ignore[attr-defined]
    check = _cancel_check(seeded.engine, job_id, progress, every=0.0)
    with write_tx(seeded.engine) as conn:
        conn.execute(text("UPDATE jobs SET message = 'writing' WHERE id = :i"), {"i": job_id})
        check(100)  # returns: nothing asked, and no second write attempted
    request_cancel(seeded.engine, job_id)
    with write_tx(seeded.engine) as conn:
        conn.execute(text("UPDATE jobs SET message = 'writing' WHERE id = :i"), {"i": job_id})
        with pytest.raises(JobCancelled):
            check(200)


def test_a_cancel_mid_file_leaves_no_file_open(seeded, tmp_path, world):
    """``progress()`` raising in the middle of the chunked read (a cancel, a stopping runner)
    must not leave the reader's file open (it surfaced as a ResourceWarning at teardown)."""
    import gc
    import warnings

    from guidance.api.routes.demand import validate_spool
    from guidance.store.jobs import JobCancelled

    rows = world["demand"].head(50)
    path = tmp_path / "demand.csv"
    rows.assign(period="2031-01").to_csv(path, index=False)
    calls = [0]

    def progress(done: int, total: int | None = None, force: bool = False) -> None:
        calls[0] += 1
        if calls[0] == 3:  # after the first chunk
            raise JobCancelled("cancelled")

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(JobCancelled):
            validate_spool(path, "2031-01", seeded.engine, progress, chunk_rows=10)
        gc.collect()
    assert calls[0] == 3
    assert not [w for w in seen if issubclass(w.category, ResourceWarning)], [
        str(w.message) for w in seen
    ]

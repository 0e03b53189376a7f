"""Tracer figures (issue 11): wall time and peak RSS of

- validation of a CSV with bad cells (in process: read + validate);
- N individual records submitted through the CLI (``guidance tracer submit FILE``, a child
  process) on SQLite and PostgreSQL;
- export of M records (``guidance tracer export``, a child process) on both engines;
- ``--api``: N records PUT to a real server (``guidance serve``) with ``Prefer: respond-async``
  and the job polled (needs ``PUT /api/v1/institutions/{id}/tracer/{cohort}/{wave}``);
- ``--in-process``: N records as in-memory dicts through ``store.tracer.submit``.

Start small, then the issue's figures::

    .venv/bin/python benchmarks/tracer_upload.py --records 100000 --export 200000
    .venv/bin/python benchmarks/tracer_upload.py --records 1000000 --export 5000000

Targets: 1,000,000 records ≤ 60 s and ≤ 1.5 GB RSS per engine; export of 5,000,000 records
≤ 2 min; validation of 100,000 rows with 10,000 bad cells ≤ 10 s. Peak RSS of a child is its
own (``wait4``); "in process" RSS is this process's peak so far.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd

SECRET = "bench-secret-0123456789abcdef0123456789"
COLS = [
    "learner_ref",
    "programme_id",
    "survey_status",
    "age",
    "home_province_code",
    "education_level",
    "completed",
    "employed",
    "employment_type",
    "monthly_wage_vnd",
    "job_matches_training",
]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CHILD_PYTHONPATH: str | None = None  # --child-pythonpath: run the children on other code


def _env() -> dict[str, str]:
    env = {**os.environ, "GUIDANCE_API_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    if CHILD_PYTHONPATH:
        env["PYTHONPATH"] = CHILD_PYTHONPATH
    return env


def _child(args: list[str]) -> tuple[str, float, int, str]:
    """(wall and CPU seconds, peak RSS MB, exit code, output tail) of
    ``python -m guidance ARGS``; CPU time shows the cost when the machine is shared."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(
            [sys.executable, "-m", "guidance", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        secs = f"{time.perf_counter() - t:.1f} s ({usage.ru_utime + usage.ru_stime:.1f} s CPU)"
        out.seek(0)
        tail = out.read().decode("utf-8", "replace")[-600:]
    return secs, usage.ru_maxrss / 1024, p.returncode, tail


def _row(i: int) -> list:
    return [
        f"B{i}",
        "P1",
        "responded",
        20 + i % 30,
        f"{1 + i % 60:02d}",
        12,
        "yes",
        "yes",
        "formal",
        5_000_000 + i,
        "yes" if i % 3 else "no",
    ]


def _write_csv(path: Path, n: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLS)
        for i in range(n):
            w.writerow(_row(i))


def _catalogue(institutions: int = 1) -> dict[str, pd.DataFrame]:
    from guidance.reference import occupations, provinces

    p = pd.DataFrame(
        [
            {
                "programme_id": f"P{k}",
                "programme_code": f"X{k}",
                "name_vi": "Kế toán",
                "name_en": "Acc",
                "level": "cao_dang",
                "field_code": "0411",
                "institution_id": f"I{k}",
                "institution_name": "Trường",
                "province_code": "01",
                "duration_months": 30,
                "tuition_vnd_per_year": 1,
                "min_education": 12,
                "target_occupations": "3313",
                "mode": None,
                "capacity": None,
                "predecessor_id": None,
                "active": True,
            }
            for k in range(1, institutions + 1)
        ]
    )
    return {"programmes": p, "provinces": provinces(), "occupations": occupations()}


def _databases(which: list[str], postgres: str) -> Iterator[tuple[str, str]]:
    """(engine name, URL) of a fresh SQLite file and a fresh PostgreSQL schema."""
    from sqlalchemy import text

    from guidance.store.db import make_engine

    with tempfile.TemporaryDirectory() as d:
        if "sqlite" in which:
            yield "sqlite", f"sqlite:///{Path(d) / 'bench.db'}"
        if "postgresql" in which:
            schema = "bench_" + secrets.token_hex(4)
            admin = make_engine(postgres)
            with admin.begin() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                yield "postgresql", f"{postgres}?options=-csearch_path%3D{schema}"
            finally:
                with admin.begin() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def _prepare(url: str, institutions: int = 1) -> None:
    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    load_catalogue(engine, _catalogue(institutions))
    engine.dispose()


def cli_run(name: str, url: str, csv_path: Path, n: int) -> None:
    _prepare(url)
    secs, rss, code, tail = _child(
        [
            "tracer",
            "submit",
            str(csv_path),
            "--institution",
            "I1",
            "--cohort",
            "2025-06",
            "--wave",
            "12m",
            "--database-url",
            url,
            *(["--max-rows", str(n)] if n > 2_000_000 else []),
        ]
    )
    ok = "" if code == 0 else f"  FAILED (exit {code}): {tail}"
    print(f"CLI submit, {name}: {n:,} records in {secs}, peak RSS {rss:.0f} MB{ok}", flush=True)


def _fill(url: str, n: int, groups: int) -> None:
    """n responded records straight into the tables (no validation): ``groups``
    institutions × one cohort × both waves, each graduate in both waves."""
    from sqlalchemy import insert

    from guidance.store.db import make_engine, write_tx
    from guidance.store.schema import TracerSubmission, utcnow
    from guidance.store.tracer import _REC_COLS, RECS, _write_rows

    engine = make_engine(url)
    per = n // (2 * groups)
    for g in range(1, groups + 1):
        for wave in ("6m", "12m"):
            with write_tx(engine, "bench fill") as conn:
                sid = conn.execute(
                    insert(TracerSubmission.__table__)
                    .values(
                        institution_id=f"I{g}",
                        cohort="2024-06",
                        wave=wave,
                        version=1,
                        kind="records",
                        created_at=utcnow(),
                        actor="bench",
                        row_count=per,
                        content_hash="0" * 64,
                        warnings=[],
                    )
                    .returning(TracerSubmission.__table__.c.id)
                ).scalar_one()
                for start in range(0, per, 50_000):
                    rows = []
                    for i in range(start, min(start + 50_000, per)):
                        emp = i % 4 != 0
                        data = (
                            f'{{"age": {20 + i % 30}, "completed": true, '
                            f'"education_level": 12, "employed": {"true" if emp else "false"}'
                            f', "gpa": 7.5, "home_province_code": "{1 + i % 60:02d}", '
                            f'"sex": "{"female" if i % 2 else "male"}"'
                        )
                        if wave == "12m":
                            data += (
                                f', "employment_type": "{"formal" if emp else "none"}", '
                                f'"job_matches_training": {"true" if emp else "false"}, '
                                f'"monthly_wage_vnd": {5_000_000 + i if emp else "null"}'
                            )
                        pid = hashlib.sha256(f"{g}:{i}".encode()).hexdigest()
                        rows.append((pid, f"P{g}", "responded", None, None, data + "}"))
                    _write_rows(conn, RECS, _REC_COLS, sid, rows)
    engine.dispose()


def export_run(name: str, url: str, n: int, out: Path, groups: int) -> None:
    _prepare(url, groups)
    t = time.perf_counter()
    _fill(url, n, groups)
    print(f"  (filled {n:,} records on {name} in {time.perf_counter() - t:.0f} s)", flush=True)
    secs, rss, code, tail = _child(["tracer", "export", "--out", str(out), "--database-url", url])
    ok = "" if code == 0 else f"  FAILED (exit {code}): {tail}"
    size = sum(f.stat().st_size for f in out.glob("*.csv")) / 1e6 if out.is_dir() else 0
    print(
        f"export, {name}: {n:,} records ({n // 2:,} graduates) in {secs}, peak RSS "
        f"{rss:.0f} MB, {size:.0f} MB of CSV{ok}",
        flush=True,
    )


def in_process_run(name: str, url: str, n: int) -> None:
    from guidance.store.db import make_engine
    from guidance.store.tracer import submit

    _prepare(url)
    engine = make_engine(url)
    rows = [dict(zip(COLS, _row(i), strict=True)) for i in range(n)]
    t = time.perf_counter()
    res = submit(
        engine, "I1", "2025-06", "12m", rows, SECRET.encode(), "bench", today=date(2026, 12, 1)
    )
    print(
        f"in process, {name}: {res.rows:,} records submitted in "
        f"{time.perf_counter() - t:.1f} s (peak RSS so far {_rss_mb():.0f} MB)",
        flush=True,
    )
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_run(name: str, url: str, csv_path: Path, n: int) -> None:
    """PUT the file to a real server, asynchronously, and poll the job (needs h1's route)."""
    _prepare(url)
    key = (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "guidance",
                "keys",
                "create",
                "--name",
                "bench",
                "--role",
                "institution",
                "--institution",
                "I1",
                "--database-url",
                url,
            ],
            env=_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    env = {**_env(), "GUIDANCE_DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "guidance", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base}/healthz", timeout=2) as r,
            ):  # no model needed to take uploads
                if r.status == 200:
                    break
            time.sleep(0.2)
        peak = {"server": 0, "children": 0}
        stop = threading.Event()

        def sample() -> None:  # the server's RSS and its children's (the validation child)
            import psutil

            proc = psutil.Process(server.pid)
            while not stop.is_set():
                with contextlib.suppress(psutil.Error):
                    peak["server"] = max(peak["server"], proc.memory_info().rss)
                    kids = sum(c.memory_info().rss for c in proc.children(recursive=True))
                    peak["children"] = max(peak["children"], kids)
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t = time.perf_counter()
        req = urllib.request.Request(
            f"{base}/api/v1/institutions/I1/tracer/2025-06/12m",
            method="PUT",
            data=csv_path.read_bytes(),
            headers={"X-API-Key": key, "Content-Type": "text/csv", "Prefer": "respond-async"},
        )
        with urllib.request.urlopen(req, timeout=600) as r:
            body = json.loads(r.read())
            status_url = r.headers.get("Location") or f"/api/v1/jobs/{body['job_id']}"
        job: dict = {}
        while time.perf_counter() - t < 900:
            with urllib.request.urlopen(
                urllib.request.Request(base + status_url, headers={"X-API-Key": key}), timeout=30
            ) as r:
                job = json.loads(r.read())
            if job.get("status") not in ("queued", "running"):
                break
            time.sleep(0.5)
        stop.set()
        sampler.join(5)
        print(
            f"API submit, {name}: {n:,} records in {time.perf_counter() - t:.1f} s, job "
            f"{job.get('status')} ({job.get('message')}); peak RSS server "
            f"{peak['server'] / 2**20:.0f} MB, its child process "
            f"{peak['children'] / 2**20:.0f} MB",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def validation_run(rows: int, bad: int) -> None:
    from guidance.tracer.read import read_bytes
    from guidance.tracer.validate import validate

    lines = ["learner_ref,programme_id,survey_status,employed,employment_type,monthly_wage_vnd"]
    step = max(rows // bad, 1)
    for i in range(rows):
        wage = "abc" if i % step == 0 else str(5_000_000 + i)
        lines.append(f"L{i},P1,responded,yes,formal,{wage}")
    data = ("\n".join(lines) + "\n").encode()
    t = time.perf_counter()
    res = validate(
        read_bytes(data, b"bench", max_rows=rows),
        "I1",
        "2025-06",
        "12m",
        {"P1": "I1"},
        date(2026, 12, 1),
    )
    print(
        f"validation: {rows:,} rows, {res.n_errors:,} bad cells in "
        f"{time.perf_counter() - t:.1f} s (peak RSS so far {_rss_mb():.0f} MB)",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--records",
        type=int,
        default=100_000,
        help="records per CLI (and API / in-process) submission; 0 skips",
    )
    ap.add_argument(
        "--export",
        type=int,
        default=200_000,
        help="records in the database for the export figure; 0 skips",
    )
    ap.add_argument(
        "--export-groups",
        type=int,
        default=10,
        help="institutions (each one cohort, both waves) the export records span",
    )
    ap.add_argument("--bad-file-rows", type=int, default=100_000, help="0 skips")
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--api", action="store_true", help="also PUT through a real server")
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="also submit in-memory dicts through store.tracer.submit",
    )
    ap.add_argument(
        "--child-pythonpath",
        default=None,
        help="PYTHONPATH of the CLI children, e.g. an old checkout's src/ for "
        "'before' figures (the database is prepared with this code)",
    )
    args = ap.parse_args()
    global CHILD_PYTHONPATH  # noqa: PLW0603 - one switch for every child
    CHILD_PYTHONPATH = args.child_pythonpath
    engines = [e for e in args.engines.split(",") if e]
    if args.bad_file_rows:
        validation_run(args.bad_file_rows, args.bad_file_rows // 10)
    with tempfile.TemporaryDirectory() as d:
        if args.records:
            csv_path = Path(d) / "records.csv"
            _write_csv(csv_path, args.records)
            print(f"  ({csv_path.stat().st_size / 1e6:.0f} MB CSV of {args.records:,} records)")
            for name, url in _databases(engines, args.postgres):
                cli_run(name, url, csv_path, args.records)
            if args.api:
                for name, url in _databases(engines, args.postgres):
                    api_run(name, url, csv_path, args.records)
            if args.in_process:
                for name, url in _databases(engines, args.postgres):
                    in_process_run(name, url, args.records)
        if args.export:
            for name, url in _databases(engines, args.postgres):
                export_run(name, url, args.export, Path(d) / f"export-{name}", args.export_groups)


if __name__ == "__main__":
    main()

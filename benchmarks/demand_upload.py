"""Demand upload jobs against a real ``guidance serve``: wall time and peak RSS of the job,
and recommendation latency (p50/p99, open loop) while an upload runs vs idle.

A VALID demand snapshot has at most one row per (province, occupation) of the catalogue,
so the largest valid upload is every pair (``--scale`` decides how many). Larger files
(100k, 1M rows) repeat those pairs: they are validated to the end (bounded memory, errors
capped at 1,000 with the exact total) and fail on ``unique``; the old snapshot stays.

    .venv/bin/python benchmarks/demand_upload.py --rows 100000,1000000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from api_load import free_port, launched, learner, open_loop  # noqa: E402

HEADER = "period,province_code,occupation_code,vacancies,job_seekers,median_wage_vnd,source\n"


def build(work: Path, max_iter: int) -> dict:
    import warnings

    from training.config import load_config
    from training.pipeline import split_pairs

    from guidance.artifacts import save_artifact
    from guidance.contract import load_dir
    from guidance.model import fit_models
    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.demand import load_demand
    from guidance.store.keys import create_key
    from guidance.store.migrate import upgrade
    from guidance.world.generate import generate_world

    generate_world(work / "world", seed=1, scale="tiny", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(work / "world")
    cfg = load_config(overrides={"model": {"max_iter": max_iter}})
    parts = split_pairs(tables, cfg)
    models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    job, _ = save_artifact(models, work / "models", "guidance-outcomes", 1)
    url = f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_catalogue(engine, tables)
    d = tables["demand"]
    load_demand(engine, d[d["period"].isin(sorted(d["period"].unique())[-3:])])
    _, key = create_key(engine, "bench", "admin")
    prog = tables["programmes"].iloc[0]
    _, inst_key = create_key(
        engine, "bench-institution", "institution", str(prog["institution_id"])
    )
    engine.dispose()
    return {
        "tables": tables,
        "job": job,
        "url": url,
        "key": key,
        "inst_key": inst_key,
        "institution": str(prog["institution_id"]),
        "programme": str(prog["programme_id"]),
    }


def tracer_file(path: Path, programme: str, rows: int) -> int:
    """A valid tracer submission (individual records) of ``rows`` graduates."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            "learner_ref,programme_id,survey_status,employed,employment_type,monthly_wage_vnd\n"
        )
        for i in range(rows):
            fh.write(f"BENCH{i:08d},{programme},responded,yes,formal,{6_000_000 + i % 1000}\n")
    return rows


def csv_file(path: Path, tables: dict, period: str, rows: int | None) -> int:
    """Every (province, occupation) pair once (``rows`` None), else ``rows`` rows cycling
    through the pairs. Returns the row count."""
    provs = list(tables["provinces"]["province_code"])
    occs = list(tables["occupations"]["occupation_code"])
    pairs = [(p, o) for p in provs for o in occs]
    n = len(pairs) if rows is None else rows
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(n):
            p, o = pairs[i % len(pairs)]
            fh.write(f"{period},{p},{o},{rng.randint(0, 900)},{rng.randint(0, 900)},,bench\n")
    return n


def rss_sampler(pid: int, stop: threading.Event, out: dict) -> None:
    peak = 0
    while not stop.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        except OSError:
            break
        time.sleep(0.05)
    out["peak"] = peak


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def upload(url: str, key: str, period: str, path: Path, target: str | None = None) -> dict:
    """PUT the file (a demand period, or ``target``: a tracer submission, as a job) and poll
    its job to the end."""
    t0 = time.perf_counter()
    with path.open("rb") as fh:
        r = httpx.put(
            url + (target or f"/api/v1/demand/{period}"),
            content=fh,
            timeout=120,
            headers={"X-API-Key": key, "Content-Type": "text/csv", "Prefer": "respond-async"},
        )
    accepted = time.perf_counter() - t0
    assert r.status_code == 202, r.text[:300]
    status_url = url + r.json()["status_url"]
    while True:
        job = httpx.get(status_url, headers={"X-API-Key": key}, timeout=30).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.1)
    return {
        "accepted_s": accepted,
        "wall_s": time.perf_counter() - t0,
        "status": job["status"],
        "errors_listed": len(job["errors"]),
        "error_count": job["error_count"],
        "row_count": (job["result"] or {}).get("row_count"),
    }


async def _during(
    up: threading.Thread, lat: list, url: str, path: str, payload: dict, rate: float
) -> None:
    """Open-loop recommendation load in 2-s windows while the upload thread runs."""
    while up.is_alive():
        lat.append(await open_loop(url, path, payload, 2, rate))


def serve_and_upload(
    built: dict, work: Path, args: argparse.Namespace, python: str, label: str
) -> None:
    """One server (``python`` -m guidance serve) on the built database: idle latency, then
    each upload with the recommendation latency while it runs. Each server starts from its own
    copy of the database, so both do the same work."""
    import shutil

    db = work / f"bench-{label}.db"  # each server starts from the same database
    shutil.copyfile(work / "bench.db", db)
    built = {**built, "url": f"sqlite:///{db}"}
    port = free_port()
    env = {
        **os.environ,
        "GUIDANCE_DATABASE_URL": built["url"],
        "GUIDANCE_MODEL_PATH": str(built["job"]),
        "GUIDANCE_VAR_DIR": str(work / f"var-{label}"),
        "GUIDANCE_API_SECRET": "bench",
        "GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE": "10000000",
        "GUIDANCE_RATE_LIMIT_KEY_PER_MINUTE": "10000000",
        "GUIDANCE_MAX_UPLOAD_BYTES": str(256 << 20),
    }
    url = f"http://127.0.0.1:{port}"
    cmd = [python, "-m", "guidance", "serve", "--port", str(port), "--workers", "1"]
    payload = {"profile": learner(built["tables"])}
    path = "/api/v1/recommendations"
    with launched(cmd, env, work / f"server-{label}.log", url + "/readyz") as proc:
        asyncio.run(open_loop(url, path, payload, 2, args.rate))  # warm up
        idle = asyncio.run(open_loop(url, path, payload, args.idle_seconds, args.rate))
        print(
            f"{label} idle: recommendations p50 {idle['p50_ms']:.1f} ms, p99 {idle['p99_ms']:.1f} ms "
            f"(n={idle['n']}, non-200 {idle['non_200']}); server RSS {rss(proc.pid) / 2**20:.0f} MiB"
        )
        sizes: list = [None] + [int(x) for x in args.rows.split(",") if x]
        sizes += [("tracer", args.tracer_rows)] if args.tracer_rows else []
        for i, rows in enumerate(sizes):
            f = work / f"upload-{i}.csv"
            label_ = label
            key, target = built["key"], None
            if isinstance(rows, tuple):  # a tracer submission through the job path
                n = tracer_file(f, built["programme"], rows[1])
                label = f"tracer submission of {n:,} records"
                key = built["inst_key"]
                target = f"/api/v1/institutions/{built['institution']}/tracer/2025-06/12m"
            else:
                n = csv_file(f, built["tables"], "2040-01", rows)
                label = (
                    f"{n:,} demand rows "
                    f"({'every pair, valid' if rows is None else 'repeating pairs'})"
                )
            stop, peak, res = threading.Event(), {}, {}
            base = rss(proc.pid)
            sampler = threading.Thread(target=rss_sampler, args=(proc.pid, stop, peak))
            sampler.start()
            up = threading.Thread(
                target=lambda f=f, res=res, k=key, t=target: res.update(
                    upload(url, k, "2040-01", f, t)
                )
            )
            t0 = time.perf_counter()
            up.start()
            lat: list[dict] = []
            asyncio.run(_during(up, lat, url, path, payload, args.rate))
            up.join()
            stop.set()
            sampler.join()
            p50s = [x["p50_ms"] for x in lat]
            p99s = [x["p99_ms"] for x in lat]
            non200 = sum(x["non_200"] for x in lat)
            print(
                f"{label_}: {label}, {f.stat().st_size / 2**20:.1f} MiB: job {res['status']} in "
                f"{res['wall_s']:.1f} s (202 after {res['accepted_s']:.2f} s; total "
                f"{time.perf_counter() - t0:.1f} s), errors {res['error_count']:,} "
                f"(listed {res['errors_listed']}), server RSS {base / 2**20:.0f} → peak "
                f"{peak.get('peak', 0) / 2**20:.0f} MiB; recommendations during: p50 "
                f"{max(p50s) if p50s else float('nan'):.1f} ms (worst 2-s window), p99 "
                f"{max(p99s) if p99s else float('nan'):.1f} ms, non-200 {non200}"
            )
            f.unlink()
            label = label_


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="100000,1000000", help="comma-separated row counts")
    ap.add_argument("--rate", type=float, default=20.0, help="recommendations per second")
    ap.add_argument("--idle-seconds", type=float, default=8.0)
    ap.add_argument("--max-iter", type=int, default=10)
    ap.add_argument(
        "--tracer-rows",
        type=int,
        default=0,
        help="also a tracer submission of this many records (a job in a child)",
    )
    ap.add_argument(
        "--baseline-python",
        default=None,
        help="also run a server with this interpreter (an older checkout's venv) first",
    )
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="guidance-upload-bench-"))
    built = build(work, args.max_iter)
    if args.baseline_python:
        serve_and_upload(built, work, args, args.baseline_python, "baseline")
    serve_and_upload(built, work, args, sys.executable, "ours")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

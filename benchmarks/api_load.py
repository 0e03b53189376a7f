"""Load benchmark of the serving API on loopback, with ``mlflow models serve`` as the peer.

Builds a demo world, trains an outcome model, loads a SQLite database, then for 1 and 2
workers of ``guidance serve``: closed-loop throughput of ``POST /api/v1/recommendations`` and
open-loop latency at a fixed rate. The peer serves the same outcome model through MLflow's
pyfunc server and scores, per request, the same candidate rows our service scores for one
request. Everything is bounded in time; figures go to stdout (and ``--json``).

``--scale national``: the server holds the national catalogue (~40,000 offerings) and its
demand, built as ``benchmarks/recommend.py`` builds them (the generator's catalogue and
demand stages, without the 5 million outcome records, which serving does not need); the
model is trained on the demo world.

    .venv/bin/python benchmarks/api_load.py --scale demo --seconds 10 --rate 50
    .venv/bin/python benchmarks/api_load.py --scale national --seconds 10 --rate 50

``--database postgresql`` serves from a fresh schema of the local PostgreSQL server
(``GUIDANCE_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
dropped at the end. ``--baseline-python PY`` also runs the same loads against a server started
with another interpreter (e.g. the venv of a checkout of an older commit), in the same run, so
old and new are compared on one machine at one time; the world and the artifact are built once
by this checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s")


@contextlib.contextmanager
def launched(cmd: list[str], env: dict, log_path: Path, ready_url: str):  # noqa: ANN201
    """Start a server in its own session, wait until ``ready_url`` answers 200 (printing the
    log's tail if it never does), yield it, and stop it whatever happens."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            try:
                wait_http(ready_url, 180, proc)
            except RuntimeError:
                log.flush()
                print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
            yield proc
        finally:
            stop(proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1e3 if s else float("nan")


async def closed_loop(url: str, path: str, payload: dict, seconds: float, conns: int) -> dict:
    """``conns`` clients back to back: throughput."""
    lat: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    async with httpx.AsyncClient(
        base_url=url, timeout=30, limits=httpx.Limits(max_connections=conns)
    ) as c:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < end:
                t = time.perf_counter()
                r = await c.post(path, json=payload)
                lat.append(time.perf_counter() - t)
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conns)))
        dt = time.perf_counter() - t0
    return {
        "rps": len(lat) / dt,
        "n": len(lat),
        "errors": errors,
        "p50_ms": pct(lat, 0.5),
        "p99_ms": pct(lat, 0.99),
    }


async def open_loop(url: str, path: str, payload: dict, seconds: float, rate: float) -> dict:
    """One request every 1/rate s whatever the latency: latency at a fixed load."""
    lat: list[float] = []
    codes: list[int] = []
    async with httpx.AsyncClient(
        base_url=url, timeout=30, limits=httpx.Limits(max_connections=256)
    ) as c:

        async def one() -> None:
            t = time.perf_counter()
            try:
                r = await c.post(path, json=payload)
                codes.append(r.status_code)
            except httpx.HTTPError:
                codes.append(0)
            lat.append(time.perf_counter() - t)

        tasks, start = [], time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    tally = {str(k): codes.count(k) for k in sorted(set(codes)) if k != 200}  # 0: no answer
    return {
        "rate": rate,
        "n": len(lat),
        "non_200": sum(c != 200 for c in codes),
        "non_200_codes": tally,
        "p50_ms": pct(lat, 0.5),
        "p99_ms": pct(lat, 0.99),
        "max_ms": pct(lat, 1.0),
    }


def national_world(seed: int = 42) -> dict:
    """The national catalogue and demand (no outcomes), keyed as ``load_dir`` keys them."""
    from recommend import national_tables  # benchmarks/ is on sys.path when run as a script

    prog, prov, occ, demand = national_tables(seed)
    return {"programmes": prog, "provinces": prov, "occupations": occ, "demand": demand}


PG_URL = os.environ.get(
    "GUIDANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextlib.contextmanager
def database(kind: str, work: Path):  # noqa: ANN201 - yields a URL
    """A SQLite file in ``work``, or a fresh PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'bench.db'}"
        return
    import secrets

    from sqlalchemy import text

    from guidance.store.db import make_engine

    admin = make_engine(PG_URL)
    schema = "bench_" + secrets.token_hex(4)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def build(work: Path, scale: str, max_iter: int, url: str) -> dict:
    """World, model artifact, MLflow pyfunc copy of it, database; returns what the runs need.

    ``national``: models trained on the demo world; the database (and ``tables``, which the
    peer's payload is built from) hold the national catalogue and demand."""
    from training.config import load_config
    from training.pipeline import split_pairs

    from guidance.artifacts import save_artifact
    from guidance.contract import load_dir
    from guidance.model import fit_models
    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.demand import load_demand
    from guidance.store.migrate import upgrade
    from guidance.world.generate import generate_world

    t0 = time.perf_counter()
    generate_world(
        work / "world", seed=1, scale="demo" if scale == "national" else scale, progress=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(work / "world")
    cfg = load_config(overrides={"model": {"max_iter": max_iter}})
    parts = split_pairs(tables, cfg)
    models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    job, _ = save_artifact(models, work / "models", "guidance-outcomes", 1)
    if scale == "national":
        tables = national_world()
    engine = make_engine(url)
    upgrade(engine)
    load_catalogue(engine, tables)
    d = tables["demand"]
    periods = sorted(d["period"].unique())[-15:]
    load_demand(engine, d[d["period"].isin(periods)].reset_index(drop=True))
    engine.dispose()
    print(
        f"built {scale} world, model and database in {time.perf_counter() - t0:.0f} s; "
        f"{len(tables['programmes'])} offerings",
        file=sys.stderr,
    )
    return {"tables": tables, "models": models, "job": job, "url": url}


def learner(tables: dict) -> dict:
    home = str(tables["programmes"]["province_code"].value_counts().index[0])
    return {
        "age": 18,
        "home_province_code": home,
        "education_level": 12,
        "gpa": 7.2,
        "math_score": 7.0,
        "riasec_r": 0.7,
        "riasec_i": 0.4,
        "riasec_c": 0.3,
    }


def peer_payload(built: dict, profile: dict) -> dict:
    """The candidate rows our service scores for this request, as MLflow's JSON input."""
    from guidance.features import serving_pairs
    from guidance.recommend.core import Recommender
    from guidance.recommend.types import LearnerProfile

    t = built["tables"]
    rec = Recommender(built["models"], t["programmes"], t["provinces"], t["occupations"])
    r = rec.rank(profile)
    inputs = LearnerProfile.model_validate(profile).model_inputs()
    pairs = serving_pairs(inputs, rec.cat.frame.iloc[r.idx], r.start_period)
    split = json.loads(pairs.to_json(orient="split", index=False, date_format="iso"))
    return {"dataframe_split": {"columns": split["columns"], "data": split["data"]}}


def save_peer(built: dict, work: Path) -> Path:
    import mlflow.pyfunc

    from guidance.registry import OutcomesPyfunc

    path = work / "peer_model"
    mlflow.pyfunc.save_model(
        str(path),
        python_model=OutcomesPyfunc(),
        artifacts={"bundle": str(built["job"]), "metadata": str(built["job"].with_suffix(".json"))},
    )
    return path


def warm_up(url: str, path: str, payload: dict, workers: int, timeout: float = 180) -> None:
    """Until a warm-up round has no error: /readyz answers as soon as ONE worker is ready,
    and a large catalogue keeps the others loading for a while."""
    t0 = time.monotonic()
    while True:
        r = asyncio.run(closed_loop(url, path, payload, 2, 2 * workers))
        if r["errors"] == 0:
            return
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"warm-up still failing after {timeout:.0f} s: {r}")
        time.sleep(1)


def run_ours(
    built: dict,
    work: Path,
    workers: int,
    payload: dict,
    args,  # noqa: ANN001
    python: str = sys.executable,
    label: str = "ours",
) -> dict:
    port = free_port()
    env = {
        **os.environ,
        "GUIDANCE_DATABASE_URL": built["url"],
        "GUIDANCE_MODEL_PATH": str(built["job"]),
        "GUIDANCE_VAR_DIR": str(work / "var"),
        "GUIDANCE_API_SECRET": "bench",
        "GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE": "10000000",
        "GUIDANCE_MAX_CONCURRENCY": "256",
    }
    url = f"http://127.0.0.1:{port}"
    cmd = [python, "-m", "guidance", "serve", "--port", str(port), "--workers", str(workers)]
    with launched(cmd, env, work / f"{label}-{workers}.log", url + "/readyz"):
        time.sleep(2 if workers == 1 else 5)  # let every worker load its model
        path = "/api/v1/recommendations"
        warm_up(url, path, payload, workers)
        return {
            "load_average_1min_before": os.getloadavg()[0],
            "throughput": asyncio.run(
                closed_loop(url, path, payload, args.seconds, args.connections)
            ),
            "fixed_rate": asyncio.run(open_loop(url, path, payload, args.seconds, args.rate)),
        }


def run_peer(model_path: Path, work: Path, payload: dict, args) -> dict:  # noqa: ANN001
    port = free_port()
    mlflow_bin = str(Path(sys.executable).with_name("mlflow"))
    cmd = [
        mlflow_bin,
        "models",
        "serve",
        "-m",
        str(model_path),
        "--env-manager",
        "local",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",  # it runs `uvicorn`
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    url = f"http://127.0.0.1:{port}"
    with launched(cmd, env, work / "peer.log", url + "/ping"):
        asyncio.run(closed_loop(url, "/invocations", payload, 2, 4))
        return {
            "throughput": asyncio.run(
                closed_loop(url, "/invocations", payload, args.seconds, args.connections)
            )
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", default="demo", choices=["tiny", "demo", "national"])
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--workers", default="1,2")
    p.add_argument("--max-iter", type=int, default=100)
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--json", default=None, help="write the figures here")
    p.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    p.add_argument(
        "--baseline-python",
        default=None,
        help="also serve with this interpreter (an older checkout's venv)",
    )
    args = p.parse_args(argv)
    results: dict = {"scale": args.scale, "seconds": args.seconds, "database": args.database}
    with (
        tempfile.TemporaryDirectory(prefix="api-load-") as tmp,
        database(args.database, Path(tmp)) as url,
    ):
        work = Path(tmp)
        built = build(work, args.scale, args.max_iter, url)
        profile = learner(built["tables"])
        payload = {"profile": profile, "k": 10}
        servers = [("ours", sys.executable)]
        if args.baseline_python:
            servers.append(("baseline", args.baseline_python))
        for w in [int(x) for x in args.workers.split(",")]:
            for label, python in servers:
                r = run_ours(built, work, w, payload, args, python=python, label=label)
                results[f"{label}_{w}w"] = r
                t, f = r["throughput"], r["fixed_rate"]
                print(
                    f"{label} {w} worker(s), {args.database}: {t['rps']:.1f} req/s "
                    f"(p50 {t['p50_ms']:.1f} ms, p99 {t['p99_ms']:.1f} ms, "
                    f"{t['errors']} errors); at {f['rate']:g} req/s: "
                    f"p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms, "
                    f"{f['non_200']} non-200 of {f['n']} {f['non_200_codes'] or ''}; "
                    f"load average before {r['load_average_1min_before']:.1f}",
                    flush=True,
                )
        if not args.no_peer:
            pp = peer_payload(built, profile)
            rows = len(pp["dataframe_split"]["data"])
            r = run_peer(save_peer(built, work), work, pp, args)
            results["peer_mlflow"] = {**r, "rows_per_request": rows}
            t = r["throughput"]
            print(
                f"peer mlflow models serve ({rows} rows/request): {t['rps']:.1f} req/s "
                f"(p50 {t['p50_ms']:.1f} ms, p99 {t['p99_ms']:.1f} ms, "
                f"{t['errors']} errors)",
                flush=True,
            )
            ours = max(v["throughput"]["rps"] for k, v in results.items() if k.startswith("ours_"))
            print(f"ratio ours/peer: {ours / t['rps']:.2f}x (target >= 3x)", flush=True)
    results["when"] = time.strftime("%Y-%m-%d %H:%M:%S")
    results["load_average"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps({k: v for k, v in results.items()}, default=str)[:2000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

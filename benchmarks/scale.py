"""Batch recommendations: one process against a Dask LocalCluster of 1 and 2 workers.

    python benchmarks/scale.py [--learners 2000] [--workers 1,2] [--work DIR] [--json OUT]

The same learners file, model and data directory for every run: the demo world (seed 42,
its own catalogue, 34 provinces) or with ``--national`` the national world's catalogue
(~42,000 offerings) and demand; models trained on the demo world (``--max-iter`` to
shorten), the learners drawn from its outcome records. Each configuration is timed warm: the process or
the workers have built the recommender (and numba has compiled) on a first small run, then
the timed run recommends for every learner into a fresh output. The single process runs in
its own spawned process with one OpenMP thread, as Dask workers do (the nanny sets
``OMP_NUM_THREADS=1``). Peak memory is each process's peak RSS (``ru_maxrss``), read from
the workers with ``client.run``. Targets (issue 18 §5): 2 workers ≥ 1.8× the 1-worker
cluster; the 1-worker cluster within 10% of the single process.

``--work DIR`` keeps the world, model and learners between runs (the first run builds them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def prepare(work: Path, n: int, max_iter: int | None, seed: int = 42) -> tuple[Path, Path, Path]:
    """Demo world, a saved model and a learners CSV of ``n`` rows under ``work``."""
    data, models, learners = work / "demo", work / "models", work / f"learners-{n}.csv"
    if not (data / ".done").exists():
        from guidance.world.generate import generate_world

        t = time.perf_counter()
        generate_world(data, seed=seed, scale="demo", progress=False)
        (data / ".done").touch()
        print(f"demo world in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    job = next(iter(sorted(models.glob("*.joblib"))), None)
    if job is None:
        from training.config import load_config
        from training.pipeline import split_pairs

        from guidance.artifacts import save_artifact
        from guidance.contract import load_dir
        from guidance.model import fit_models

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = load_dir(data)
        cfg = load_config(overrides={"model": {"max_iter": max_iter}} if max_iter else None)
        parts = split_pairs(tables, cfg)
        t = time.perf_counter()
        fitted, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
        print(f"trained in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        job, _ = save_artifact(fitted, models, "guidance-outcomes", 1)
    if not learners.exists():
        from guidance.contract import load_dir

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = load_dir(data)["outcomes"]
        rows = out.sample(n=n, replace=n > len(out), random_state=seed).reset_index(drop=True)
        df = rows[
            [
                "age",
                "home_province_code",
                "education_level",
                "gpa",
                "math_score",
                "riasec_r",
                "riasec_i",
                "riasec_a",
                "riasec_s",
                "riasec_e",
                "riasec_c",
                "prior_work_months",
            ]
        ].copy()
        df.insert(0, "learner_id", [f"L{i:07d}" for i in range(n)])
        df["willing_to_relocate"] = [i % 3 == 0 for i in range(n)]
        df.to_csv(learners, index=False)
    return data, job, learners


def national_dir(work: Path, demo: Path, seed: int = 42) -> Path:
    """The national world's catalogue (~42,000 offerings), provinces, occupations and demand
    as a data directory, with an empty outcomes table (the models come from the demo world:
    the cost of a recommendation does not depend on how many graduates they were fitted on,
    as in ``benchmarks/recommend.py``)."""
    import pandas as pd

    from guidance.world.generate import (
        OCCUPATION_COLUMNS,
        PROGRAMME_COLUMNS,
        PROVINCE_COLUMNS,
        build_world,
    )

    out = work / "national"
    if (out / ".done").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    w = build_world(seed, "national")
    w.ctx.provinces[PROVINCE_COLUMNS].to_parquet(out / "provinces.parquet", index=False)
    w.ctx.occupations[OCCUPATION_COLUMNS].sort_values("occupation_code").to_parquet(
        out / "occupations.parquet", index=False
    )
    prog = w.catalogue.programmes[PROGRAMME_COLUMNS].copy()
    prog["active"] = prog["active"].astype(bool)
    prog.to_parquet(out / "programmes.parquet", index=False)
    w.demand.to_parquet(out / "demand.parquet", index=False)
    pd.read_csv(demo / "outcomes.csv", nrows=0).to_csv(out / "outcomes.csv", index=False)
    (out / ".done").touch()
    return out


def _single(data: str, job: str, learners: str, warm: str, out: str, k: int) -> dict:
    """In a spawned process: load, warm up, then time ``run_batch`` over every learner."""
    from threadpoolctl import threadpool_limits

    from guidance.recommend.batch import run_batch
    from guidance.recommend.loading import load_recommender

    with threadpool_limits(1):
        t = time.perf_counter()
        rec = load_recommender(data, job)
        load_s = time.perf_counter() - t
        run_batch(rec, warm, Path(out).with_suffix(".warm.parquet"), k=k, progress=False)
        t = time.perf_counter()
        res = run_batch(rec, learners, out, k=k, progress=False)
        secs = time.perf_counter() - t
    return {
        "seconds": secs,
        "learners": res["learners"],
        "load_s": load_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def _cluster(
    n_workers: int, src, learners: Path, warm: Path, work: Path, k: int, partition_rows: int
) -> dict:
    from distributed import Client

    from guidance.daskcluster import local_cluster
    from guidance.recommend_dask import run_distributed

    with local_cluster(n_workers) as cluster, Client(cluster) as client:
        # warm-up: small partitions, so that every worker builds the recommender
        shutil.rmtree(work / f"warm-{n_workers}", ignore_errors=True)  # else: resumed, no-op
        t = time.perf_counter()
        run_distributed(
            client, src, warm, work / f"warm-{n_workers}", k=k, partition_rows=4, progress=False
        )
        warm_s = time.perf_counter() - t
        out = work / f"out-{n_workers}"
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        m = run_distributed(
            client, src, learners, out, k=k, partition_rows=partition_rows, progress=False
        )
        secs = time.perf_counter() - t
        peaks = client.run(peak_rss_mb)
        loads = sum(
            1
            for p in (out / "_partitions").glob("*.json")
            if json.loads(p.read_text())["loaded_model"]
        )
    return {
        "seconds": secs,
        "learners": m["learners"],
        "warmup_s": warm_s,
        "peak_rss_mb": sorted(peaks.values()),
        "loads_in_timed_run": loads,
        "partitions": m["partitions_total"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=2000)
    ap.add_argument("--workers", default="1,2", help="cluster sizes to time, comma-separated")
    ap.add_argument(
        "--partition-rows",
        type=int,
        default=None,
        help="learners per partition (default: learners / (4 × largest cluster))",
    )
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="shorter training (figures then understate the per-learner cost)",
    )
    ap.add_argument(
        "--national",
        action="store_true",
        help="the national catalogue and demand (else the demo world's)",
    )
    ap.add_argument("--work", default=None, help="keep world/model/learners here")
    ap.add_argument("--json", default=None, help="also write the figures as JSON")
    args = ap.parse_args()

    import tempfile

    from guidance.recommend_dask import resolve_source

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data, job, learners = prepare(work, args.learners, args.max_iter)
    catalogue = "demo world (seed 42)"
    if args.national:
        data = national_dir(work, data)
        catalogue = "national world (seed 42, no outcome records)"
    warm = work / "warm.csv"
    import pandas as pd

    pd.read_csv(learners, dtype=str, nrows=8).to_csv(warm, index=False)
    sizes = [int(x) for x in args.workers.split(",") if x.strip()]
    part_rows = args.partition_rows or max(1, args.learners // (4 * max(sizes)))
    load = os.getloadavg()
    fig: dict = {
        "learners": args.learners,
        "catalogue": catalogue,
        "top_k": args.top_k,
        "partition_rows": part_rows,
        "cpus": os.cpu_count(),
        "loadavg_1m_at_start": round(load[0], 2),
    }

    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as ex:
        single = ex.submit(
            _single,
            str(data),
            str(job),
            str(learners),
            str(warm),
            str(work / "single.parquet"),
            args.top_k,
        ).result()
    fig["single"] = single
    src = resolve_source(data, job)
    for n in sizes:
        fig[f"workers_{n}"] = _cluster(n, src, learners, warm, work, args.top_k, part_rows)
    fig["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)

    def rate(r: dict) -> float:
        return r["learners"] / r["seconds"]

    print(
        f"batch recommendations, {args.learners:,} learners, catalogue: {catalogue}, "
        f"top-{args.top_k}, partitions of {part_rows} (load avg {load[0]:.1f} at start, "
        f"{fig['loadavg_1m_at_end']:.1f} at end, {os.cpu_count()} CPUs)"
    )
    print(
        f"  single process : {rate(single):8.1f} learners/s  ({single['seconds']:.1f} s; "
        f"load {single['load_s']:.1f} s; peak RSS {single['peak_rss_mb']:.0f} MB)"
    )
    for n in sizes:
        r = fig[f"workers_{n}"]
        print(
            f"  {n} Dask worker{'s' if n > 1 else ' '}: {rate(r):8.1f} learners/s  "
            f"({r['seconds']:.1f} s; peak RSS per worker "
            f"{', '.join(f'{m:.0f}' for m in r['peak_rss_mb'])} MB; "
            f"recommender builds in the timed run {r['loads_in_timed_run']})"
        )
    fig["rates"] = {
        "single": rate(single),
        **{f"workers_{n}": rate(fig[f"workers_{n}"]) for n in sizes},
    }
    if 1 in sizes:
        r1 = rate(fig["workers_1"]) / rate(single)
        fig["ratio_1worker_vs_single"] = r1
        print(
            f"  1 worker / single process = {r1:.2f} (target ≥ 0.90: "
            f"{'met' if r1 >= 0.9 else 'NOT met'})"
        )
        if 2 in sizes:
            r2 = rate(fig["workers_2"]) / rate(fig["workers_1"])
            fig["speedup_2_vs_1"] = r2
            print(
                f"  2 workers / 1 worker      = {r2:.2f} (target ≥ 1.80: "
                f"{'met' if r2 >= 1.8 else 'NOT met'})"
            )
    big = max(sizes)
    per_learner_ms = 1000 * big / rate(fig[f"workers_{big}"])
    fig["ms_per_learner_per_worker"] = per_learner_ms
    print(
        f"  per-worker cost with {big} worker(s) ≈ {per_learner_ms:.2f} ms per learner "
        f"({catalogue})"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=1), encoding="utf-8")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

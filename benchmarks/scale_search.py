"""Scale-out figures of the hyperparameter search and the statistics on Dask (issue 18 §5).

    .venv/bin/python benchmarks/scale_search.py [--records 1000000] [--data DIR] [--work DIR]
        [--workers 1,2] [--skip-search] [--skip-stats] [--stats-data DIR]

**Search**: ``--records`` outcome records drawn from ``--data`` (default: a national world
generated into the work folder) as ``benchmarks/train.py`` draws them; the time split; then
a grid of 8 settings (learning rate 0.05/0.1 × depth/leaves 3/8 and 6/31 × l2 1/5, up to 200
iterations with early stopping) of the employment classifier, run (a) sequentially in one
process, (b) on a Dask ``LocalCluster`` of 1 worker process, (c) of 2 worker processes
(each worker one thread, as the trials use one OpenMP thread). Every mode runs in a child
process of its own, so its peak RSS is its own. Prints per mode: wall time of the trials
(features are built once per run, the same in every mode, printed apart), the speed-up
over the 1-worker cluster, peak RSS of the driving process and of each worker, and
whether the trials and the choice are identical to the sequential run.

**Statistics**: ``outcome_tables`` over ``--stats-data`` (default: the same national world)
single-process (``load_dir`` + tables) vs ``stats.distributed.outcome_tables_dask`` on a
LocalCluster of 1 and 2 workers, and the same partitioned code on dask's synchronous
scheduler in one process ("1 process, parts": what the partitioning alone buys); wall time,
peak RSS of the process and of each worker. The single-process path validates every column
of every table (``load_dir``); the Dask path reads and types only the 8 outcome columns the
tables need and expects a directory that passed ``guidance validate``.

Figures measured while other jobs share the machine mostly measure those jobs: the load
average is printed with each figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRID = {
    "learning_rate": [0.05, 0.1],
    "depth_leaves": [[3, 8], [6, 31]],
    "max_iter": [200],
    "l2_regularization": [1.0, 5.0],
}
N_SETTINGS = 8  # the product of GRID's list lengths


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _worker_peak_kib() -> int:  # runs on each worker
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _cluster(workers: int):
    from distributed import Client

    from guidance.daskcluster import local_cluster

    cluster = local_cluster(workers)
    return cluster, Client(cluster)


def _workers_gb(client) -> list[float]:
    return sorted(v / 2**20 for v in client.run(_worker_peak_kib).values())


# -- child processes: one measurement each, printed as one JSON line -----------------------


def child_search(data: str, workers: int) -> dict:
    from training.config import load_config
    from training.pipeline import split_with_info
    from training.search import SearchRunner, search

    from guidance.contract import load_dir

    cfg = load_config(overrides={"search": GRID})
    tables = load_dir(data)
    parts, _ = split_with_info(tables, cfg)
    cluster = client = None
    if workers:
        cluster, client = _cluster(workers)
    try:
        t0 = time.perf_counter()
        res = search(
            parts["train"], parts["val"], tables, cfg.model, cfg.search, SearchRunner(client=client)
        )
        wall = time.perf_counter() - t0
        workers_gb = _workers_gb(client) if client is not None else []
    finally:
        if client is not None:
            client.close()
            cluster.close()
    return {
        "wall": wall,
        "features": res.features_seconds,
        "trials_wall": wall - res.features_seconds,
        "fit_wall": sum(t.metrics["fit_seconds"] for t in res.trials),
        "fit_cpu": sum(t.metrics["fit_cpu_seconds"] for t in res.trials),
        "n_train": res.n_train,
        "n_val": res.n_val,
        "chosen": res.chosen,
        "metrics": [
            {k: v for k, v in t.metrics.items() if k not in ("fit_seconds", "fit_cpu_seconds")}
            for t in res.trials
        ],
        "peak_gb": _peak_gb(),
        "workers_gb": workers_gb,
        "load": _load(),
    }


def child_stats(data: str, workers: int) -> dict:
    t0 = time.perf_counter()
    if not workers:
        from guidance.contract import load_dir
        from guidance.stats.tables import outcome_tables

        tables = load_dir(data)
        t1 = time.perf_counter()
        raw = outcome_tables(tables)
        return {
            "wall": time.perf_counter() - t0,
            "load_dir": t1 - t0,
            "tables": time.perf_counter() - t1,
            "cells": sum(len(v) for v in raw.values()),
            "peak_gb": _peak_gb(),
            "workers_gb": [],
            "load": _load(),
        }
    from guidance.stats.distributed import outcome_tables_dask

    if workers < 0:  # the same partitioned code, one partition after another in this process
        import dask

        with dask.config.set(scheduler="synchronous"):
            raw = outcome_tables_dask(data)
        return {
            "wall": time.perf_counter() - t0,
            "cells": sum(len(v) for v in raw.values()),
            "peak_gb": _peak_gb(),
            "workers_gb": [],
            "load": _load(),
        }
    cluster, client = _cluster(workers)
    try:
        t0 = time.perf_counter()  # cluster start-up not counted
        raw = outcome_tables_dask(data, client=client)
        wall = time.perf_counter() - t0
        workers_gb = _workers_gb(client)
    finally:
        client.close()
        cluster.close()
    return {
        "wall": wall,
        "cells": sum(len(v) for v in raw.values()),
        "peak_gb": _peak_gb(),
        "workers_gb": workers_gb,
        "load": _load(),
    }


def _run_child(kind: str, data: Path, workers: int) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--data",
        str(data),
        "--child-workers",
        str(workers),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"{kind} with {workers} workers failed (exit {proc.returncode})")
    return json.loads(lines[-1])


def _sample(src: Path, dst: Path, rows: int, seed: int) -> int:
    """``benchmarks/train.py``'s sampler (one definition of the benchmark sample)."""
    spec = importlib.util.spec_from_file_location(
        "bench_train", Path(__file__).with_name("train.py")
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod._sample(src, dst, rows, seed)


def _mode(workers: int) -> str:
    if workers < 0:
        return "1 process, parts"
    return (
        "single process"
        if not workers
        else f"dask, {workers} worker" + ("s" if workers > 1 else "")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--data", default=None, help="contract directory (default: generate national)")
    ap.add_argument(
        "--stats-data",
        default=None,
        help="directory for the statistics (default: --data / the national world)",
    )
    ap.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--workers", default="1,2", help="Dask worker counts, comma-separated")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip-search", action="store_true")
    ap.add_argument("--skip-stats", action="store_true")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-workers", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        fn = child_search if args.child == "search" else child_stats
        print(json.dumps(fn(args.data, args.child_workers)), flush=True)
        return 0

    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    work = Path(args.work or tempfile.mkdtemp(prefix="bench_scale_search_"))
    work.mkdir(parents=True, exist_ok=True)
    data = Path(args.data) if args.data else work / "national"
    if not args.data and not (data / "world.json").exists():
        from guidance.world import generate_world

        t0 = time.perf_counter()
        generate_world(data, seed=args.seed, scale="national", progress=False)
        print(f"generated the national world in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"machine: {os.cpu_count()} cores; load average at start: {_load()}")

    if not args.skip_search:
        sample = work / f"sample_{args.records}"
        if not (sample / "outcomes.parquet").exists():
            n = _sample(data, sample, args.records, args.seed)
            print(f"sampled {n:,} outcome records into {sample}", flush=True)
        print(
            f"\n== search: {N_SETTINGS} settings of the employment classifier on {args.records:,} "
            "records (time split; trials scored on the validation part)"
        )
        runs = {}
        for w in [0, *counts]:
            r = runs[w] = _run_child("search", sample, w)
            same = (
                ""
                if not w
                else "  same trials and choice as the single process: "
                + (
                    "yes"
                    if (r["metrics"], r["chosen"]) == (runs[0]["metrics"], runs[0]["chosen"])
                    else "NO"
                )
            )
            print(
                f"{_mode(w):<18} trials {r['trials_wall']:8.1f} s  (features {r['features']:.1f}"
                f" s; fits' own wall {r['fit_wall']:.1f} s, CPU {r['fit_cpu']:.1f} s, "
                f"{r['fit_cpu'] / len(r['metrics']):.1f} s per trial; train {r['n_train']:,}, val "
                f"{r['n_val']:,})  peak RSS: driver {r['peak_gb']:.2f} GB"
                + (
                    f", workers {', '.join(f'{g:.2f}' for g in r['workers_gb'])} GB"
                    if r["workers_gb"]
                    else ""
                )
                + f"  [load {r['load']}]{same}",
                flush=True,
            )
        if 1 in runs:
            for w in counts:
                if w > 1:
                    print(
                        f"speed-up of {w} workers over 1 worker: "
                        f"{runs[1]['trials_wall'] / runs[w]['trials_wall']:.2f}×"
                    )
            print(
                f"1-worker cluster vs single process: "
                f"{runs[1]['trials_wall'] / runs[0]['trials_wall']:.2f}× the time"
            )
        print(f"chosen: {runs[0]['chosen']}")

    if not args.skip_stats:
        sdata = Path(args.stats_data) if args.stats_data else data
        print(f"\n== statistics: raw outcome tables of {sdata}")
        for w in [0, -1, *counts]:
            r = _run_child("stats", sdata, w)
            extra = (
                f" (load_dir {r['load_dir']:.1f} s + tables {r['tables']:.1f} s)"
                if not w
                else " (stats.distributed on dask's synchronous scheduler)"
                if w < 0
                else " (read + type + reduce + tables; cluster start not counted)"
            )
            print(
                f"{_mode(w):<18} {r['wall']:8.1f} s{extra}, {r['cells']:,} cells  peak RSS: "
                f"driver {r['peak_gb']:.2f} GB"
                + (
                    f", workers {', '.join(f'{g:.2f}' for g in r['workers_gb'])} GB"
                    if r["workers_gb"]
                    else ""
                )
                + f"  [load {r['load']}]",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the whole training pipeline (load, fit, evaluate, MLflow logging, registry).

    python benchmarks/train.py --rows 1000000 [--data DIR] [--work DIR] [--seed 42]

Without ``--data`` a national demo world is generated into the work folder first (minutes).
When the directory holds more outcome rows than ``--rows``, a random sample of that many
records (same offerings, provinces, occupations and demand) is written beside it. Training
runs in a child process (``python -m training``) against a fresh MLflow store in the work
folder, so its peak RSS is measured on its own. Prints wall time, CPU time (user + system:
on a shared machine wall time mostly measures the other jobs) and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _sample(src: Path, dst: Path, rows: int, seed: int) -> int:
    """Copy the directory with ``rows`` outcome records drawn at random (no replacement)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.stem != "outcomes":
            shutil.copy2(f, dst / f.name)
    path = next(p for p in (src / "outcomes.parquet", src / "outcomes.csv") if p.exists())
    if path.suffix == ".parquet":
        table = pq.read_table(path)
    else:  # every cell as text, as the contract reads CSV
        import pandas as pd

        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        table = pa.Table.from_pandas(frame.replace("", None), preserve_index=False)
    n = table.num_rows
    if rows < n:
        idx = np.sort(np.random.default_rng(seed).choice(n, size=rows, replace=False))
        table = table.take(pa.array(idx))
    pq.write_table(table, dst / "outcomes.parquet")
    return table.num_rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="outcome records to train on")
    ap.add_argument("--data", default=None, help="contract directory (default: generate national)")
    ap.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--config", default=None, help="TOML training config")
    args = ap.parse_args(argv)

    work = Path(args.work or tempfile.mkdtemp(prefix="bench_train_"))
    work.mkdir(parents=True, exist_ok=True)
    data = Path(args.data) if args.data else work / "national"
    if not args.data:
        from guidance.world import generate_world

        t0 = time.perf_counter()
        generate_world(data, seed=args.seed, scale="national")
        print(f"generated national world in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    sample = work / f"sample_{args.rows}"
    if sample.exists():
        shutil.rmtree(sample)
    n = _sample(data, sample, args.rows, args.seed)
    print(
        f"sampled {n:,} outcome records into {sample} in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )

    cmd = [
        sys.executable,
        "-m",
        "training",
        "--data",
        str(sample),
        "--tracking-uri",
        f"sqlite:///{work / 'mlflow.db'}",
        "--artifact-root",
        str(work / "mlartifacts"),
        "--models-dir",
        str(work / "models"),
    ]
    if args.config:
        cmd += ["--config", args.config]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, check=False)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\ntraining pipeline: {n:,} records, exit {proc.returncode}, wall {wall:.1f} s, "
        f"CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
        f"peak RSS {usage.ru_maxrss / 1024 / 1024:.2f} GB (load average now: {load})"
    )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())

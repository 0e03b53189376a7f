"""Benchmark the demo-world generator: wall time, peak memory, row counts.

    python benchmarks/demo_world.py [--scale demo|national|tiny] [--out DIR]

Runs the generator in this process (no subprocess), so peak RSS is the
generator's own. Without ``--out`` the world goes to a temporary directory
that is removed afterwards.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _oracle_speed(out: Path, n: int = 100_000) -> tuple[float, float]:
    """Seconds to build the oracle from the directory; pairs/s on ≤ n outcome rows."""
    import pandas as pd

    from guidance.world import Oracle

    if (out / "outcomes.parquet").exists():
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(out / "outcomes.parquet").read_row_group(0).to_pandas().head(n)
        prog = pd.read_parquet(out / "programmes.parquet")
    else:
        codes = {"home_province_code": str, "province_code": str, "target_occupations": str}
        rows = pd.read_csv(out / "outcomes.csv", nrows=n, dtype=codes)
        prog = pd.read_csv(out / "programmes.csv", dtype=codes)
    off = rows[["programme_id"]].merge(prog, on="programme_id", how="left")
    start = time.perf_counter()
    oracle = Oracle.from_dir(out)
    load = time.perf_counter() - start
    start = time.perf_counter()
    oracle.expected(rows, off, period=rows["cohort"])
    return load, len(rows) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="demo", choices=["tiny", "demo", "national"])
    ap.add_argument("--out", default=None, help="keep the world in this directory")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--format", choices=["csv", "parquet"], default=None)
    args = ap.parse_args(argv)

    from guidance.world.generate import generate_world

    with tempfile.TemporaryDirectory(prefix="demo_world_") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        start = time.perf_counter()
        s = generate_world(out, seed=args.seed, scale=args.scale, fmt=args.format)
        wall = time.perf_counter() - start
        rss_generate = _peak_mb(resource.RUSAGE_SELF)
        size_mb = sum(p.stat().st_size for p in out.iterdir()) / 2**20
        oracle_load, oracle_rate = _oracle_speed(out)
    print(f"scale={s.scale} seed={s.seed} format={s.fmt}")
    print(f"wall_time_s={wall:.1f}")
    print(
        f"peak_rss_mb_generate={rss_generate:.0f} "
        f"peak_rss_mb_self={_peak_mb(resource.RUSAGE_SELF):.0f} "
        f"peak_rss_mb_children={_peak_mb(resource.RUSAGE_CHILDREN):.0f}"
    )
    print(f"oracle_from_dir_s={oracle_load:.1f} oracle_pairs_per_s={oracle_rate:.0f}")
    print(f"files_mb={size_mb:.1f}")
    for k, v in s.sizes.items():
        print(f"rows.{k}={v}")
    h = s.headline
    print(f"employment_12m_completers={h['employment_12m_completers']}")
    print(f"pandemic_dip_pp={h['pandemic_dip_pp']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

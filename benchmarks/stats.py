"""Benchmark the outcome statistics: all tables, disclosure control and value added over a
generated world (issue 12 target at national scale, 5,000,000 records: ≤ 30 s, ≤ 4 GB).

    .venv/bin/python benchmarks/stats.py [--scale national|demo|tiny] [--data DIR] [--seed N]

Without ``--data`` the world is generated first in a child process (its memory is not
counted) into a temporary directory, removed afterwards. Prints wall time per stage and the
peak RSS of this process (``ru_maxrss``), which includes loading the directory.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="national", choices=["tiny", "demo", "national"])
    ap.add_argument("--data", default=None, help="an existing data directory (skips generation)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="stats_bench_") as tmp:
        data = Path(args.data) if args.data else Path(tmp)
        if not args.data:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c",
                            "from guidance.world.generate import generate_world; "
                            f"generate_world({str(data)!r}, seed={args.seed}, "
                            f"scale={args.scale!r}, progress=False)"], check=True)
            print(f"generate ({args.scale}, child process): {time.perf_counter() - t:.1f} s")

        import numpy as np

        from guidance.contract import load_dir
        from guidance.stats.disclosure import publish
        from guidance.stats.tables import outcome_tables
        from guidance.stats.value_added import publish_value_added, value_added

        t0 = time.perf_counter()
        tables = load_dir(data)
        t1 = time.perf_counter()
        n = len(tables["outcomes"])
        print(f"load_dir: {t1 - t0:.1f} s ({n:,} outcome records), peak RSS {_peak_gb():.2f} GB")
        # a stand-in for the outcome model's probabilities (value added needs a column)
        p = np.random.default_rng(0).uniform(0.5, 0.95, n)
        import pandas as pd

        raw = outcome_tables(tables, expected=pd.Series(p))
        t2 = time.perf_counter()
        rows = sum(len(v) for v in raw.values())
        print(f"outcome tables: {t2 - t1:.1f} s ({rows:,} cells in {len(raw)} tables)")
        pub = publish(raw)
        t3 = time.perf_counter()
        withheld = sum(int(w.sum()) for w in pub.withheld.values())
        print(f"disclosure: {t3 - t2:.1f} s ({len(pub.relations):,} relation rows, "
              f"{pub.passes} passes, {withheld:,} cells withheld, exact audit "
              f"{'run' if pub.audited else 'skipped (blocks too large)'})")
        va = publish_value_added(value_added(raw["institution"]), pub.tables["institution"])
        t4 = time.perf_counter()
        print(f"value added: {t4 - t3:.1f} s ({int((~va['suppressed']).sum()):,} published)")
        print(f"ALL TABLES (tables + disclosure + value added): {t4 - t1:.1f} s; "
              f"with load_dir {t4 - t0:.1f} s; peak RSS {_peak_gb():.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

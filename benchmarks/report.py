"""Benchmark ``guidance report``: time and peak memory of a national and a provincial report
(PDF and HTML) over a generated world (issue 12 target: the report ≤ 20 s).

    .venv/bin/python benchmarks/report.py [--scale demo|national|tiny] [--data DIR]
                                          [--seed N] [--year YYYY] [--province CODE]
                                          [--formats pdf,html]

Without ``--data`` the world is generated first in a child process into a temporary
directory (removed afterwards). Each report then runs in its OWN child process, as the
command does: read the directory (``load_dir``), build the published bundle (outcome
tables, disclosure control, supply against demand: the "stats build"), build the report's
content, render and write. Each child prints its stages; the figures are given with and
without the stats build, and the peak RSS is the child's (``ru_maxrss``), everything
included.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def one(data: str, province: str | None, year: int | None, out: str) -> None:
    """One report in this process; prints a JSON line of stage times and peak RSS."""
    from guidance.contract import load_dir
    from guidance.report.cli import render, report_data, write_atomic
    from guidance.report.content import build_report, years_of
    from guidance.stats.bundle import build_bundle

    stages: dict[str, float] = {}
    t = time.perf_counter()
    tables = load_dir(data)
    stages["load_dir"] = time.perf_counter() - t
    t = time.perf_counter()
    bundle = build_bundle(tables, tables.get("demand"))
    stages["stats_build"] = time.perf_counter() - t
    del tables
    t = time.perf_counter()
    rd = report_data(bundle)
    y = year or years_of(rd.outcomes)[-1]
    rep = build_report(rd, year=y, province=province)
    stages["content"] = time.perf_counter() - t
    t = time.perf_counter()
    size = write_atomic(Path(out), lambda: render(rep, Path(out).suffix))
    stages["render_write"] = time.perf_counter() - t
    print(json.dumps({"stages": stages, "peak_mb": _peak_mb(), "bytes": size, "year": y}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="demo", choices=["tiny", "demo", "national"])
    ap.add_argument("--data", default=None, help="an existing data directory (skips generation)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--year", type=int, default=None, help="default: the newest cohort")
    ap.add_argument(
        "--province",
        default=None,
        help="province of the provincial report (default: the one with the most graduates)",
    )
    ap.add_argument("--formats", default="pdf,html", help="comma-separated: pdf, html")
    ap.add_argument("--one", nargs=3, metavar=("DATA", "PROVINCE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        data, prov, out = args.one
        one(data, None if prov == "-" else prov, args.year, out)
        return 0

    with tempfile.TemporaryDirectory(prefix="report_bench_") as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "world"
        if not args.data:
            from _world import generate_in_child

            generate_in_child(data, args.seed, args.scale)
        province = args.province
        if province is None:
            import pandas as pd

            from guidance.contract import table_files

            files = table_files(data)
            prog = pd.concat(
                [
                    pd.read_csv(f, dtype=str, usecols=["province_code"])
                    if f.suffix == ".csv"
                    else pd.read_parquet(f, columns=["province_code"])
                    for f in files["programmes"]
                ]
            )
            province = str(prog["province_code"].value_counts().index[0])
        print(f"world: {data}; provincial report: province {province}")
        print(
            f"{'report':<22}{'load':>8}{'stats':>8}{'content':>9}{'render':>8}"
            f"{'total':>8}{'w/o stats':>10}{'peak RSS':>10}{'size':>10}"
        )
        for scope in ("-", province):
            for ext in [f".{f.strip()}" for f in args.formats.split(",")]:
                out = Path(tmp) / f"report-{scope}{ext}"
                cmd = [sys.executable, __file__, "--one", str(data), scope, str(out)]
                if args.year:
                    cmd += ["--year", str(args.year)]
                t = time.perf_counter()
                r = subprocess.run(cmd, check=True, capture_output=True, text=True)
                wall = time.perf_counter() - t
                got = json.loads(r.stdout.strip().splitlines()[-1])
                s = got["stages"]
                total = sum(s.values())
                name = f"{'national' if scope == '-' else 'province ' + scope} {ext[1:]}"
                print(
                    f"{name:<22}{s['load_dir']:>7.1f}s{s['stats_build']:>7.1f}s"
                    f"{s['content']:>8.1f}s{s['render_write']:>7.1f}s{total:>7.1f}s"
                    f"{total - s['stats_build'] - s['load_dir']:>9.1f}s"
                    f"{got['peak_mb']:>8.0f}MB{got['bytes'] / 1024:>8.0f}KB"
                    f"   (process wall {wall:.1f} s, year {got['year']})"
                )
    print(
        "total = load + stats build + content + render/write (the command's work); "
        "'w/o stats' = content + render/write from a built bundle"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the outcome statistics: all tables, disclosure control and value added over a
generated world (issue 12 target at national scale, 5,000,000 records: ≤ 30 s, ≤ 4 GB).

    .venv/bin/python benchmarks/stats.py [--scale national|demo|tiny] [--data DIR] [--seed N]
    .venv/bin/python benchmarks/stats.py --api [--scale demo] [--requests 2000]

Without ``--data`` the world is generated first in a child process (its memory is not
counted) into a temporary directory, removed afterwards. Prints wall time per stage and the
peak RSS of this process (``ru_maxrss``), which includes loading the directory.

``--api``: the statistics API answered from cache. The world's catalogue, demand and outcomes
(as tracer submissions, ``load_demo``) go into a SQLite database; one bundle build is timed
in this process (database read, then ``build_bundle`` with stand-in expected probabilities);
then ``guidance serve`` runs on loopback (no model: the bundle has no value added), its first
bundle is awaited, every URL is asked once (warm), and ``--requests`` sequential requests
(keep-alive) over the JSON and CSV URLs give p50 / p99 per format (target p99 ≤ 50 ms).
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
    ap.add_argument(
        "--api",
        action="store_true",
        help="the stats API's latency from cache and one bundle build (default scale: demo)",
    )
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args(argv)
    if args.api:
        return api_benchmark(
            args.scale if "--scale" in (argv or sys.argv) else "demo",
            args.seed,
            args.requests,
            args.data,
        )

    with tempfile.TemporaryDirectory(prefix="stats_bench_") as tmp:
        data = Path(args.data) if args.data else Path(tmp)
        if not args.data:
            from _world import generate_in_child

            generate_in_child(data, args.seed, args.scale)

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
        print(
            f"disclosure: {t3 - t2:.1f} s ({len(pub.relations):,} relation rows, "
            f"{pub.passes} passes, {withheld:,} cells withheld, exact audit "
            f"{'run' if pub.audited else 'skipped (blocks too large)'})"
        )
        va = publish_value_added(value_added(raw["institution"]), pub.tables["institution"])
        t4 = time.perf_counter()
        print(f"value added: {t4 - t3:.1f} s ({int((~va['suppressed']).sum()):,} published)")
        print(
            f"ALL TABLES (tables + disclosure + value added): {t4 - t1:.1f} s; "
            f"with load_dir {t4 - t0:.1f} s; peak RSS {_peak_gb():.2f} GB"
        )
    return 0


API_URLS = (
    "/api/v1/stats",
    "/api/v1/stats/outcomes",
    "/api/v1/stats/outcomes?page_size=500",
    "/api/v1/stats/outcomes?grouping=province&page_size=500",
    "/api/v1/stats/outcomes?grouping=institution&cohort=2024-2025&page_size=200",
    "/api/v1/stats/outcomes?grouping=trade2_province_level&province=01",
    "/api/v1/stats/supply-demand?page_size=500",
    "/api/v1/stats/supply-demand?trade_level=trade4&page_size=500",
    "/api/v1/stats/quadrant?page_size=500",
    "/api/v1/stats/value-added",
)


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1e3 if s else float("nan")


def api_benchmark(scale: str, seed: int, n_requests: int, data: str | None) -> int:
    import os
    import warnings

    import httpx
    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from api_load import free_port, launched

    with tempfile.TemporaryDirectory(prefix="stats_api_bench_") as tmp:
        work = Path(tmp)
        world = Path(data) if data else work / "world"
        if not data:
            t = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from guidance.world.generate import generate_world; "
                    f"generate_world({str(world)!r}, seed={seed}, scale={scale!r}, "
                    "progress=False)",
                ],
                check=True,
            )
            print(f"generate ({scale}, child process): {time.perf_counter() - t:.1f} s")
        from guidance.contract import load_dir
        from guidance.stats.bundle import build_bundle
        from guidance.store.catalogue import load_catalogue
        from guidance.store.db import make_engine
        from guidance.store.demand import load_demand
        from guidance.store.migrate import upgrade
        from guidance.store.stats import read_demand, read_tables
        from guidance.tracer.dirs import load_demo

        url = f"sqlite:///{work / 'stats.db'}"
        engine = make_engine(url)
        upgrade(engine)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = load_dir(world)
        load_catalogue(engine, tables)
        periods = sorted(tables["demand"]["period"].unique())[-15:]
        load_demand(engine, tables["demand"][tables["demand"]["period"].isin(periods)])
        load_demo(engine, world, b"bench", "bench", catalogue=False)
        print(
            f"database load (catalogue, 15 demand months, {len(tables['outcomes']):,} "
            f"outcomes as tracer submissions): {time.perf_counter() - t:.1f} s"
        )
        t0 = time.perf_counter()
        db_tables, counts = read_tables(engine)
        demand = read_demand(engine, 15)
        t1 = time.perf_counter()
        p = np.random.default_rng(0).uniform(0.5, 0.95, len(db_tables["outcomes"]))
        b = build_bundle(db_tables, demand, p)
        t2 = time.perf_counter()
        print(
            f"bundle build: database read {t1 - t0:.1f} s ({counts['records']:,} records), "
            f"build_bundle {t2 - t1:.1f} s (audited: {b.meta['audited']}); "
            f"total {t2 - t0:.1f} s; peak RSS {_peak_gb():.2f} GB"
        )
        engine.dispose()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "GUIDANCE_DATABASE_URL": url,
            "GUIDANCE_MODEL_PATH": str(work / "no-model.joblib"),
            "GUIDANCE_VAR_DIR": str(work / "var"),
            "GUIDANCE_API_SECRET": "bench",
            "GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE": "10000000",
            "GUIDANCE_REQUEST_TIMEOUT_SECONDS": "120",
        }
        cmd = [sys.executable, "-m", "guidance", "serve", "--port", str(port), "--workers", "1"]
        with (
            launched(cmd, env, work / "serve.log", base + "/healthz"),
            httpx.Client(base_url=base, timeout=180) as client,
        ):
            t = time.perf_counter()
            while client.get("/api/v1/stats").status_code != 200:
                if time.perf_counter() - t > 600:
                    raise RuntimeError("no statistics after 600 s")
                time.sleep(0.2)
            print(f"first bundle inside the server: {time.perf_counter() - t:.1f} s")
            urls = [
                (u, fmt)
                for u in API_URLS
                for fmt in ("json", "csv")
                if not (fmt == "csv" and u == "/api/v1/stats")
            ]
            for u, fmt in urls:  # warm: the first answer of each is serialised once
                r = client.get(u, headers={"Accept": "text/csv"} if fmt == "csv" else {})
                assert r.status_code == 200, (u, r.status_code, r.text[:200])
            lat: dict[str, list[float]] = {"json": [], "csv": []}
            sizes: dict[str, int] = {"json": 0, "csv": 0}
            for i in range(n_requests):
                u, fmt = urls[i % len(urls)]
                t = time.perf_counter()
                r = client.get(u, headers={"Accept": "text/csv"} if fmt == "csv" else {})
                lat[fmt].append(time.perf_counter() - t)
                sizes[fmt] = max(sizes[fmt], len(r.content))
                assert r.status_code == 200
            etag = r.headers["etag"]
            t = time.perf_counter()
            for _ in range(200):
                client.get(u, headers={"If-None-Match": etag, "Accept": "text/csv"})
            t304 = (time.perf_counter() - t) / 200 * 1e3
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
        for fmt in ("json", "csv"):
            print(
                f"stats API from cache, {fmt.upper()}: {len(lat[fmt])} requests over "
                f"{len({u for u, f in urls if f == fmt})} URLs, p50 {_pct(lat[fmt], 0.5):.1f} "
                f"ms, p99 {_pct(lat[fmt], 0.99):.1f} ms (largest answer {sizes[fmt]:,} bytes)"
                " (target p99 <= 50 ms)"
            )
        print(f"304 (If-None-Match): mean {t304:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

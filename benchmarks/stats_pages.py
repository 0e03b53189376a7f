"""Benchmark the statistics pages' server-side rendering (issue 12 §5): the map SVG and the
``/stats`` and ``/stats/offering/{id}`` pages over the published bundle of a generated world.

    .venv/bin/python benchmarks/stats_pages.py [--scale tiny|demo] [--seed N] [--repeat N]

The world is generated into a temporary directory and its bundle built (without value added:
no model), then the pages are rendered by the real router in-process (``TestClient``, no
network). Prints the one-off cost of decoding the boundaries, and per page the median and
the slowest of ``--repeat`` renders and the page's size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from types import SimpleNamespace


def _timed(fn, n: int) -> tuple[float, float, object]:  # noqa: ANN001
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, max(times) * 1000, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="demo", choices=["tiny", "demo"])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from guidance.contract import load_dir
    from guidance.stats.bundle import build_bundle
    from guidance.web import install
    from guidance.web.charts import province_map_svg, province_shapes

    with tempfile.TemporaryDirectory(prefix="stats_pages_bench_") as tmp:
        t = time.perf_counter()
        from guidance.world.generate import generate_world

        generate_world(tmp, seed=args.seed, scale=args.scale, progress=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = load_dir(tmp)
        print(
            f"world {args.scale}: {len(tables['outcomes']):,} outcome records, "
            f"{len(tables['programmes']):,} offerings ({time.perf_counter() - t:.1f} s)"
        )
        t = time.perf_counter()
        bundle = build_bundle(tables, tables.get("demand"))
        print(f"bundle: {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    shapes = province_shapes()
    print(
        f"boundaries decoded, projected, simplified (once per process): "
        f"{(time.perf_counter() - t) * 1000:.0f} ms, {len(shapes.provinces)} provinces"
    )
    head = bundle.headline["province"]
    values = {
        str(r.province_code): (None if r.suppressed else float(r.employment_12m_pct))
        for r in head.itertuples()
    }
    med, worst, svg = _timed(
        lambda: province_map_svg(
            values, lang="vi", title="Bản đồ", unit="%", legend_label="Có việc làm"
        ),
        args.repeat,
    )
    print(f"map SVG: median {med:.1f} ms, max {worst:.1f} ms, {len(svg) / 1024:.0f} KB")

    app = FastAPI()
    install(app)
    app.state.ctx = SimpleNamespace(stats=SimpleNamespace(get=lambda: bundle), engine=None)
    client = TestClient(app)
    off = bundle.headline["offering"]
    pid = str(off.loc[~off["suppressed"].astype(bool), "programme_id"].iloc[0])
    for path in (
        "/stats?lang=vi",
        "/stats?indicator=shortage",
        "/stats?province=01",
        f"/stats/offering/{pid}",
    ):
        client.get(path)  # templates compiled, caches warm
        med, worst, r = _timed(lambda p=path: client.get(p), args.repeat)
        assert r.status_code == 200, (path, r.status_code)
        print(
            f"GET {path}: median {med:.1f} ms, max {worst:.1f} ms, {len(r.content) / 1024:.0f} KB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

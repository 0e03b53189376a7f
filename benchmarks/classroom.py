"""A computer room behind one address: ``--learners`` (40) browsers load the learner form
(the page, its CSS and scripts, the icon: 5 requests) and each asks for recommendations
``--asks`` times (2), all at once, against ``guidance serve`` on loopback with the default
rate limits (``api/limits.RouteLimits``). Prints how many answers were 200 and how many 429,
and the latency of the recommendations; ``--old`` runs the same room with every budget at
the former single value (60 per minute per address) for comparison.

    .venv/bin/python benchmarks/classroom.py
    .venv/bin/python benchmarks/classroom.py --old
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import build, free_port, launched, learner, pct  # noqa: E402

PAGE_FILES = ("/", "/static/app.css", "/static/common.js", "/static/learner.js")
ICON = "/static/favicon.svg"


async def room(url: str, profile: dict, learners: int, asks: int) -> dict:
    codes: collections.Counter[str] = collections.Counter()
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=learners, max_keepalive_connections=learners)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one(i: int) -> None:
            for path in (*PAGE_FILES, ICON):
                r = await client.get(path)
                codes[f"page {r.status_code}"] += 1
            for _ in range(asks):
                body = {"profile": {**profile, "learner_id": f"HS-{i:02d}"}, "k": 10}
                t = time.perf_counter()
                r = await client.post("/api/v1/recommendations", json=body)
                latencies.append(time.perf_counter() - t)
                codes[f"recommend {r.status_code}"] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(learners)))
        wall = time.perf_counter() - t0
    return {
        "answers": dict(sorted(codes.items())),
        "wall_s": round(wall, 2),
        "recommend_p50_ms": round(pct(latencies, 0.5), 1),
        "recommend_p95_ms": round(pct(latencies, 0.95), 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=40)
    ap.add_argument("--asks", type=int, default=2)
    ap.add_argument("--max-iter", type=int, default=40)
    ap.add_argument("--old", action="store_true", help="every budget 60 per minute")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="classroom-") as tmp:
        work = Path(tmp)
        built = build(work, "demo", args.max_iter, f"sqlite:///{work / 'bench.db'}")
        port = free_port()
        env = {
            **os.environ,
            "GUIDANCE_DATABASE_URL": built["url"],
            "GUIDANCE_MODEL_PATH": str(built["job"]),
            "GUIDANCE_VAR_DIR": str(work / "var"),
            "GUIDANCE_API_SECRET": "bench",
            "GUIDANCE_MAX_CONCURRENCY": str(max(32, 2 * args.learners)),
        }
        for name in ("PUBLIC", "KEY", "PAGES", "RECOMMEND"):
            env.pop(f"GUIDANCE_RATE_LIMIT_{name}_PER_MINUTE", None)
        if args.old:
            env["GUIDANCE_RATE_LIMIT_PAGES_PER_MINUTE"] = "60"
            env["GUIDANCE_RATE_LIMIT_RECOMMEND_PER_MINUTE"] = "60"
        url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "guidance", "serve", "--port", str(port), "--workers", "1"]
        with launched(cmd, env, work / "serve.log", url + "/readyz"):
            time.sleep(2)
            out = asyncio.run(room(url, learner(built["tables"]), args.learners, args.asks))
    label = "budgets of 60 per minute" if args.old else "default budgets"
    print(f"classroom: {args.learners} learners behind one address, {label}, 1 worker")
    for k, v in out.items():
        print(f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

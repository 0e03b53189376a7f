"""Liveness under hostile bodies: ``/healthz`` latency while anonymous clients flood
``POST /api/v1/recommendations`` with oversized or unknown-key JSON (issue 14, item 2).

Builds a tiny world, a model and a SQLite database, starts ``guidance serve`` (one worker, the
default public allowance of 60 requests a minute unless ``--public-per-minute``), then runs the
attack in a separate process — waves of ``--concurrent`` requests, half a 64 KiB body of 4,600
unknown keys (validated, 422 or 429), half a 650 KB body of 60,000 keys (413 by its declared
length) — while this process probes ``/healthz`` on one kept-alive connection. Bounded: at most
``--waves`` × ``--concurrent`` attack requests, then the attack stops by itself. Prints the
probe's p50/p99/max and the attack's outcomes; ``--baseline-python PY`` runs the same against a
server started with another interpreter (an older checkout's venv) in the same run.

    .venv/bin/python benchmarks/edge_attack.py
    .venv/bin/python benchmarks/edge_attack.py --baseline-python /tmp/old/.venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import build, database, free_port, launched  # noqa: E402

ATTACK = r"""
import json, sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
import httpx
url, concurrent, waves = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
small = json.dumps({f"k{i:06d}": 0 for i in range(4600)}).encode()
big = json.dumps({f"k{i:06d}": 0 for i in range(60_000)}).encode()
def one(i):
    kind, body = ("small", small) if i % 2 == 0 else ("big", big)
    try:
        with httpx.Client(timeout=30) as c:
            r = c.post(url, content=body, headers={"content-type": "application/json"})
        return f"{kind}:{r.status_code}"
    except httpx.HTTPError as exc:
        return f"{kind}:{type(exc).__name__}"
out = Counter()
with ThreadPoolExecutor(concurrent) as pool:
    for _ in range(waves):
        out.update(pool.map(one, range(concurrent)))
print(json.dumps(out))
"""


def attack_once(url: str, args: argparse.Namespace) -> dict:
    with httpx.Client(base_url=url, timeout=30) as probe:
        probe.get("/healthz")  # the probe's connection is open before the attack
        attacker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                ATTACK,
                url + "/api/v1/recommendations",
                str(args.concurrent),
                str(args.waves),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        lat: list[float] = []
        try:
            time.sleep(0.5)
            while attacker.poll() is None and len(lat) < args.probes:
                t0 = time.perf_counter()
                status = probe.get("/healthz").status_code
                lat.append(time.perf_counter() - t0)
                if status != 200:
                    raise RuntimeError(f"/healthz answered {status}")
                time.sleep(0.01)
            out, _ = attacker.communicate(timeout=600)
        finally:
            if attacker.poll() is None:
                attacker.kill()
                attacker.wait(10)
    lat.sort()
    return {
        "probes": len(lat),
        "p50_ms": statistics.median(lat) * 1e3,
        "p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1e3,
        "max_ms": lat[-1] * 1e3,
        "attack": dict(Counter(json.loads(out))),
    }


def own_database(python: str, work: Path, label: str) -> str:
    """A SQLite database made by ``python``'s own code (an older checkout cannot open a
    schema migrated past what it knows), loaded with the same world."""
    url = f"sqlite:///{work / f'{label}.db'}"
    env = {**os.environ, "GUIDANCE_DATABASE_URL": url}
    for cmd in (["db", "upgrade"], ["db", "load", str(work / "world")]):
        subprocess.run(
            [python, "-m", "guidance", *cmd], env=env, check=True, stdout=subprocess.DEVNULL
        )
    return url


def run(built: dict, work: Path, args: argparse.Namespace, python: str, label: str) -> list:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db_url = built["url"] if python == sys.executable else own_database(python, work, label)
    env = {
        **os.environ,
        "GUIDANCE_DATABASE_URL": db_url,
        "GUIDANCE_MODEL_PATH": str(built["job"]),
        "GUIDANCE_VAR_DIR": str(work / "var"),
        "GUIDANCE_API_SECRET": "bench",
        "GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE": str(args.public_per_minute),
    }
    cmd = [python, "-m", "guidance", "serve", "--port", str(port)]
    out = []
    with launched(cmd, env, work / f"{label}.log", url + "/readyz"):
        time.sleep(2)
        for i in range(args.repeat):
            r = attack_once(url, args)
            r["load_average_1min"] = round(os.getloadavg()[0], 2)
            print(
                f"{label} run {i + 1}: /healthz p50 {r['p50_ms']:.1f} ms, p99 "
                f"{r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms over {r['probes']} probes; "
                f"attack {r['attack']}; load {r['load_average_1min']}",
                flush=True,
            )
            out.append(r)
            time.sleep(61 if i + 1 < args.repeat else 0)  # the public allowance refills
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--concurrent", type=int, default=30)
    p.add_argument("--waves", type=int, default=20)
    p.add_argument("--probes", type=int, default=200)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--public-per-minute", type=int, default=60)
    p.add_argument("--baseline-python", default=None)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="edge-attack-") as tmp:
        work = Path(tmp)
        with database("sqlite", work) as url:
            built = build(work, "tiny", 25, url)
            figures = {}
            if args.baseline_python:
                figures["baseline"] = run(built, work, args, args.baseline_python, "baseline")
            figures["ours"] = run(built, work, args, sys.executable, "ours")
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

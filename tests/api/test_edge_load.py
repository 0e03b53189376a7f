"""Against a real uvicorn process (SQLite): during bursts of hostile bodies (64 KiB of unknown
keys, 650 KB oversized) the liveness probe keeps answering and the attack gets only its 4xx.
How FAST the probe stays is measured by ``benchmarks/edge_attack.py`` (figures are not timed
test assertions)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.api.server import Server

CONCURRENT = 30  # attack requests in flight per wave: the probe's 30 bodies at once
MAX_WAVES = 20  # bounded: at most 600 attack requests, then it stops by itself
PROBES = 60


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'db' / 'guidance.db'}"


def _unknown_keys(n: int) -> bytes:
    return json.dumps({f"k{i:06d}": 0 for i in range(n)}).encode()


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


@pytest.mark.slow  # ~1 minute: a real server and a bounded attack
def test_healthz_answers_under_hostile_bodies(seeded, model_path, tmp_path):
    """The attack runs in its own process (its threads must not hold this process's GIL
    and inflate the probe times); it is bounded and ends by itself."""
    assert len(_unknown_keys(4600)) <= 64 << 10 < len(_unknown_keys(60_000))
    # the default public allowance (60 per minute per address), as in the probe's attack:
    # beyond it the attacker's requests are 429 before their bodies are read
    server = Server(tmp_path, seeded.url, model_path,
                    GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE="60").start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as probe:
            assert probe.get("/healthz").status_code == 200  # connection open before
            attacker = subprocess.Popen(
                [sys.executable, "-c", ATTACK, server.url + "/api/v1/recommendations",
                 str(CONCURRENT), str(MAX_WAVES)], stdout=subprocess.PIPE, text=True)
            try:
                time.sleep(0.5)  # the first wave is in flight
                lat = []
                for _ in range(PROBES):
                    t0 = time.perf_counter()
                    r = probe.get("/healthz")
                    lat.append(time.perf_counter() - t0)
                    assert r.status_code == 200
                    time.sleep(0.01)
                attacking = attacker.poll() is None
                out, _ = attacker.communicate(timeout=300)
            finally:
                if attacker.poll() is None:
                    attacker.kill()
                    attacker.wait(10)
    finally:
        server.stop()
    outcomes = Counter(json.loads(out))
    lat.sort()
    p50 = statistics.median(lat) * 1e3
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1e3
    print(f"\n/healthz over {PROBES} probes under attack: p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
          f" max {lat[-1] * 1e3:.1f} ms; {MAX_WAVES} waves x {CONCURRENT}: {dict(outcomes)}")
    assert attacking, "the attack ended before the probes did: they measured nothing"
    assert outcomes["small:422"] > 0 and outcomes["big:413"] > 0, outcomes
    assert set(outcomes) <= {"small:422", "small:503", "small:429", "big:413", "big:503",
                             "big:WriteError", "big:RemoteProtocolError",
                             "big:ReadError"}, outcomes
    assert len(lat) == PROBES  # every probe answered 200 (asserted above) within its timeout

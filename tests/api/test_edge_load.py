"""Against a real uvicorn process (SQLite): during bursts of hostile bodies (64 KiB of unknown
keys, 650 KB oversized) the liveness probe keeps answering and the attack gets only its 4xx.
How FAST the probe stays is measured by ``benchmarks/edge_attack.py`` (figures are not timed
test assertions)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

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


def _bench():  # noqa: ANN202 - the benchmark module (one attack, measured the same way)
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "edge_attack.py"
    spec = importlib.util.spec_from_file_location("edge_attack_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # ~1 minute: a real server and a bounded attack
def test_healthz_answers_under_hostile_bodies(seeded, model_path, tmp_path):
    """The attack of ``benchmarks/edge_attack.py`` (its own process, bounded, it ends by
    itself) while this process probes ``/healthz``: every probe answers 200 (the benchmark
    raises otherwise) and the attack gets only its 4xx (or a refused write of the 650 KB
    body)."""
    assert len(_unknown_keys(4600)) <= 64 << 10 < len(_unknown_keys(60_000))
    # the default public allowance (60 per minute per address), as in the probe's attack:
    # beyond it the attacker's requests are 429 before their bodies are read
    server = Server(
        tmp_path, seeded.url, model_path, GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE="60"
    ).start()
    try:
        figures = _bench().attack_once(
            server.url, argparse.Namespace(concurrent=CONCURRENT, waves=MAX_WAVES, probes=PROBES)
        )
    finally:
        server.stop()
    print(f"\n/healthz under attack: {figures}")
    assert figures["probes"] == PROBES, "the attack ended before the probes did"
    outcomes = figures["attack"]
    assert outcomes.get("small:422", 0) > 0 and outcomes.get("big:413", 0) > 0, outcomes
    assert set(outcomes) <= {
        "small:422",
        "small:503",
        "small:429",
        "big:413",
        "big:503",
        "big:WriteError",
        "big:RemoteProtocolError",
        "big:ReadError",
    }, outcomes

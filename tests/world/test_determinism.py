"""Same seed, same bytes; another seed, another world."""

from __future__ import annotations

import hashlib

from guidance.world.generate import generate_world


def _digests(d) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def test_demo_is_byte_identical_for_a_seed(demo_world, tmp_path):
    d, _ = demo_world
    generate_world(tmp_path, seed=42, scale="demo", progress=False)
    assert _digests(tmp_path) == _digests(d)


def test_tiny_parquet_is_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate_world(a, seed=3, scale="tiny", fmt="parquet", progress=False)
    generate_world(b, seed=3, scale="tiny", fmt="parquet", progress=False)
    da, db = _digests(a), _digests(b)
    assert "outcomes.parquet" in da
    assert da == db


def test_other_seed_gives_other_outcomes(tiny_world, tmp_path):
    d, _ = tiny_world
    generate_world(tmp_path, seed=43, scale="tiny", progress=False)
    assert _digests(tmp_path)["outcomes.csv"] != _digests(d)["outcomes.csv"]


def test_regenerating_into_a_directory_replaces_the_other_format(tmp_path):
    generate_world(tmp_path, seed=1, scale="tiny", fmt="parquet", progress=False)
    generate_world(tmp_path, seed=1, scale="tiny", fmt="csv", progress=False)
    assert not list(tmp_path.glob("*.parquet"))

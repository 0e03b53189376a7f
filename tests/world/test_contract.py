"""A generated world is a valid contract data directory."""

from __future__ import annotations

from guidance.contract import validate_dir


def test_demo_world_validates(demo_world):
    report = validate_dir(demo_world[0])
    assert report.ok, report


def test_tiny_parquet_world_validates(tmp_path):
    from guidance.world.generate import generate_world

    generate_world(tmp_path, seed=5, scale="tiny", fmt="parquet", progress=False)
    assert validate_dir(tmp_path).ok

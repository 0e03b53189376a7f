"""Generated worlds, their raw outcome tables and their publications (session-scoped)."""

from __future__ import annotations

import pytest

from guidance.contract import load_dir
from guidance.stats.disclosure import DisclosureSettings, publish
from guidance.stats.tables import outcome_tables
from guidance.world.generate import generate_world

WORLDS = [("tiny", 1), ("tiny", 2), ("tiny", 3), ("demo", 1), ("demo", 2)]


@pytest.fixture(scope="session")
def world_tables(tmp_path_factory):
    cache: dict = {}

    def get(scale: str, seed: int) -> dict:
        if (scale, seed) not in cache:
            d = tmp_path_factory.mktemp(f"world-{scale}-{seed}")
            generate_world(d, seed=seed, scale=scale, progress=False)
            cache[(scale, seed)] = load_dir(d)
        return cache[(scale, seed)]

    return get


@pytest.fixture(scope="session")
def publications(world_tables):
    cache: dict = {}

    def get(scale: str, seed: int, **settings) -> tuple:
        key = (scale, seed, tuple(sorted(settings.items())))
        if key not in cache:
            raw = outcome_tables(world_tables(scale, seed))
            cache[key] = publish(raw, DisclosureSettings(**settings))
        return cache[key]

    return get

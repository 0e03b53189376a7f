"""Worlds generated once per test session (demo here; tiny in tests/conftest.py), seed 42."""

from __future__ import annotations

import pandas as pd
import pytest

from guidance.world.generate import generate_world

STR_COLS = {
    c: "string"
    for c in (
        "programme_id",
        "programme_code",
        "field_code",
        "institution_id",
        "province_code",
        "target_occupations",
        "predecessor_id",
        "home_province_code",
        "occupation_code",
        "job_province_code",
        "record_id",
        "cohort",
        "period",
    )
}


def read(d, name: str) -> pd.DataFrame:
    """Read a generated table back with codes as strings."""
    csv = d / f"{name}.csv"
    if csv.exists():
        return pd.read_csv(csv, dtype=STR_COLS, keep_default_na=False, na_values=[""])
    return pd.read_parquet(d / f"{name}.parquet")


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    summary = generate_world(d, seed=42, scale="demo", progress=False)
    return d, summary


@pytest.fixture(scope="session")
def tiny_world(tiny_dir, tiny_summary):
    """The session's tiny world (tests/conftest.py; read-only) and its summary."""
    return tiny_dir, tiny_summary


@pytest.fixture(scope="session")
def demo_tables(demo_world) -> dict[str, pd.DataFrame]:
    """The demo world's tables, read back once (tests must not modify them)."""
    names = ("provinces", "occupations", "programmes", "outcomes", "demand")
    return {n: read(demo_world[0], n) for n in names}


@pytest.fixture(scope="session")
def demo_joined(demo_tables):
    """Demo outcomes with their offering's columns aligned row by row."""
    out, prog = demo_tables["outcomes"], demo_tables["programmes"]
    off = out[["programme_id"]].merge(prog, on="programme_id", how="left", validate="m:1")
    return out, off

"""Shared test fixtures."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def require_shared(path: Path = SHARED) -> Path:
    """``path`` (inside the read-only shared folder beside the repository), or: a visible skip
    in a plain clone (``shared/`` absent, ``CI`` unset), a failure under ``CI=true`` (CI lays
    ``shared/`` beside the clone, so its absence there is a broken run, not a reason to skip)."""
    if path.exists():
        return path
    msg = f"needs the shared folder beside the repository ({path} is absent)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{msg}; CI=true, so this is a failure, not a skip", pytrace=False)
    pytest.skip(f"{msg}; skipped because CI is unset")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared folder beside the repository (tests only); see
    :func:`require_shared` for what happens when it is absent."""
    return require_shared(SHARED)


PG_URL = os.environ.get(
    "GUIDANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_schema_url() -> Iterator[str]:
    """A URL to a fresh, randomly named PostgreSQL schema (through ``search_path``), dropped
    afterwards. When the server is down the test FAILS on purpose: CI starts it, and a
    silent skip would hide a whole engine."""
    from sqlalchemy import text

    from guidance.store.db import make_engine

    admin = make_engine(PG_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means the same thing
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_URL} (start it; CI does): {exc}", pytrace=False
        )
    schema = "t_" + secrets.token_hex(6)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each engine: every database test runs on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'guidance.db'}"
    else:
        yield from _pg_schema_url()

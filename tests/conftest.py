"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared folder beside the repository (tests only)."""
    if not SHARED.is_dir():
        pytest.fail(f"shared/ is expected beside the repository at {SHARED}")
    return SHARED

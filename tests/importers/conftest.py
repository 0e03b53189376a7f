"""The real files in ``../shared/real``: tests SKIP (with the reason) when they are absent
and ``CI`` is unset, and FAIL when ``CI=true``, so CI can never skip them silently (the one
rule, :func:`tests.conftest.require_shared`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import SHARED, require_shared

REAL = SHARED / "real"


def _real_file(relative: str) -> Path:
    return require_shared(REAL / relative)


@pytest.fixture
def trento_file() -> Path:
    return _real_file("trento_graduates_1year/cross_1year.csv")


@pytest.fixture
def fr_master_file() -> Path:
    return _real_file("fr_master_insertion/fr-esr-insertion_professionnelle-master.csv")


def head_lines(src: Path, dst: Path, n: int, extra: list[str] = ()) -> Path:
    """The header and the first ``n`` data lines of ``src`` (plus ``extra`` lines)."""
    with src.open(encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(n + 1)]
    dst.write_text("".join(lines) + "".join(f"{e}\n" for e in extra), encoding="utf-8")
    return dst

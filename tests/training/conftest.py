"""Fixtures for the training tests: a fast model size and one training on the session's tiny
world (``tiny_dir``, ``tiny_tables`` in tests/conftest.py)."""

from __future__ import annotations

import pytest

# Third-party noise that MLflow triggers in its own imports and store (not our code).
MLFLOW_WARNINGS = [
    pytest.mark.filterwarnings("ignore:.*type hint:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]
FAST = {"model": {"max_iter": 30}}


@pytest.fixture(scope="session")
def trained(tiny_tables):
    """One fast training on the tiny world, shared by the tests that only read it."""
    from training.config import load_config
    from training.pipeline import train_and_evaluate

    return train_and_evaluate(tiny_tables, load_config(overrides=FAST), progress=False)


# -- degenerate directories (tests/training/test_degenerate_data.py) -----------------------
@pytest.fixture(scope="session")
def degenerate_dir(tiny_dir, tmp_path_factory):
    """``make(name, **changes)``: a copy of the tiny world with some tables replaced.

    Each change is a function ``frame -> frame`` for that table (``outcomes=…``,
    ``programmes=…``, ``demand=…``, ``occupations=…``); the result is written as CSV with
    the contract's columns, other tables are copied unchanged.
    """
    import shutil

    from guidance.contract import load_dir

    base = load_dir(tiny_dir)
    root = tmp_path_factory.mktemp("degenerate")

    def make(name: str, **changes):
        d = root / name
        d.mkdir()
        for table in ("provinces", "occupations", "programmes", "outcomes", "demand"):
            if table in changes:
                changes[table](base[table].copy()).to_csv(d / f"{table}.csv", index=False)
            else:
                shutil.copyfile(tiny_dir / f"{table}.csv", d / f"{table}.csv")
        return d

    make.base = base
    return make

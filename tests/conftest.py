"""Shared test fixtures.

The tiny world and its models are made ONCE per session here and shared by every directory
(api, web, recommend, report, store, training, world, model, artifacts): ``tiny_dir`` (seed 42,
scale tiny, CSV), ``tiny_tables`` (its tables, contract dtypes), ``tiny_parts`` (its
train/val/test split as training makes it), ``tiny_models`` (``OutcomeModels`` fitted on it with
25 boosting iterations) and ``tiny_artifacts`` (``{"1": 25 iterations, "2": 8 iterations}``
saved as verified artifacts, so their scores tell them apart).

All of them are READ-ONLY: a test that changes a table copies it (``dict(tiny_tables, x=...)``,
``frame.assign(...)``), a test that changes a model deep-copies it, a test that writes beside a
file copies the directory (``install_model`` in tests/api/conftest.py). The directories are
checked at the end of the session: a changed, added or removed file fails the run, naming it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import warnings
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


# For a heavy test whose subject does not depend on the engine (a real server process under
# load, its signals, its workers): SQLite in the default run, PostgreSQL behind ``slow``
# (``make test-slow``). Put it on the test: ``@SQLITE_NOW_POSTGRES_SLOW``. Say in the test why
# the engine does not matter and which fast test covers the engine's part on PostgreSQL.
SQLITE_NOW_POSTGRES_SLOW = pytest.mark.parametrize(
    "db_url",
    ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])],
    indirect=True,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each engine: every database test runs on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'guidance.db'}"
    else:
        yield from _pg_schema_url()


# -- the shared tiny world and models (read-only, see the module docstring) -----------------
TINY_SEED = 42
TINY_MODEL_NAME = "guidance-outcomes"
TINY_ITERATIONS = {"1": 25, "2": 8}  # artifact version -> boosting iterations


def _digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path -> sha256)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _read_only(root: Path) -> Iterator[Path]:
    """Yield ``root`` with its files made read-only; afterwards fail if any file of it was
    changed, added or removed (running as root ignores the mode bits, the digest does not)."""
    for p in root.rglob("*"):
        if p.is_file():
            p.chmod(0o444)
    before = _digest(root)
    yield root
    after = _digest(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"a test wrote into the shared read-only {root}: {changed}"


@pytest.fixture(scope="session")
def _tiny_generated(tmp_path_factory) -> Iterator[tuple[Path, object]]:
    from guidance.world.generate import generate_world

    d = tmp_path_factory.mktemp("tiny_world")
    summary = generate_world(d, seed=TINY_SEED, scale="tiny", progress=False)
    for root in _read_only(d):
        yield root, summary


@pytest.fixture(scope="session")
def tiny_dir(_tiny_generated) -> Path:
    """The tiny world (seed 42) as a contract directory (CSV). Read-only."""
    return _tiny_generated[0]


@pytest.fixture(scope="session")
def tiny_summary(_tiny_generated):  # noqa: ANN201 - the world summary
    """What ``generate_world`` returned for ``tiny_dir``."""
    return _tiny_generated[1]


def _frame_digests(tables: dict) -> dict[str, str]:
    import pandas as pd

    return {
        name: hashlib.sha256(
            pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes()
            + repr(list(df.columns)).encode()
            + repr(list(df.dtypes.astype(str))).encode()
        ).hexdigest()
        for name, df in tables.items()
    }


@pytest.fixture(scope="session")
def tiny_tables(tiny_dir) -> Iterator[dict]:
    """The tiny world's tables (contract dtypes). Do not modify: copy."""
    from guidance.contract import load_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(tiny_dir)
    before = _frame_digests(tables)
    yield tables
    changed = [k for k, v in _frame_digests(tables).items() if before.get(k) != v]
    assert not changed, f"a test modified the shared tiny_tables in place: {changed}"


def fit_tiny(tables: dict, max_iter: int):  # noqa: ANN201 - OutcomeModels
    """``OutcomeModels`` fitted on ``tables`` as training splits them, ``max_iter``
    boosting iterations, one OpenMP thread (deterministic, and polite to the other workers)."""
    from threadpoolctl import threadpool_limits
    from training.config import load_config
    from training.pipeline import split_pairs

    from guidance.model import fit_models

    cfg = load_config(overrides={"model": {"max_iter": max_iter}})
    parts = split_pairs(tables, cfg)
    with threadpool_limits(1, user_api="openmp"):
        models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    return models


@pytest.fixture(scope="session")
def tiny_parts(tiny_tables) -> dict:
    """The tiny world's train / val / test pairs, split as training splits them."""
    from training.config import load_config
    from training.pipeline import split_pairs

    return split_pairs(tiny_tables, load_config())


@pytest.fixture(scope="session")
def tiny_models(tiny_tables):  # noqa: ANN201 - OutcomeModels
    """The tiny world's models (25 iterations; the same fit as ``tiny_artifacts["1"]``).
    Do not modify: ``copy.deepcopy`` first (``Recommender`` and ``set_demand`` change them)."""
    return fit_tiny(tiny_tables, TINY_ITERATIONS["1"])


@pytest.fixture(scope="session")
def tiny_artifacts(tiny_tables, tiny_models, tmp_path_factory) -> Iterator[dict[str, Path]]:
    """Two versions of ``guidance-outcomes`` saved as verified artifacts in one read-only
    directory: ``{"1": path (25 iterations), "2": path (8 iterations)}``."""
    from guidance.artifacts import save_artifact

    d = tmp_path_factory.mktemp("tiny_models")
    out = {}
    for version, iters in TINY_ITERATIONS.items():
        models = tiny_models if iters == TINY_ITERATIONS["1"] else fit_tiny(tiny_tables, iters)
        out[version], _ = save_artifact(models, d, TINY_MODEL_NAME, version)
    for _ in _read_only(d):
        yield out

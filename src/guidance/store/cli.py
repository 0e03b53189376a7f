"""Handlers for ``guidance db upgrade``, ``guidance keys …`` and ``guidance purge``.

Each takes the parsed ``argparse.Namespace``; ``args.database_url`` (optional)
overrides ``Settings.database_url``. Commands that need the schema migrate first,
so a fresh checkout can create keys straight away.
"""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from guidance.contract import ContractError, load_dir
from guidance.settings import get_settings
from guidance.store.audit import purge
from guidance.store.catalogue import is_demo_world, load_catalogue
from guidance.store.db import make_engine
from guidance.store.demand import load_demand
from guidance.store.keys import create_key, list_keys, revoke_key
from guidance.store.migrate import current, upgrade
from guidance.store.tracer_errors import RETENTION_DAYS, purge_error_files

DEFAULT_RETENTION_DAYS = 365


def _engine(args: argparse.Namespace):  # noqa: ANN202 - sqlalchemy Engine

    return make_engine(getattr(args, "database_url", None))


def _ready_engine(args: argparse.Namespace):  # noqa: ANN202

    engine = _engine(args)
    upgrade(engine)
    return engine


def db_upgrade_command(args: argparse.Namespace) -> int:
    engine = _engine(args)
    before = current(engine)
    after = upgrade(engine, getattr(args, "revision", None) or "head")
    print(f"database at revision {after} (was {before or 'empty'})", file=sys.stderr)
    engine.dispose()
    return 0


def db_load_command(args: argparse.Namespace) -> int:
    """Load a contract data directory: the catalogue, then every demand period."""

    try:
        tables = load_dir(args.data_dir)
    except ContractError as exc:
        print(f"error: {args.data_dir} does not satisfy the data contract:\n{exc}", file=sys.stderr)
        return 1
    engine = _ready_engine(args)
    try:
        counts = load_catalogue(engine, tables, synthetic=is_demo_world(args.data_dir))
        demand = tables["demand"]
        if getattr(args, "no_demand", False) or demand.empty:
            snapshots = []
        else:
            with tqdm(
                total=demand["period"].nunique(),
                desc="demand periods",
                unit="period",
                file=sys.stderr,
            ) as bar:
                snapshots = load_demand(engine, demand, progress=lambda _p: bar.update())
    finally:
        engine.dispose()
    print(
        f"loaded {counts['programmes']} programmes, {counts['occupations']} occupations, "
        f"{counts['provinces']} provinces, {len(snapshots)} demand periods "
        f"({sum(s.row_count for s in snapshots)} rows)",
        file=sys.stderr,
    )
    return 0


def keys_create_command(args: argparse.Namespace) -> int:
    engine = _ready_engine(args)
    try:
        key_id, secret = create_key(
            engine, args.name, args.role, getattr(args, "institution", None)
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"created key {key_id} ({args.role}, {args.name!r}); the secret below is shown "
        "once and not stored:",
        file=sys.stderr,
    )
    print(secret)
    return 0


def keys_revoke_command(args: argparse.Namespace) -> int:
    engine = _ready_engine(args)
    ok = revoke_key(engine, int(args.id))
    engine.dispose()
    if not ok:
        print(f"error: no active key {args.id}", file=sys.stderr)
        return 1
    print(f"revoked key {args.id}", file=sys.stderr)
    return 0


def keys_list_command(args: argparse.Namespace) -> int:
    engine = _ready_engine(args)
    keys = list_keys(engine)
    engine.dispose()
    print(f"{'id':>4}  {'role':<10}  {'prefix':<8}  {'created (UTC)':<19}  {'revoked':<19}  name")
    for k in keys:
        revoked = k.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if k.revoked_at else "-"
        print(
            f"{k.id:>4}  {k.role:<10}  {k.prefix:<8}  "
            f"{k.created_at:%Y-%m-%d %H:%M:%S}  {revoked:<19}  {k.name}"
        )
    return 0


def purge_command(args: argparse.Namespace) -> int:
    days = getattr(args, "older_than_days", None)
    if days is None:
        days = getattr(get_settings(), "retention_days", DEFAULT_RETENTION_DAYS)
    engine = _ready_engine(args)
    try:
        counts = purge(engine, int(days))
        error_files = purge_error_files(engine, RETENTION_DAYS)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"purged records older than {days} days: {counts['audit_log']} audit, "
        f"{counts['feedback']} feedback; tracer error files older than {RETENTION_DAYS} "
        f"days: {error_files}",
        file=sys.stderr,
    )
    return 0

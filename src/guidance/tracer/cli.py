"""Handlers for ``guidance tracer …``: template, submit, coverage, export, withdraw, forget,
load-demo. A domain error prints one plain sentence and exits non-zero, never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from guidance.api.deps import server_secret
from guidance.contract import ContractError
from guidance.settings import get_settings
from guidance.store.db import StoreError, make_engine
from guidance.store.migrate import upgrade
from guidance.store.tracer import (
    TracerFileError,
    TracerNotFound,
    TracerRejected,
    coverage,
    forget,
    submit,
    withdraw,
)
from guidance.tracer.annotate import annotated_copy
from guidance.tracer.dirs import export_dir, load_demo
from guidance.tracer.read import read_bytes, read_path
from guidance.tracer.template import write_template


def _engine(args: argparse.Namespace):  # noqa: ANN202

    engine = make_engine(getattr(args, "database_url", None))
    upgrade(engine)
    return engine


def _secret() -> bytes:
    return server_secret(get_settings())


def _fail(msg: str, code: int = 1) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return code


def template_command(args: argparse.Namespace) -> int:
    write_template(Path(args.out), args.format, args.kind)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


# The CLI reads a file from disk (a CSV is streamed), so it takes larger files than the API.
CLI_MAX_BYTES = 4 << 30


def submit_command(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"{path} is not a file", 2)
    limits = {"max_rows": args.max_rows, "max_bytes": CLI_MAX_BYTES}
    engine = _engine(args)
    try:
        sheet = read_path(path, _secret(), **limits)
        res = submit(
            engine,
            args.institution,
            args.cohort,
            args.wave,
            sheet,
            _secret(),
            args.actor,
            filename=path.name,
        )
    except TracerFileError as exc:
        return _fail(f"{exc.en} / {exc.vi}")
    except TracerRejected as exc:
        r = exc.result
        print(
            f"refused, nothing written: {r.n_errors} error(s) / bị từ chối, không ghi gì: "
            f"{r.n_errors} lỗi",
            file=sys.stderr,
        )
        for e in r.errors[: args.max_errors]:
            print(f"  row {e.row}, column {e.column}, {e.rule}: {e.vi} / {e.en}", file=sys.stderr)
        if args.errors_out:
            sheet = read_bytes(path.read_bytes(), _secret(), path.name, **limits)
            Path(args.errors_out).write_bytes(annotated_copy(sheet, r, args.errors_out))
            print(f"annotated copy: {args.errors_out}", file=sys.stderr)
        return 1
    except StoreError as exc:
        return _fail(str(exc).splitlines()[0])
    finally:
        engine.dispose()
    for w in res.warnings:
        print(f"warning: {w['message_vi']} / {w['message_en']}", file=sys.stderr)
    print(json.dumps({k: v for k, v in res.__dict__.items() if k != "warnings"}))
    return 0


def coverage_command(args: argparse.Namespace) -> int:
    engine = _engine(args)
    rows = coverage(engine, args.institution)
    engine.dispose()
    print(
        f"{'institution':<14} {'cohort':<8} {'wave':<4} {'ver':>3} {'known':>7} "
        f"{'surveyed':>8} {'responded':>9} {'rate':>6}"
    )
    for r in rows:
        rate = "-" if r["response_rate"] is None else f"{r['response_rate']:.0%}"
        print(
            f"{r['institution_id']:<14} {r['cohort']:<8} {r['wave']:<4} {r['version']:>3} "
            f"{r['graduates_known']:>7} {r['surveyed']:>8} {r['responded']:>9} {rate:>6}"
        )
    return 0


def withdraw_command(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        v = withdraw(
            engine, args.institution, args.cohort, args.wave, args.reason, args.actor, args.version
        )
    except (TracerNotFound, ValueError) as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(f"withdrew version {v} of {args.institution} {args.cohort} {args.wave}", file=sys.stderr)
    return 0


def forget_command(args: argparse.Namespace) -> int:
    engine = _engine(args)
    n = forget(engine, args.learner_ref, _secret(), args.actor)
    engine.dispose()
    print(f"deleted {n} record(s) of that graduate (logged)", file=sys.stderr)
    return 0


def export_command(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        meta = export_dir(engine, Path(args.out))
    except ValueError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(
        json.dumps(
            {
                k: meta[k]
                for k in (
                    "data_hash",
                    "outcomes",
                    "one_wave_6m_only",
                    "one_wave_12m_only",
                    "left_out",
                )
            }
        )
    )
    return 0


def load_demo_command(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        results = load_demo(
            engine, Path(args.data_dir), _secret(), args.actor, catalogue=not args.no_catalogue
        )
    except ContractError as exc:
        return _fail(f"{args.data_dir} does not satisfy the data contract: {exc}")
    except TracerRejected as exc:
        e = exc.result.errors[0] if exc.result.errors else None
        where = f" (first: row {e.row}, column {e.column}, {e.rule}: {e.en})" if e else ""
        return _fail(f"a demo submission was refused: {exc.result.n_errors} error(s){where}")
    except ValueError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(
        f"submitted {len(results)} tracer submissions ({sum(r.rows for r in results)} records)",
        file=sys.stderr,
    )
    return 0

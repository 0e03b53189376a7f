"""Commands that ``training`` adds to ``guidance`` (kept free of heavy imports)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime


def _add_tracking(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow tracking/registry URI (default: settings.mlflow_tracking_uri)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Entry point ``guidance.commands``: add ``train``, ``promote`` and ``models``."""
    p = sub.add_parser("train", help="train, evaluate, log and register the outcome models")
    add_train_arguments(p)
    p.set_defaults(cmd_handler="training.cli:train_command")

    p = sub.add_parser("promote", help="move the champion alias to a version that passes the gate")
    p.add_argument("--version", default=None, help="model version (default: the newest)")
    p.add_argument("--force", action="store_true", help="override a failed gate (needs --reason)")
    p.add_argument("--reason", default=None, help="why the gate is overridden (recorded as a tag)")
    p.add_argument(
        "--data", default=None, help="data directory to re-score on (default: the challenger's)"
    )
    p.add_argument("--config", default=None, help="TOML whose [promotion] table overrides the gate")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the decision as one JSON object (reasons in English and Vietnamese)",
    )
    _add_tracking(p)
    p.set_defaults(cmd_handler="training.cli:promote_command")

    p = sub.add_parser("models", help="list registered model versions, aliases and key metrics")
    _add_tracking(p)
    p.set_defaults(cmd_handler="training.cli:models_command")


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data", required=False, default=None, help="data directory (default: settings)"
    )
    p.add_argument("--config", default=None, help="TOML training config")
    p.add_argument("--models-dir", default=None, help="artifact folder (default: settings)")
    p.add_argument("--no-mlflow", action="store_true", help="write the artifact only")
    p.add_argument(
        "--artifact-root",
        default=None,
        help="MLflow artifact root for a new experiment (default: <var_dir>/mlartifacts)",
    )
    p.add_argument(
        "--no-promote", action="store_true", help="never make this version champion automatically"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--search",
        action="store_true",
        help="search the [search] grid of the config first (trials scored on the "
        "time split's validation part; see docs/training.md)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --search: run the trials on this Dask scheduler (e.g. tcp://host:8786)",
    )
    where.add_argument(
        "--local-workers",
        type=int,
        default=0,
        metavar="N",
        help="with --search: run the trials on a local Dask cluster of N worker processes",
    )
    where.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="with --search and no Dask: N local joblib processes (default 1)",
    )
    _add_tracking(p)


def _search_runner(args: argparse.Namespace):
    """The ``SearchRunner`` of the command line, or None without ``--search``."""
    scheduler = getattr(args, "scheduler", None)
    workers, jobs = getattr(args, "local_workers", 0), getattr(args, "jobs", 1)
    if not getattr(args, "search", False):
        if scheduler or workers or jobs != 1:
            raise ValueError("--scheduler, --local-workers and --jobs apply to --search only")
        return None
    if not 0 <= workers <= 64:
        raise ValueError(f"--local-workers must be between 0 and 64, not {workers}")
    if not 1 <= jobs <= 64:
        raise ValueError(f"--jobs must be between 1 and 64, not {jobs}")
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from training.search import SearchRunner

    return SearchRunner(scheduler=scheduler, local_workers=workers, jobs=jobs)


def train_command(args: argparse.Namespace) -> int:
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from guidance.contract.report import ContractError
    from guidance.model import TrainingDataError
    from guidance.settings import get_settings
    from training.config import load_config
    from training.run import run_training

    s = get_settings()
    data = args.data or s.data_dir
    try:
        runner = _search_runner(args)
        config = load_config(args.config)
        if runner is not None:  # a bad [search] grid is refused before any work
            # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
            from training.search import grid

            grid(config.search)
    except (ValueError, FileNotFoundError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    try:
        out = run_training(
            data,
            config,
            models_dir=args.models_dir or s.models_dir,
            name=s.registered_model_name,
            tracking_uri=None if args.no_mlflow else (args.tracking_uri or s.mlflow_tracking_uri),
            artifact_root=args.artifact_root or s.var_dir / "mlartifacts",
            progress=not args.quiet,
            auto_promote=not args.no_promote,
            search=runner,
        )
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback (workers stop with the client)
        print("train: interrupted", file=sys.stderr)
        return 130
    except TrainingDataError as exc:  # a data problem: one sentence, no traceback
        print(f"train: cannot train on {data}: {exc}", file=sys.stderr)
        return 2
    except ContractError as exc:
        n = len(getattr(exc, "report", None).errors) if getattr(exc, "report", None) else "?"
        print(
            f"train: {data} does not satisfy the data contract ({n} errors): run "
            f"`guidance validate {data}` for the list",
            file=sys.stderr,
        )
        return 2
    except FileNotFoundError as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a Dask scheduler that cannot be reached
        print(f"train: {exc}", file=sys.stderr)
        return 2
    print(f"artifact: {out.artifact}  version: {out.version}  run: {out.run_id or '-'}")
    for t, st in out.result.evaluation.status.items():
        if st != "fitted":
            print(f"not fitted: {t} ({st.removeprefix('not_fitted: ')})")
    if out.result.evaluation.metrics_unreliable:
        print("metrics are marked unreliable: promotion needs --force --reason")
    if out.promoted:
        print(f"version {out.version} is now the champion")
    elif out.run_id is not None and args.no_promote:
        print(f"version {out.version} registered, not promoted: `guidance promote` runs the gate")
    elif out.run_id is not None:
        print("not promoted automatically: " + "; ".join(out.promotion_reasons))
    return 0


def promote_command(args: argparse.Namespace) -> int:
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from guidance.registry import connect
    from guidance.settings import get_settings
    from training.config import load_config
    from training.promote import promote

    s = get_settings()
    client = connect(args.tracking_uri or s.mlflow_tracking_uri)
    gate = load_config(args.config).promotion if args.config else None
    try:
        d = promote(
            client,
            s.registered_model_name,
            args.version,
            force=args.force,
            reason=args.reason,
            data_dir=args.data,
            promotion=gate,
        )
    except (LookupError, ValueError) as exc:
        if getattr(args, "json", False):
            kind = "unknown_version" if isinstance(exc, LookupError) else "bad_request"
            print(json.dumps({"error": kind, "message": str(exc)}, ensure_ascii=False))
        print(f"promote: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
        from training.promote import decision_dict

        print(json.dumps(decision_dict(d), ensure_ascii=False))
        return 0 if d.promoted or d.previous == d.version else 1
    if d.previous == d.version and not d.promoted:
        print(f"version {d.version} is already the champion")
        return 0
    for who, m in d.scores.items():
        print(
            f"{who:<11} AUC {m['auc']:.4f}  Brier {m['brier']:.4f}  ECE {m['ece']:.4f}  "
            f"(n={int(m['n'])})"
        )
    if d.promoted:
        how = f" (FORCED: {args.reason})" if d.forced else ""
        print(f"champion: version {d.version} (was {d.previous or 'none'}){how}")
        for r in d.reasons:
            print(f"  note: {r}")
        return 0
    print(f"refused: version {d.version} stays a challenger (champion: {d.previous or 'none'})")
    for r in d.reasons:
        print(f"  - {r}")
    return 1


def models_command(args: argparse.Namespace) -> int:
    # lazy: the CLI imports this module at startup (for its arguments); the command's modules load when it runs
    from guidance import registry_sqlite
    from guidance.settings import get_settings

    s = get_settings()
    uri = args.tracking_uri or s.mlflow_tracking_uri
    # a local SQLite registry is read without importing MLflow (seconds); others ask MLflow
    versions = registry_sqlite.list_versions(uri, s.registered_model_name)
    if versions is None:
        # lazy: MLflow only for a registry the standard library cannot read
        from guidance.registry import connect, list_versions

        versions = list_versions(connect(uri), s.registered_model_name)
    if not versions:
        print(f"no registered versions of {s.registered_model_name}")
        return 0
    print(
        f"{'version':>7}  {'aliases':<12}{'created (UTC)':<18}{'AUC':>7}{'Brier':>8}{'ECE':>7}"
        f"  {'beats baselines':<16}sha256"
    )
    for v in versions:
        m = v.metrics
        when = datetime.fromtimestamp(v.created_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        beats = "yes" if m.get("beats_baselines") == 1.0 else "no"
        print(
            f"{v.version:>7}  {','.join(v.aliases) or '-':<12}{when:<18}"
            f"{m.get('test.employed_12m.auc', float('nan')):>7.4f}"
            f"{m.get('test.employed_12m.brier', float('nan')):>8.4f}"
            f"{m.get('test.employed_12m.ece', float('nan')):>7.4f}  {beats:<16}"
            f"{v.tags.get('sha256', '')[:12]}"
        )
    return 0

"""The ``guidance`` command.

Each subcommand names its handler as ``"module:function"`` and the module is
imported only when that subcommand runs, so ``guidance --help`` never pays for
pandas, scikit-learn or MLflow.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable, Sequence

Adder = Callable[[argparse.ArgumentParser], None]


def _add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("data_dir", help="data directory following data contract v1")
    p.add_argument("--max-errors", type=int, default=50, help="errors to print (all are counted)")


def _add_demo_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output data directory")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--scale", choices=["demo", "national"], default="demo")
    p.add_argument(
        "--format",
        choices=["csv", "parquet"],
        default=None,
        help="file format (default: csv for demo, parquet for national)",
    )
    p.add_argument(
        "--variant",
        choices=["base", "institution", "credential", "local"],
        default="base",
        help="structural variant of the outcome model (docs/demo_world.md, Variants)",
    )


def _add_info(p: argparse.ArgumentParser) -> None:
    p.add_argument("data_dir", nargs="?", default=None, help="optional data directory to describe")


def _add_ingest_postings(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="job-posting files (CSV)")
    p.add_argument("--period", required=True, help="demand period YYYY-MM")
    p.add_argument("--out", required=True, help="output directory for the demand snapshot")
    p.add_argument(
        "--source",
        default=None,
        help="adapter name (careerviet_unified, itviec, generic); default: detect",
    )
    p.add_argument("--mapping", default=None, help="JSON column mapping for the generic adapter")
    p.add_argument("--usd-rate", type=float, default=None, help="VND per USD for salary parsing")
    p.add_argument(
        "--min-confidence",
        type=float,
        default=None,
        help="classifier confidence below which a posting is 'unclassified'",
    )


def _add_db_url(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", default=None, help="database URL (default: settings)")


def _add_db_upgrade(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("--revision", default="head")


def _add_db_load(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("data_dir", help="contract data directory whose catalogue (and demand) to load")
    p.add_argument("--no-demand", action="store_true", help="load the catalogue only")


def _add_keys_create(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["counsellor", "admin", "institution"])
    _add_keys_institution(p)


def _add_keys_revoke(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("id", help="key id")


def _add_keys_institution(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--institution",
        default=None,
        help="institution_id the key is bound to (required for role institution)",
    )


def _add_tracer_key(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("--institution", required=True, help="institution_id")
    p.add_argument("--cohort", required=True, help="graduation cohort YYYY-MM")
    p.add_argument("--wave", required=True, choices=["6m", "12m"])
    p.add_argument("--actor", default="cli", help="who is acting (written to the tracer log)")


def _add_tracer_template(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p.add_argument("--kind", choices=["records", "aggregates"], default="records")
    p.add_argument("--out", required=True)


def _rows_limit(text: str) -> int:
    n = int(text)
    if not 1 <= n <= 5_000_000:
        raise argparse.ArgumentTypeError("must be between 1 and 5,000,000")
    return n


def _add_tracer_submit(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="CSV, XLSX or JSON file")
    _add_tracer_key(p)
    p.add_argument("--max-errors", type=int, default=50, help="errors to print (all counted)")
    p.add_argument(
        "--max-rows",
        type=_rows_limit,
        default=2_000_000,
        help="refuse a file with more data rows (default 2,000,000; at most 5,000,000)",
    )
    p.add_argument(
        "--errors-out",
        default=None,
        help="write an annotated copy (.xlsx or .csv) when the file is refused",
    )


def _add_tracer_coverage(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("--institution", default=None, help="one institution only")


def _add_tracer_export(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("--out", required=True, help="output contract directory")


def _add_tracer_withdraw(p: argparse.ArgumentParser) -> None:
    _add_tracer_key(p)
    p.add_argument("--reason", required=True)
    p.add_argument("--version", type=int, default=None, help="default: the current version")


def _add_tracer_forget(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("learner_ref", help="the graduate's reference (pseudonymised, not stored)")
    p.add_argument("--actor", default="cli")


def _add_tracer_load_demo(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument("data_dir", help="contract directory (e.g. the demo world)")
    p.add_argument("--actor", default="load-demo")
    p.add_argument(
        "--no-catalogue",
        action="store_true",
        help="the catalogue and demand are already loaded ('guidance db load')",
    )


def _add_purge(p: argparse.ArgumentParser) -> None:
    _add_db_url(p)
    p.add_argument(
        "--older-than-days",
        type=int,
        default=None,
        help="retention in days (default: GUIDANCE_RETENTION_DAYS)",
    )


def _add_recommender_source(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default=None, help="data directory (default: settings.data_dir)")
    p.add_argument(
        "--model",
        default=None,
        help="model bundle .joblib (default: newest in settings.models_dir)",
    )
    p.add_argument("--top-k", type=int, default=10)


def _add_recommend(p: argparse.ArgumentParser) -> None:
    _add_recommender_source(p)
    p.add_argument(
        "--learner",
        required=True,
        help="JSON file ('-' = stdin): {profile: {...}, preferences: {...}} or flat",
    )
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument(
        "--what-if",
        default=None,
        help="JSON of one change, e.g. '{\"willing_to_relocate\": true}' or "
        '\'{"max_distance_km": "+50"}\'',
    )


def _add_recommend_batch(p: argparse.ArgumentParser) -> None:
    _add_recommender_source(p)
    p.add_argument("--learners", required=True, help="CSV or Parquet of learners + preferences")
    p.add_argument(
        "--lang", choices=["vi", "en"], default="vi", help="messages and names (default vi)"
    )
    p.add_argument("--out", required=True, help="output .csv or .parquet (on Dask: a directory)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    dask = p.add_argument_group(
        "on a Dask cluster (output: Parquet by home province, a manifest, resumable)"
    )
    where = dask.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"
    )
    where.add_argument(
        "--local-workers",
        type=int,
        default=None,
        help="start a local Dask cluster of N worker processes (1 thread each)",
    )
    dask.add_argument(
        "--partition-rows",
        type=int,
        default=None,
        help="learners per partition (task); default 2000",
    )
    dask.add_argument(
        "--model-alias",
        default=None,
        help="registry alias to load (e.g. champion) instead of --model",
    )
    dask.add_argument(
        "--csv", action="store_true", help="also write DIR/recommendations.csv (small runs)"
    )


def _add_audit(p: argparse.ArgumentParser) -> None:
    _add_recommender_source(p)
    p.add_argument(
        "--learners",
        default=None,
        help="CSV/Parquet learner sample (default: newest year of tracer records)",
    )
    p.add_argument("--sample", type=int, default=1000, help="learners drawn from the data")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="write the exposure table as CSV")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_import_trento(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="cross_1year.csv (Trento graduates, one row per graduate)")
    p.add_argument("--out", required=True, help="output contract data directory")
    p.add_argument(
        "--cohort", default="2013-12", help="cohort written for every record (the file has no year)"
    )
    p.add_argument(
        "--trainee-employed",
        action="store_true",
        help="count 'Trainee' as employed (default: not employed)",
    )


def _add_import_fr_master(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="fr-esr-insertion_professionnelle-master.csv (';'-separated)")
    p.add_argument("--out", required=True, help="output directory for cohort_aggregates.csv")


def _add_report(p: argparse.ArgumentParser) -> None:
    # lazy: read only when the parser is built, not at import
    from guidance.report.cli import add_arguments

    add_arguments(p)


def _add_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=None, help="default: GUIDANCE_HOST (127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="default: GUIDANCE_PORT (8000)")
    p.add_argument("--workers", type=int, default=None, help="default: GUIDANCE_WORKERS (1)")


# name -> (help, handler "module:function", argument adder)
COMMANDS: dict[str, tuple[str, str, Adder]] = {
    "impact": (
        "how often recommended programmes were chosen, and what became of those learners",
        "guidance.impact_cli:impact_command",
        _add_db_url,
    ),
    "validate": (
        "check a data directory against the data contract",
        "guidance.contract.cli:validate_command",
        _add_validate,
    ),
    "demo-data": (
        "generate the synthetic demo world (a contract data directory)",
        "guidance.world.cli:demo_data_command",
        _add_demo_data,
    ),
    "info": ("show versions, settings and reference data", "guidance.info:info_command", _add_info),
    "purge": (
        "delete audit and feedback rows older than the retention period",
        "guidance.store.cli:purge_command",
        _add_purge,
    ),
    "serve": ("run the API under uvicorn", "guidance.api.serve:serve_command", _add_serve),
    "recommend": (
        "recommend offerings for one learner (JSON), with reasons; --what-if",
        "guidance.recommend_cli:recommend_command",
        _add_recommend,
    ),
    "recommend-batch": (
        "recommend for every learner of a CSV/Parquet file",
        "guidance.recommend_cli:batch_command",
        _add_recommend_batch,
    ),
    "audit-recommendations": (
        "exposure of occupation families in the top-k by sex and ethnic-minority status",
        "guidance.recommend_cli:audit_command",
        _add_audit,
    ),
    "report": (
        "the yearly report (PDF or HTML) of a province or the nation",
        "guidance.report.cli:report_command",
        _add_report,
    ),
}

# name -> {subname: (help, handler, adder)}
GROUPS: dict[str, tuple[str, dict[str, tuple[str, str, Adder]]]] = {
    "demand": (
        "labour-demand feeds",
        {
            "ingest-postings": (
                "turn job postings into a demand snapshot",
                "guidance.postings.cli:ingest_command",
                _add_ingest_postings,
            ),
        },
    ),
    "import": (
        "turn real outcome data into a contract directory or cohort aggregates",
        {
            "trento": (
                "Trento graduates (individual) → contract data directory",
                "guidance.importers.cli:trento_command",
                _add_import_trento,
            ),
            "fr-master": (
                "French master's outcomes (aggregates) → cohort_aggregates.csv",
                "guidance.importers.cli:fr_master_command",
                _add_import_fr_master,
            ),
        },
    ),
    "db": (
        "the service database",
        {
            "upgrade": (
                "run database migrations",
                "guidance.store.cli:db_upgrade_command",
                _add_db_upgrade,
            ),
            "load": (
                "load a data directory's catalogue and demand into the database",
                "guidance.store.cli:db_load_command",
                _add_db_load,
            ),
        },
    ),
    "keys": (
        "API keys for counsellors and admins",
        {
            "create": (
                "create a key (the secret is printed once)",
                "guidance.store.cli:keys_create_command",
                _add_keys_create,
            ),
            "revoke": ("revoke a key", "guidance.store.cli:keys_revoke_command", _add_keys_revoke),
            "list": (
                "list keys (never their secrets)",
                "guidance.store.cli:keys_list_command",
                _add_db_url,
            ),
        },
    ),
    "tracer": (
        "the shared tracer database (graduate outcomes)",
        {
            "template": (
                "write the submission template (XLSX or CSV)",
                "guidance.tracer.cli:template_command",
                _add_tracer_template,
            ),
            "submit": (
                "validate and submit a file for (institution, cohort, wave)",
                "guidance.tracer.cli:submit_command",
                _add_tracer_submit,
            ),
            "coverage": (
                "graduates known, surveyed, responded per institution, cohort, wave",
                "guidance.tracer.cli:coverage_command",
                _add_tracer_coverage,
            ),
            "export": (
                "write a contract directory from the database",
                "guidance.tracer.cli:export_command",
                _add_tracer_export,
            ),
            "withdraw": (
                "withdraw a submission (with a reason)",
                "guidance.tracer.cli:withdraw_command",
                _add_tracer_withdraw,
            ),
            "forget": (
                "delete every record of one graduate",
                "guidance.tracer.cli:forget_command",
                _add_tracer_forget,
            ),
            "load-demo": (
                "submit a contract directory's outcomes as tracer waves",
                "guidance.tracer.cli:load_demo_command",
                _add_tracer_load_demo,
            ),
        },
    ),
}


def _plugin_registrars() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Commands contributed by other packages (e.g. ``training``) through the
    ``guidance.commands`` entry-point group, so that ``guidance`` never imports
    them itself. Each entry point is a light ``register(subparsers)`` function
    that adds its parsers and sets ``cmd_handler="module:function"``."""
    # lazy: read only when the parser is built, not at import
    from importlib.metadata import entry_points

    return [
        ep.load() for ep in sorted(entry_points(group="guidance.commands"), key=lambda e: e.name)
    ]


def build_parser() -> argparse.ArgumentParser:
    # lazy: read only when the parser is built, not at import
    from guidance import __version__

    parser = argparse.ArgumentParser(
        prog="guidance",
        description="Career guidance for vocational training: data, models, recommendations.",
    )
    parser.add_argument("--version", action="version", version=f"guidance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_, handler, adder) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        adder(p)
        p.set_defaults(cmd_handler=handler)
    for group, (help_, subs) in GROUPS.items():
        gp = sub.add_parser(group, help=help_, description=help_)
        gsub = gp.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        gp.set_defaults(cmd_handler=None, cmd_group_parser=gp)
        for name, (h, handler, adder) in subs.items():
            p = gsub.add_parser(name, help=h, description=h)
            adder(p)
            p.set_defaults(cmd_handler=handler)
    for register in _plugin_registrars():
        register(sub)
    return parser


def _resolve(handler: str) -> Callable[[argparse.Namespace], int]:
    module, _, func = handler.partition(":")
    return getattr(importlib.import_module(module), func)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "cmd_handler", None)
    if handler is None:
        (getattr(args, "cmd_group_parser", None) or parser).print_help()
        return 2 if args.command is None or hasattr(args, "cmd_group_parser") else 0
    try:
        return int(_resolve(handler)(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug or an unforeseen failure: one line
        if os.environ.get("GUIDANCE_TRACEBACK"):
            raise
        name = " ".join(filter(None, (args.command, getattr(args, "subcommand", None))))
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        print(
            f"guidance {name}: {type(exc).__name__}{': ' + first if first else ''} "
            "(GUIDANCE_TRACEBACK=1 cho chi tiết / for the traceback)",
            file=sys.stderr,
        )
        return 1


# commands that answer and end: their process exits without the collector's last walks over
# everything they loaded (``gc.freeze``: ~0.35 s of a ``recommend``; atexit handlers and
# reference-count finalizers still run, only objects in reference cycles are not collected
# at exit, and these commands leave no open file in one)
ONE_SHOT = frozenset({"recommend", "info", "models"})


def console(argv: Sequence[str] | None = None) -> int:
    """The ``guidance`` console script: ``main``, then a quick exit after a one-shot command."""
    args = sys.argv[1:] if argv is None else list(argv)
    rc = main(args)
    if args and args[0] in ONE_SHOT:
        gc.freeze()
    return rc


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    raise SystemExit(console())

"""Handlers of ``guidance recommend``, ``recommend-batch`` and ``audit-recommendations``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender
    from guidance.recommend.types import Recommendation


def _settings_paths(args: argparse.Namespace) -> tuple[Path, Path | None, Path]:
    from guidance.settings import get_settings

    s = get_settings()
    return (
        Path(args.data or s.data_dir),
        (Path(args.model) if args.model else None),
        Path(s.models_dir),
    )


def _recommender(args: argparse.Namespace, **kw: Any) -> Recommender:
    from guidance.recommend.loading import load_recommender

    data, model, models_dir = _settings_paths(args)
    return load_recommender(data, model, models_dir=models_dir, **kw)


def _read_request(source: str) -> tuple[dict, dict]:
    """``{"profile": {...}, "preferences": {...}}`` or one flat object (preference keys are
    recognised by name)."""
    from guidance.recommend.types import Preferences

    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    data = json.loads(text)
    if "profile" in data:
        return data["profile"], data.get("preferences") or {}
    prefs = {k: data.pop(k) for k in list(data) if k in Preferences.model_fields}
    return data, prefs


def recommend_command(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from guidance.errors import GuidanceError
    from guidance.recommend.types import LearnerProfile, Preferences

    try:
        prof, pref = _read_request(args.learner)
        profile, prefs = LearnerProfile.model_validate(prof), Preferences.model_validate(pref)
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        print(f"recommend: invalid request: {exc}", file=sys.stderr)
        return 2
    rec = _recommender(args)
    if args.what_if:
        from guidance.recommend.whatif import what_if

        try:
            w = what_if(rec, profile, prefs, json.loads(args.what_if), k=args.top_k)
        except (GuidanceError, ValidationError, json.JSONDecodeError) as exc:
            print(f"recommend: invalid what-if: {exc}", file=sys.stderr)
            return 2
        if args.json:
            print(
                json.dumps(
                    {
                        "changes": w.changes,
                        "entered": [c.model_dump() for c in w.entered],
                        "left": [c.model_dump() for c in w.left],
                        "after": w.after.to_dict(),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return 0
        _print(w.after, args.lang)
        print(f"\nwhat-if {w.changes}:")
        for c in w.entered:
            print(
                f"  + {c.programme_id} (rank {c.rank_after}): "
                f"{c.why_vi if args.lang == 'vi' else c.why}"
            )
        for c in w.left:
            print(
                f"  - {c.programme_id} (was {c.rank_before}): "
                f"{c.why_vi if args.lang == 'vi' else c.why}"
            )
        return 0
    try:
        r = rec.recommend(profile, prefs, k=args.top_k)
    except GuidanceError as exc:  # e.g. a home province the data directory does not know
        print(f"recommend: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(r, args.lang)
    return 0


def _print(r: Recommendation, lang: str) -> None:
    print(
        f"{len(r.items)} of {r.n_eligible} eligible offerings (model {r.model_version}, "
        f"demand {r.demand_period}, start {r.start_period})"
    )
    for it in r.items:
        name = it.name_vi if lang == "vi" or not it.name_en else it.name_en
        flags = f" [{', '.join(it.flags)}]" if it.flags else ""
        print(
            f"\n{it.rank}. {name} ({it.level}), {it.institution_name}, "
            f"{it.province_name_vi if lang == 'vi' else it.province_name_en}: "
            f"score {it.score:.3f}{flags}"
        )
        print("   " + "  ".join(f"{k} {v:+.3f}" for k, v in it.components.items()))
        for line in it.reasons_vi if lang == "vi" else it.reasons_en:
            print(f"   - {line}")
        for a in it.alternatives:
            print(f"   also at: {a.institution_name} ({a.province_name_vi}), score {a.score:.3f}")


def batch_command(args: argparse.Namespace) -> int:
    from guidance.recommend.batch import run_batch

    dask_only = [
        o
        for o, v in (
            ("--partition-rows", args.partition_rows),
            ("--model-alias", args.model_alias),
            ("--csv", args.csv),
        )
        if v not in (None, False)
    ]
    if args.scheduler or args.local_workers is not None:
        return _batch_on_dask(args)
    if dask_only:
        print(
            f"recommend-batch: {', '.join(dask_only)} chỉ dùng với --scheduler hoặc "
            f"--local-workers / only with --scheduler or --local-workers",
            file=sys.stderr,
        )
        return 2
    rec = _recommender(args)
    res = run_batch(rec, args.learners, args.out, k=args.top_k, progress=not args.quiet)
    print(f"{res['learners']} learners → {res['rows']} rows in {args.out}")
    for e in res["errors"][:20]:
        print(f"  skipped {e}", file=sys.stderr)
    return 1 if res["errors"] and res["rows"] == 0 else 0


def _batch_on_dask(args: argparse.Namespace) -> int:
    """``recommend-batch`` on a Dask cluster: an existing scheduler or a local one."""
    from guidance.recommend_dask import PARTITION_ROWS

    rows = args.partition_rows if args.partition_rows is not None else PARTITION_ROWS
    bad = [
        f"{name} = {v}: {rule}"
        for name, v, ok, rule in (
            (
                "--local-workers",
                args.local_workers,
                args.local_workers is None or 1 <= args.local_workers <= 64,
                "từ 1 đến 64 / 1 to 64",
            ),
            (
                "--partition-rows",
                rows,
                1 <= rows <= 1_000_000,
                "từ 1 đến 1.000.000 / 1 to 1,000,000",
            ),
            ("--top-k", args.top_k, 1 <= args.top_k <= 50, "từ 1 đến 50 / 1 to 50"),
        )
        if not ok
    ]
    if args.model and args.model_alias:
        bad.append("--model và --model-alias: chọn một / choose one of --model, --model-alias")
    if bad:
        for b in bad:
            print(f"recommend-batch: {b}", file=sys.stderr)
        return 2
    import logging
    import signal

    from guidance.recommend_dask import (
        BatchError,
        manifest_summary,
        resolve_source,
        run_distributed,
        write_csv,
    )
    from guidance.settings import get_settings

    s = get_settings()
    data, model, models_dir = _settings_paths(args)
    try:
        src = resolve_source(
            data,
            model,
            alias=args.model_alias,
            models_dir=models_dir,
            tracking_uri=s.mlflow_tracking_uri,
            model_name=s.registered_model_name,
        )
    except BatchError as exc:
        print(f"recommend-batch: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("distributed").setLevel(logging.ERROR)  # no worker-restart chatter
    cluster = client = None
    try:
        from distributed import Client

        from guidance.daskcluster import local_cluster

        if args.scheduler:
            client = Client(args.scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        else:
            # worker processes inherit an ignored SIGINT: Ctrl-C reaches the whole process
            # group, and only this process should act on it (cancel, keep the manifest)
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                cluster = local_cluster(args.local_workers)
            finally:
                signal.signal(signal.SIGINT, previous)
            client = Client(cluster)  # type: ignore[no-untyped-call]
        m = run_distributed(
            client,
            src,
            args.learners,
            args.out,
            k=args.top_k,
            partition_rows=rows,
            progress=not args.quiet,
        )
        if args.csv:
            print(f"written {write_csv(args.out, m)}")
    except KeyboardInterrupt:
        print(
            f"recommend-batch: dừng / interrupted; finished partitions are kept in "
            f"{args.out} (manifest.json); rerun the same command to resume",
            file=sys.stderr,
        )
        return 130
    except (BatchError, OSError) as exc:
        print(f"recommend-batch: {exc}", file=sys.stderr)
        return 1
    finally:
        for c in (client, cluster):
            if c is not None:
                with contextlib.suppress(Exception):  # shutting down after Ctrl-C
                    c.close()
    print(manifest_summary(m))
    shown = [
        f"  skipped {e} (partition {p['part']})" for p in m["partitions"] for e in p["errors"]
    ][:50]
    for line in shown:
        print(line, file=sys.stderr)
    if m["bad_rows"] > len(shown):
        print(
            f"  … {m['bad_rows'] - len(shown):,} more bad rows: see "
            f"{Path(args.out) / 'manifest.json'}",
            file=sys.stderr,
        )
    return 1 if m["bad_rows"] and m["rows"] == 0 else 0


def audit_command(args: argparse.Namespace) -> int:
    from guidance.recommend.audit import exposure_audit, format_audit, learner_sample

    rec = _recommender(args)
    data, _, _ = _settings_paths(args)
    learners = learner_sample(data, args.learners, n=args.sample, seed=args.seed)
    report = exposure_audit(rec, learners, k=args.top_k, progress=not args.quiet)
    print(format_audit(report))
    if args.out:
        from guidance.csvsafe import safe_cell

        text = report.select_dtypes(include=["object", "string"]).columns
        report.assign(**{c: report[c].map(safe_cell) for c in text}).to_csv(args.out, index=False)
        print(f"written {args.out}")
    return 0

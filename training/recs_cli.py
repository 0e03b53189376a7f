"""``guidance evaluate``: the recommender against the demo world's oracle (entry point
``recommend_eval = "training.recs_cli:register"``; kept free of heavy imports)."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate the recommender against the demo world's "
        "oracle (captured uplift, baselines, NDCG)",
    )
    p.add_argument(
        "--data",
        default=None,
        help="generated demo-world directory with world.json (default: settings)",
    )
    p.add_argument("--world-dir", default=None, help="alias of --data")
    p.add_argument(
        "--model",
        default=None,
        help="model bundle .joblib (default: train one on the data's train/val split)",
    )
    p.add_argument("--config", default=None, help="training TOML (split, model sizes)")
    p.add_argument("--max-iter", type=int, default=None, help="override model max_iter")
    p.add_argument("--learners", type=int, default=500, help="held-out learners evaluated")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--no-full-compare",
        action="store_true",
        help="skip scoring all candidates (the pruning check)",
    )
    p.add_argument("--out", default=None, help="write the metrics as JSON")
    p.add_argument(
        "--tracking-uri", default=None, help="log the evaluation to this MLflow tracking URI"
    )
    p.add_argument(
        "--mlflow", action="store_true", help="log to MLflow at settings.mlflow_tracking_uri"
    )
    p.add_argument(
        "--split",
        choices=["test", "val"],
        default="test",
        help="learners of the held-out test cohorts (default) or of the validation cohorts "
        "(choose settings on val, report on test)",
    )
    p.add_argument(
        "--variants",
        default=None,
        help="comma-separated world variants (e.g. base,institution,credential,local, or "
        "'all'): generate each world (--world-seed, --scale), train and evaluate each, and "
        "print one table; --data is then not read",
    )
    p.add_argument("--world-seed", type=int, default=42, help="seed of the generated worlds")
    p.add_argument(
        "--scale", choices=["tiny", "demo"], default="demo", help="scale of the generated worlds"
    )
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(cmd_handler="training.recs_cli:evaluate_command")


def run(
    data_dir: Path,
    *,
    model: str | None = None,
    config_path: str | None = None,
    max_iter: int | None = None,
    learners: int = 500,
    k: int = 10,
    seed: int = 0,
    compare_full: bool = True,
    progress: bool = True,
    presets: dict | None = None,
    shortlist: int | None = None,
    split: str = "test",
):
    """Load (or train) the models, build the recommender, evaluate every utility preset on
    the learners of ``split`` (``test``: the newest held-out cohorts; ``val``: the
    validation cohorts, where settings are chosen; its history is then ``train`` only)."""
    from threadpoolctl import threadpool_limits

    from guidance.contract import load_dir
    from guidance.recommend.loading import build_recommender
    from guidance.world.oracle import Oracle
    from training.config import load_config
    from training.pipeline import split_pairs
    from training.recs_eval import evaluate_recommender

    if split not in ("test", "val"):
        raise ValueError(f"split must be test or val, not {split!r}")
    if not (data_dir / "world.json").is_file():
        raise FileNotFoundError(
            f"{data_dir} has no world.json: `guidance evaluate` needs a "
            "generated demo world (guidance demo-data --out DIR)"
        )
    oracle = Oracle.from_dir(data_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(data_dir)
    cfg = load_config(config_path, {"model": {"max_iter": max_iter}} if max_iter else None)
    parts = split_pairs(tables, cfg)
    version = "evaluation"
    if model:
        from guidance.artifacts import load_artifact

        art = load_artifact(model)
        models, version = art.models, str(art.metadata.get("version", Path(model).stem))
    else:
        from guidance.model import fit_models

        with threadpool_limits(1, user_api="openmp"):
            models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    rec = build_recommender(models, tables, model_version=version, shortlist=shortlist)
    history = parts["train"][["programme_id"]]
    import pandas as pd

    if split == "test":
        history = pd.concat([history, parts["val"][["programme_id"]]], ignore_index=True)
    with threadpool_limits(1, user_api="openmp"):
        results = evaluate_recommender(
            rec,
            oracle,
            parts[split],
            history,
            n_learners=learners,
            k=k,
            seed=seed,
            compare_full=compare_full,
            progress=progress,
            presets=presets,
        )
    from training.pipeline import interval_coverage

    coverage = interval_coverage(models, parts["test"])
    for ev in results.values():
        ev.intervals = coverage
    return results, rec, parts


def run_variants(
    variants: list[str],
    *,
    world_seed: int = 42,
    scale: str = "demo",
    workdir: Path | None = None,
    **kwargs,
) -> dict[str, dict]:
    """Generate each variant's world (same seed and scale), train on it and evaluate it
    (``run``'s keyword arguments); the same settings for every world, none tuned to one."""
    import tempfile

    from guidance.world.generate import generate_world
    from guidance.world.params import VARIANTS

    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {unknown}; choose from {sorted(VARIANTS)}")
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for v in variants:
            d = Path(tmp) / v
            generate_world(d, seed=world_seed, scale=scale, variant=v, progress=False)
            out[v] = run(d, **kwargs)[0]
    return out


def parse_variants(text: str) -> list[str]:
    from guidance.world.params import VARIANTS

    names = [v.strip() for v in text.split(",") if v.strip()]
    return list(VARIANTS) if names == ["all"] else names


def evaluate_command(args: argparse.Namespace) -> int:
    from guidance.settings import get_settings
    from training.recs_eval import format_evaluation, format_variants

    s = get_settings()
    # what one evaluation takes, for one world or for each variant's
    common = dict(
        model=args.model,
        config_path=args.config,
        max_iter=args.max_iter,
        learners=args.learners,
        k=args.top_k,
        seed=args.seed,
        compare_full=not args.no_full_compare,
        progress=not args.quiet,
        split=args.split,
    )
    if args.variants:
        try:
            by_variant = run_variants(
                parse_variants(args.variants),
                world_seed=args.world_seed,
                scale=args.scale,
                **common,
            )
        except (FileNotFoundError, ValueError) as exc:
            print(f"evaluate: {exc}", file=sys.stderr)
            return 2
        print(format_variants(by_variant))
        if args.out:
            flat = {v: {n: ev.flat() for n, ev in r.items()} for v, r in by_variant.items()}
            Path(args.out).write_text(json.dumps(flat, indent=2), encoding="utf-8")
        return 0
    data = Path(args.world_dir or args.data or s.data_dir)
    try:
        results, rec, parts = run(data, **common)
    except (FileNotFoundError, ValueError) as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2
    print(format_evaluation(results))
    flat = {name: ev.flat() for name, ev in results.items()}
    if args.out:
        Path(args.out).write_text(json.dumps(flat, indent=2), encoding="utf-8")
    uri = args.tracking_uri or (s.mlflow_tracking_uri if args.mlflow else None)
    if uri:
        log_to_mlflow(uri, flat, rec, args, str(parts["test"]["cohort"].min()))
    return 0


def log_to_mlflow(uri: str, flat: dict, rec, args, test_from: str) -> str:
    import mlflow

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("guidance-recommender-evaluation")
    with mlflow.start_run() as run:
        mlflow.log_params(
            {
                "model_version": rec.model_version,
                "top_k": args.top_k,
                "learners": args.learners,
                "seed": args.seed,
                "shortlist": rec.shortlist,
                "max_per_code": rec.max_per_code,
                "demand_period": rec.demand_period,
                "test_from": test_from,
                **{f"weights.{k}": v for k, v in rec.weights.model_dump().items()},
            }
        )
        for name, metrics in flat.items():
            mlflow.log_metrics(
                {f"{name}.{k}": v for k, v in metrics.items() if v == v and abs(v) != float("inf")}
            )
        mlflow.log_dict(flat, "recs_evaluation.json")
        return run.info.run_id

"""Thin evidence in the ranking, measured against the demo world's oracle, before/after in
one run: the same models, learners and oracle values, the recommender built with each
``evidence_z`` (0 = rank on the models' estimate; see ``recommend.score.lower_match``).
Prints captured uplift (top-1, in-trade employment), NDCG@10, the share of top-3 items with
fewer than 20 graduates (and with none), and the intervals' coverage on the test cohorts.

    python benchmarks/thin_evidence.py --data DEMO_DIR --learners 1000 --z 0 0.5 1 1.5

Without ``--data`` a demo world (seed 42) is generated into a temporary directory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None, help="demo world directory (default: generate one)")
    ap.add_argument("--seed", type=int, default=42, help="world seed when generating")
    ap.add_argument("--learners", type=int, default=1000)
    ap.add_argument("--learner-seed", type=int, default=0)
    ap.add_argument("--z", type=float, nargs="+", default=[0.0, 0.5, 1.0, 1.5])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "world"
        if not args.data:
            from _world import generate_in_child

            generate_in_child(data, args.seed, "demo")
        run(data, args)
    return 0


def run(data: Path, args: argparse.Namespace) -> None:
    from training.config import load_config
    from training.pipeline import split_pairs
    from training.recs_eval import evaluate_recommender

    from guidance import conformal
    from guidance.contract import load_dir
    from guidance.model import fit_models
    from guidance.recommend.loading import build_recommender
    from guidance.recommend.types import Weights
    from guidance.world.oracle import Oracle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(data)
    cfg = load_config()
    parts = split_pairs(tables, cfg)
    t0 = time.perf_counter()
    with threadpool_limits(1, user_api="openmp"):
        models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    print(f"fit on train/val: {time.perf_counter() - t0:.1f} s")
    test = parts["test"]
    cov = conformal.coverage(
        models.intervals, test, models.predict(test), models.offering_history(test)
    )
    print("\n80% intervals on the test cohorts (offering groups, observed value inside):")
    for t, c in cov.items():
        print(
            f"  {t:<22} coverage {c['coverage']:.3f} of {int(c['n_groups'])} groups "
            f"(thin evidence {c['coverage_thin']:.3f} of {int(c['n_groups_thin'])}), "
            f"mean width {c['mean_width']:.3f}"
        )
    oracle = Oracle.from_dir(data)
    history = pd.concat([parts["train"][["programme_id"]], parts["val"][["programme_id"]]])
    print(f"\nranking, default weights, {args.learners} test learners (seed {args.learner_seed}):")
    print(f"{'evidence_z':>10}{'uplift':>9}{'NDCG@10':>9}{'top3 n<20':>11}{'top3 new':>10}")
    for z in args.z:
        rec = build_recommender(models, tables, model_version="bench", evidence_z=z)
        with threadpool_limits(1, user_api="openmp"):
            ev = evaluate_recommender(
                rec,
                oracle,
                test,
                history,
                n_learners=args.learners,
                seed=args.learner_seed,
                presets={"default": Weights()},
                compare_full=False,
                progress=False,
            )["default"]
        print(
            f"{z:>10g}{ev.uplift['top1']['in_trade']:>9.3f}{ev.ndcg['recommended']:>9.3f}"
            f"{ev.evidence.get('top3_thin', float('nan')):>11.3f}"
            f"{ev.evidence.get('top3_new', float('nan')):>10.3f}",
            flush=True,
        )


if __name__ == "__main__":
    raise SystemExit(main())

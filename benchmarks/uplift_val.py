"""Captured uplift on VALIDATION learners of each world variant, for choosing features and
model settings (issue 16 §5) without reading the test cohorts.

    python benchmarks/uplift_val.py [--variants all] [--learners 400] [--model JSON]

For each variant: generate the world (seed ``--world-seed``, ``demo``; cached in
``--worlds`` when given), fit the models on its train part (early stopping and calibration on
val; ``--model`` overrides ``[model]`` settings, e.g. ``'{"priors": {"offering": 60}}'``),
rank every candidate of ``--learners`` validation learners once per ``evidence_z`` (0 and the
default) with unit weights, and print the top-1 captured uplift in P(job in the trade at 12
months) for the default weights and for match only (the argmax of ``components @ w``, as in
``benchmarks/recs_weights.py``). One JSON line per variant.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def collect(d: Path, learners: int, overrides: dict | None, seed: int = 0) -> dict:
    from _world import fitted_recommender
    from threadpoolctl import threadpool_limits
    from training.recs_eval import PRIMARY, TARGETS, _learner_rows, revealed_preferences

    from guidance.recommend.batch import row_request
    from guidance.recommend.score import EVIDENCE_Z
    from guidance.recommend.types import COMPONENTS, Weights

    oracle, parts, rec = fitted_recommender(d, overrides, "uplift-val")
    unit = Weights(**{c: 1.0 for c in COMPONENTS})
    L = _learner_rows(parts["val"], learners, seed)
    comps: dict[float, list] = {0.0: [], EVIDENCE_Z: []}
    truth, keep = [], []
    col = TARGETS[PRIMARY]
    with threadpool_limits(1, user_api="openmp"):
        for i, row in enumerate(L.to_dict("records")):
            profile, _ = row_request({**row, "learner_id": row.get("record_id")}, i)
            prefs = revealed_preferences(rec, profile, row)
            idx = None
            for z in comps:
                rec.evidence_z = z
                r = rec.rank(profile, prefs, unit, shortlist=0)
                if len(r.idx) < 2:
                    break
                order = np.argsort(r.idx)  # candidates in one order for every z
                parts_ = np.column_stack([np.nan_to_num(r.parts[c]) for c in COMPONENTS])
                comps[z].append(parts_[order])
                idx = np.sort(r.idx)
            if idx is None:
                continue
            keep.append(i)
            lr = L.iloc[[i] * len(idx)].reset_index(drop=True)
            off = rec.offerings.iloc[idx].reset_index(drop=True)
            truth.append(oracle.expected(lr, off)[col].to_numpy(float))
    kept = L.iloc[keep].reset_index(drop=True)
    actual_off = kept[["programme_id"]].merge(rec.all_programmes, on="programme_id", how="left")
    actual = oracle.expected(kept, actual_off)[col].to_numpy(float)
    return {"comps": comps, "truth": truth, "actual": actual}


def uplift(comps: list, truth: list, actual: np.ndarray, w: np.ndarray) -> float:
    from _world import top1_uplift

    return top1_uplift(comps, truth, actual, w)


def main(argv=None) -> int:
    import tempfile

    from guidance.recommend.types import COMPONENTS, Weights
    from guidance.world.generate import generate_world
    from guidance.world.params import VARIANTS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="all")
    ap.add_argument("--learners", type=int, default=400)
    ap.add_argument("--world-seed", type=int, default=42)
    ap.add_argument("--worlds", default=None, help="directory caching the generated worlds")
    ap.add_argument("--model", default=None, help="JSON of [model] overrides")
    args = ap.parse_args(argv)
    names = list(VARIANTS) if args.variants == "all" else args.variants.split(",")
    overrides = json.loads(args.model) if args.model else None
    dflt = Weights()
    weights = {
        "default": np.array([getattr(dflt, c) for c in COMPONENTS]),
        "match": np.array([1.0 if c == "match" else 0.0 for c in COMPONENTS]),
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.worlds or tmp)
        for v in names:
            d = root / f"{v}-{args.world_seed}"
            if not (d / "world.json").is_file():
                generate_world(d, seed=args.world_seed, scale="demo", variant=v, progress=False)
            t = time.perf_counter()
            data = collect(d, args.learners, overrides)
            res = {
                f"{name}_z{z:.2f}": round(
                    uplift(data["comps"][z], data["truth"], data["actual"], w), 3
                )
                for z in data["comps"]
                for name, w in weights.items()
            }
            n, s = len(data["truth"]), round(time.perf_counter() - t)
            print(json.dumps({"variant": v, **res, "learners": n, "seconds": s}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

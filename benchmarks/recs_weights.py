"""Choose the utility defaults (``Weights``) on VALIDATION learners of every world variant at
once, the same weights for all (no per-world tuning), and print the grid's figures.

    python benchmarks/recs_weights.py [--variants all] [--learners 400] [--scale demo]

For each variant (``guidance.world.params.VARIANTS``) the script generates the world
(seed ``--world-seed``), fits the models on its train part (early stopping and calibration
on val, as ``guidance train`` does), and for ``--learners`` learners of the validation
cohorts ranks every candidate (eligibility + the revealed-preference area of
``training.recs_eval``) once with unit weights, keeping each component. Any weight vector's
top-1 is then the argmax of ``components @ w`` (no re-ranking needed), scored by the oracle's
P(job in the trade at 12 months). Reported per weight vector: captured uplift on each
variant, their minimum and mean; the grid is ranked by the minimum (robust to the world),
then the mean, and the chosen vector is the highest mean among those whose minimum is
within ``NOISE`` of the best (``choose``). The test cohorts are never read: report the chosen weights on test with
``guidance evaluate --variants all``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def collect(d: Path, learners: int, seed: int = 0) -> dict:
    """Components of every candidate and their true P(in trade) for validation learners."""
    from _world import fitted_recommender
    from threadpoolctl import threadpool_limits
    from training.recs_eval import PRIMARY, TARGETS, _learner_rows, revealed_preferences

    from guidance.recommend.batch import row_request
    from guidance.recommend.types import COMPONENTS, Weights

    oracle, parts, rec = fitted_recommender(d, None, "weights")
    unit = Weights(**{c: 1.0 for c in COMPONENTS})
    L = _learner_rows(parts["val"], learners, seed)
    comps, truth, keep = [], [], []
    col = TARGETS[PRIMARY]
    with threadpool_limits(1, user_api="openmp"):
        for i, row in enumerate(L.to_dict("records")):
            profile, _ = row_request({**row, "learner_id": row.get("record_id")}, i)
            prefs = revealed_preferences(rec, profile, row)
            r = rec.rank(profile, prefs, unit, shortlist=0)
            if len(r.idx) < 2:
                continue
            keep.append(i)
            comps.append(np.column_stack([np.nan_to_num(r.parts[c]) for c in COMPONENTS]))
            lr = L.iloc[[i] * len(r.idx)].reset_index(drop=True)
            off = rec.offerings.iloc[r.idx].reset_index(drop=True)
            truth.append(oracle.expected(lr, off)[col].to_numpy(float))
    kept = L.iloc[keep].reset_index(drop=True)
    progs = rec.all_programmes
    actual_off = kept[["programme_id"]].merge(progs, on="programme_id", how="left")
    actual = oracle.expected(kept, actual_off)[col].to_numpy(float)
    return {"comps": comps, "truth": truth, "actual": actual}


def uplift(data: dict, w: np.ndarray) -> float:
    from _world import top1_uplift

    return top1_uplift(data["comps"], data["truth"], data["actual"], w)


GRID = {  # match is the unit; the other components are tried at these weights
    "employed": (0.0, 0.01, 0.1, 0.3),
    "completion": (0.0, 0.05, 0.2),
    "wage": (0.0, 0.01, 0.05),
    "demand": (0.0, 0.01, 0.02, 0.05),
    "interest": (0.0, 0.01, 0.05),
    "cost": (0.0, 0.005),
    "distance": (0.0, 0.005, 0.02, 0.05, 0.1),
}


def main(argv=None) -> int:
    from guidance.recommend.types import COMPONENTS, Weights
    from guidance.world.generate import generate_world
    from guidance.world.params import VARIANTS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="all")
    ap.add_argument("--learners", type=int, default=400)
    ap.add_argument("--world-seed", type=int, default=42)
    ap.add_argument("--scale", default="demo", choices=["tiny", "demo"])
    ap.add_argument("--top", type=int, default=12, help="weight vectors printed")
    ap.add_argument("--cache", default=None, help="pickle of the collected candidates (reused)")
    args = ap.parse_args(argv)
    names = list(VARIANTS) if args.variants == "all" else args.variants.split(",")
    data = {}
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.is_file():
        import pickle

        data = pickle.loads(cache.read_bytes())  # our own file, written below
    with tempfile.TemporaryDirectory() as tmp:
        for v in names:
            if v in data:
                continue
            t = time.perf_counter()
            d = Path(tmp) / v
            generate_world(d, seed=args.world_seed, scale=args.scale, variant=v, progress=False)
            data[v] = collect(d, args.learners)
            print(
                f"{v}: {len(data[v]['truth'])} val learners, {time.perf_counter() - t:.0f} s",
                file=sys.stderr,
            )
    if cache is not None:
        import pickle

        cache.write_bytes(pickle.dumps(data))
    keys = list(GRID)
    default = Weights()
    rows = []
    vectors = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*GRID.values())]
    vectors.append({k: getattr(default, k) for k in keys})
    for vec in vectors:
        w = np.array([1.0 if c == "match" else vec[c] for c in COMPONENTS])
        ups = {v: uplift(data[v], w) for v in names}
        rows.append((min(ups.values()), float(np.mean(list(ups.values()))), vec, ups))
    rows.sort(key=lambda r: (-r[0], -r[1]))
    dflt = rows_for(rows, {k: getattr(default, k) for k in keys})
    head = f"{'min':>7}{'mean':>7}  " + "".join(f"{v:>13}" for v in names) + "  weights"
    print(f"{len(vectors)} weight vectors; uplift (top-1, P(in trade)) on validation learners")
    print(head)
    for r in rows[: args.top]:
        print(fmt(r, names))
    print("current default:")
    print(fmt(dflt, names))
    print(f"chosen (highest mean among minima within {NOISE} of the best):")
    print(fmt(choose(rows), names))
    return 0


NOISE = 0.005  # minima closer than this to the best are not told apart (400 learners each)


def choose(rows):
    """Robust to the world, then best on average: the highest mean uplift among the weight
    vectors whose minimum over the variants is within NOISE of the best minimum."""
    best = max(r[0] for r in rows)
    return max((r for r in rows if r[0] >= best - NOISE), key=lambda r: r[1])


def rows_for(rows, vec):
    return next(r for r in rows if r[2] == vec)


def fmt(r, names) -> str:
    mn, mean, vec, ups = r
    ws = " ".join(f"{k}={v:g}" for k, v in vec.items() if v)
    return f"{mn:>7.3f}{mean:>7.3f}  " + "".join(f"{ups[v]:>13.3f}" for v in names) + f"  {ws}"


if __name__ == "__main__":
    raise SystemExit(main())

"""What the distance weight costs and gains, measured on the demo world's oracle
(issue 16 §1): for each distance weight (the other weights at their defaults), the captured
uplift of the top-1 in in-trade employment (``training.recs_eval``), NDCG@10, and the
median and 90th-percentile distance of the top-1 from home, with the default study area
(home province and neighbours) and, for comparison, the former default (the home region).

    python benchmarks/distance_weight.py [--learners 500] [--weights 0.005 0.02 0.05]
        [--data DIR] [--areas near region]

Models are trained once on the demo world (seed 42, generated into a temporary
directory unless ``--data`` is given); one OpenMP thread, as serving does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def area_reach() -> None:
    """How far each default area reaches: the farthest province centre in it, over the 34
    home provinces (the new area and the former region)."""
    from guidance import geo, reference

    p = reference.provinces()
    codes = list(p["province_code"])
    dist = geo.distance_matrix_km(p["lat"], p["lon"])
    region = p["region"].to_numpy()
    near = [max(dist[i][codes.index(c)] for c in geo.near_area(h)) for i, h in enumerate(codes)]
    wide = [dist[i][region == region[i]].max() for i in range(len(codes))]
    print(
        f"farthest centre in the default area over 34 homes: home+neighbours median "
        f"{np.median(near):.0f} km, max {max(near):.0f} km; home region median "
        f"{np.median(wide):.0f} km, max {max(wide):.0f} km"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=500)
    ap.add_argument("--weights", type=float, nargs="+", default=[0.005, 0.02, 0.05])
    ap.add_argument("--areas", nargs="+", default=["near", "region"], choices=["near", "region"])
    ap.add_argument("--data", type=Path, default=None, help="a generated demo world")
    ap.add_argument("--seed", type=int, default=0, help="learner sample seed")
    args = ap.parse_args(argv)
    area_reach()

    from threadpoolctl import threadpool_limits

    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(1, user_api="openmp"):
        data = args.data
        if data is None:
            sys.path.insert(0, str(Path(__file__).parent))
            from _world import generate_in_child

            data = Path(tmp) / "demo"
            generate_in_child(data, 42, "demo")
        run(data, args)
    return 0


def run(data: Path, args: argparse.Namespace) -> None:
    import pandas as pd
    from training.config import load_config
    from training.pipeline import split_pairs

    from guidance.contract import load_dir
    from guidance.model import fit_models
    from guidance.recommend.loading import build_recommender
    from guidance.recommend.types import Preferences, Weights
    from guidance.world.oracle import Oracle
    from training import recs_eval

    oracle = Oracle.from_dir(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(data)
    cfg = load_config()
    parts = split_pairs(tables, cfg)
    t = time.perf_counter()
    models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    print(f"trained in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    rec = build_recommender(models, tables, model_version="distance-benchmark")
    history = pd.concat(
        [parts["train"][["programme_id"]], parts["val"][["programme_id"]]], ignore_index=True
    )
    presets = {f"distance={w:g}": Weights(distance=w) for w in args.weights}
    by_weights = {tuple(sorted(w.model_dump().items())): name for name, w in presets.items()}
    top1_km: dict[str, list[float]] = {name: [] for name in presets}
    recommend = rec.recommend

    def recording(profile, prefs=None, k=10, weights=None, **kw):  # noqa: ANN001, ANN202
        out = recommend(profile, prefs, k, weights, **kw)
        name = by_weights.get(tuple(sorted(weights.model_dump().items()))) if weights else None
        if name and out.items:
            top1_km[name].append(float(out.items[0].distance_km))
        return out

    rec.recommend = recording  # type: ignore[method-assign]
    area_of = {"near": rec.default_area, "region": rec.region_provinces}
    print(
        f"{'area':8} {'distance weight':>16} {'uplift top1':>12} {'uplift top5':>12} "
        f"{'NDCG@10':>8} {'top1 km p50':>12} {'top1 km p90':>12} {'in home prov.':>14}"
    )
    for area in args.areas:

        def revealed(r, profile, row, _area=area):  # noqa: ANN001, ANN202
            provinces = list(area_of[_area](profile))
            actual = r.province_of(str(row.get("programme_id")))
            if actual is not None:
                provinces.append(actual)
            return Preferences(provinces=sorted(set(provinces)))

        recs_eval.revealed_preferences = revealed  # the area under test
        for v in top1_km.values():
            v.clear()
        t = time.perf_counter()
        res = recs_eval.evaluate_recommender(
            rec,
            oracle,
            parts["test"],
            history,
            n_learners=args.learners,
            seed=args.seed,
            presets=presets,
            compare_full=False,
            progress=False,
        )
        for name, ev in res.items():
            km = np.asarray(top1_km[name])
            print(
                f"{area:8} {name:>16} {ev.uplift['top1']['in_trade']:12.3f} "
                f"{ev.uplift['top5']['in_trade']:12.3f} {ev.ndcg['recommended']:8.3f} "
                f"{np.median(km):12.0f} {np.percentile(km, 90):12.0f} "
                f"{np.mean(km < 0.5):14.1%}"
            )
        print(
            f"({area}: {ev.n_learners} learners, {time.perf_counter() - t:.0f} s)",
            file=sys.stderr,
        )


if __name__ == "__main__":
    raise SystemExit(main())

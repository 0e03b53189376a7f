"""Benchmark the recommender: one learner warm (p50/p99, where the time goes), batch
throughput, memory of a loaded recommender, and ranking agreement of the pruned shortlist
with scoring every candidate.

    python benchmarks/recommend.py [--learners 300] [--batch 2000] [--no-national]
    python benchmarks/recommend.py --compare ../old   # this code and a checkout of older code, same run

``--compare DIR`` runs this benchmark for this checkout and for the checkout in ``DIR``
(its own ``benchmarks/recommend.py``, ``PYTHONPATH=DIR/src:DIR``), one after the other in
child processes on the same demo world, and prints both sets of figures side by side.
``--rounds N`` alternates them N times (old, new, old, new, …) and prints each figure's
median over the rounds: the machine's drift over minutes (seen here: the same code's p50
moving by 1–3 ms between runs) then weighs on both alike.

Models are trained on the demo world (seed 42). The national catalogue (40,000 offerings)
and its demand come from the generator's catalogue and demand stages for scale
``national`` WITHOUT its 5 million outcome records (the speed of a request does not depend
on how many graduates the models were fitted on; most national offerings are then cold
start, which costs the same as any other). Runs on one OpenMP thread, as serving does.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def demo_models(demo: Path, max_iter: int | None):
    from training.config import load_config
    from training.pipeline import split_pairs

    from guidance.contract import load_dir
    from guidance.model import fit_models

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(demo)
    cfg = load_config(overrides={"model": {"max_iter": max_iter}} if max_iter else None)
    parts = split_pairs(tables, cfg)
    t = time.perf_counter()
    models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    print(
        f"trained demo models in {time.perf_counter() - t:.1f} s (iterations {models.iterations})",
        file=sys.stderr,
    )
    return models, tables, parts["test"]


def national_tables(seed: int = 42):
    """Catalogue, provinces, occupations and demand of a national world (no outcomes)."""
    import pandas as pd

    from guidance.world.generate import OCCUPATION_COLUMNS, PROGRAMME_COLUMNS, build_world

    w = build_world(seed, "national")
    prog = w.catalogue.programmes[PROGRAMME_COLUMNS].copy()
    for c in (
        "programme_id",
        "programme_code",
        "field_code",
        "institution_id",
        "province_code",
        "target_occupations",
        "predecessor_id",
        "level",
        "mode",
    ):
        prog[c] = prog[c].astype("str").where(prog[c].notna(), None)
    for c in ("duration_months", "tuition_vnd_per_year", "min_education", "capacity"):
        prog[c] = pd.to_numeric(prog[c]).astype("Int64")
    prog["active"] = prog["active"].astype("boolean")
    occ = w.ctx.occupations[OCCUPATION_COLUMNS].copy()
    return prog, w.ctx.provinces.copy(), occ, w.demand


def learners_from(test, n: int, seed: int = 0) -> list[dict]:
    from guidance.features import LEARNER_COLUMNS

    rows = test.sample(n=min(n, len(test)), random_state=seed)
    out = []
    for r in rows.to_dict("records"):
        d = {
            k: (
                None
                if r.get(k) is None or (isinstance(r.get(k), float) and np.isnan(r[k]))
                else r[k]
            )
            for k in LEARNER_COLUMNS
        }
        d = {k: (v.item() if hasattr(v, "item") else v) for k, v in d.items()}
        out.append({k: v for k, v in d.items() if v is not None})
    return out


def time_requests(rec, learners: list[dict], k: int = 10, prefs: dict | None = None) -> dict:
    for p in learners[:5]:  # warm-up
        rec.recommend(p, prefs or {}, k=k)
    totals, parts = [], []
    for p in learners:
        t = time.perf_counter()
        r = rec.recommend(p, prefs or {}, k=k)
        totals.append(1e3 * (time.perf_counter() - t))
        parts.append({**r.timings_ms, "n_eligible": r.n_eligible, "n_scored": r.n_scored})
    keys = [k for k in parts[0] if k != "total_ms"]
    return {
        "p50_ms": float(np.percentile(totals, 50)),
        "p99_ms": float(np.percentile(totals, 99)),
        "mean_ms": float(np.mean(totals)),
        "n": len(totals),
        "median_parts": {k: float(np.median([p[k] for p in parts])) for k in keys},
    }


def agreement(rec, learners: list[dict], k: int = 10) -> dict:
    """Pruned shortlist vs every candidate scored: same top-1? overlap of the top-k?"""
    top1, jac = [], []
    for p in learners:
        a = rec.recommend(p, {}, k=k, explain=False).ids()
        b = rec.recommend(p, {}, k=k, shortlist=0, explain=False).ids()
        if a and b:
            top1.append(a[0] == b[0])
            jac.append(len(set(a) & set(b)) / len(set(a) | set(b)))
    return {
        "top1_agreement": float(np.mean(top1)),
        "topk_jaccard": float(np.mean(jac)),
        "n": len(top1),
    }


def batch_rate(rec, learners: list[dict], k: int = 10) -> dict:
    t = time.perf_counter()
    for p in learners:
        rec.recommend(p, {}, k=k, explain=False)
    sec = time.perf_counter() - t
    per = sec / len(learners)
    return {
        "learners": len(learners),
        "seconds": sec,
        "ms_per_learner": 1e3 * per,
        "projected_10k_minutes_1_core": 10_000 * per / 60,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo-dir", default=None, help="existing demo world (else generated)")
    ap.add_argument("--learners", type=int, default=300)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--agreement", type=int, default=100)
    ap.add_argument("--max-iter", type=int, default=None)
    ap.add_argument("--no-national", action="store_true")
    ap.add_argument("--shortlist", type=int, default=None, help="override the shortlist size")
    ap.add_argument("--out", default=None, help="write the figures as JSON")
    ap.add_argument("--compare", default=None, help="another checkout to run in the same run")
    ap.add_argument("--rounds", type=int, default=1, help="--compare: alternate N times")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(args, argv if argv is not None else sys.argv[1:])
    from threadpoolctl import threadpool_limits

    from guidance.recommend.core import Recommender
    from guidance.recommend.loading import build_recommender

    res: dict = {"cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(1, user_api="openmp"):
        demo = Path(args.demo_dir) if args.demo_dir else Path(tmp) / "demo"
        if not args.demo_dir:
            from guidance.world.generate import generate_world

            generate_world(demo, seed=42, scale="demo", progress=False)
        models, tables, test = demo_models(demo, args.max_iter)
        learners = learners_from(test, args.learners)
        kw = {} if args.shortlist is None else {"shortlist": args.shortlist}
        rec = build_recommender(models, tables, model_version="bench", **kw)
        res["scorer"] = rec.scorer.name
        res["shortlist"] = rec.shortlist
        res["demo"] = {"offerings": len(rec.cat), **time_requests(rec, learners)}
        res["demo"]["pipeline_scorer"] = time_requests(
            Recommender(
                models,
                tables["programmes"],
                tables["provinces"],
                tables["occupations"],
                model_version="bench",
                scorer="pipeline",
            ),
            learners[:50],
        )
        res["demo"]["agreement_vs_all"] = agreement(rec, learners[: args.agreement])
        print(json.dumps(res, indent=2), file=sys.stderr)
        if not args.no_national:
            del rec
            gc.collect()
            before = rss_mb()
            t = time.perf_counter()
            prog, prov, occ, demand = national_tables()
            nat = Recommender(models, prog, prov, occ, demand, model_version="bench", **kw)
            del demand
            gc.collect()
            build_s = time.perf_counter() - t
            res["national"] = {
                "offerings": len(nat.cat),
                "build_seconds": build_s,
                "rss_mb_process": rss_mb(),
                "rss_mb_added_by_catalogue_and_demand": rss_mb() - before,
            }
            res["national"].update(time_requests(nat, learners))
            res["national"]["agreement_vs_all"] = agreement(nat, learners[: args.agreement])
            many = (learners * (args.batch // max(len(learners), 1) + 1))[: args.batch]
            res["national"]["batch"] = batch_rate(nat, many)
    text = json.dumps(res, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


FIGURES = (
    ("demo", "p50_ms"),
    ("demo", "p99_ms"),
    ("national", "p50_ms"),
    ("national", "p99_ms"),
    ("national", "build_seconds"),
)


# nested figures: (part, "a.b") reads results[part][a][b]
AGREEMENT = (
    ("national", "agreement_vs_all.top1_agreement"),
    ("national", "agreement_vs_all.topk_jaccard"),
    ("national", "median_parts.n_scored"),
)


def _figure(res: dict, part: str, key: str):
    v = res.get(part, {})
    for k in key.split("."):
        v = v.get(k, {}) if isinstance(v, dict) else {}
    return v if isinstance(v, float | int) else None


def compare(args: argparse.Namespace, argv: list[str]) -> int:
    """This checkout and ``args.compare``, each in a child process on one demo world."""
    import subprocess

    here = Path(__file__).resolve().parents[1]
    other = Path(args.compare).resolve()
    rest, skip = [], False
    for a in argv:  # the same options, without --compare/--out/--rounds
        if skip:
            skip = False
            continue
        if a in ("--compare", "--out", "--rounds"):
            skip = True
            continue
        if not a.startswith(("--compare=", "--out=", "--rounds=")):
            rest.append(a)
    rounds: dict[str, list[dict]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(args.demo_dir) if args.demo_dir else Path(tmp) / "demo"
        if not args.demo_dir:
            from _world import generate_in_child

            generate_in_child(demo, 42, "demo")
            rest += ["--demo-dir", str(demo)]
        for _ in range(max(args.rounds, 1)):
            for name, root in (("old", other), ("new", here)):
                out = Path(tmp) / f"{name}.json"
                env = {**os.environ, "PYTHONPATH": f"{root / 'src'}:{root}"}
                cmd = [sys.executable, str(root / "benchmarks" / "recommend.py"), *rest]
                subprocess.run([*cmd, "--out", str(out)], check=True, env=env, stdout=sys.stderr)
                rounds[name].append(json.loads(out.read_text(encoding="utf-8")))
    results = {n: r[-1] for n, r in rounds.items()}
    n_rounds = len(rounds["new"])
    print(f"{'figure':<24}{'old ' + str(other):>28}{'new ' + str(here):>28}")
    if n_rounds > 1:
        print(f"(median of {n_rounds} alternating rounds; each round's figures in --out)")
    for part, key in FIGURES + AGREEMENT:
        cells = []
        for n in ("old", "new"):
            vals = [_figure(r, part, key) for r in rounds[n]]
            vals = [v for v in vals if isinstance(v, float | int)]
            cells.append(f"{float(np.median(vals)):.3f}" if vals else "-")
        print(f"{part + ' ' + key:<44}{cells[0]:>24}{cells[1]:>24}")
    print("scorer: old", results["old"].get("scorer"), "/ new", results["new"].get("scorer"))
    if args.out:
        Path(args.out).write_text(json.dumps(rounds, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmarks' shared helper: a generated world written by a child process (so that the
generator's memory does not count in the benchmark's own peak)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def generate_in_child(data: Path, seed: int, scale: str) -> None:
    """``guidance.world.generate.generate_world`` into ``data`` in a child process; prints
    its wall time."""
    t = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from guidance.world.generate import generate_world; "
            f"generate_world({str(data)!r}, seed={seed}, scale={scale!r}, "
            "progress=False)",
        ],
        check=True,
    )
    print(f"generate ({scale}, child process): {time.perf_counter() - t:.1f} s")


def fitted_recommender(d: Path, overrides: dict | None = None, version: str = "bench"):
    """The world in ``d`` as training sees it: (oracle, split parts, recommender), with the
    models fitted on its train part (early stopping and calibration on val, as ``guidance
    train`` does) on one OpenMP thread; ``overrides``: the training config's ``[model]``."""
    import warnings

    from threadpoolctl import threadpool_limits
    from training.config import load_config
    from training.pipeline import split_pairs

    from guidance.contract import load_dir
    from guidance.model import fit_models
    from guidance.recommend.loading import build_recommender
    from guidance.world.oracle import Oracle

    oracle = Oracle.from_dir(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(d)
    cfg = load_config(None, {"model": overrides} if overrides else None)
    parts = split_pairs(tables, cfg)
    with threadpool_limits(1, user_api="openmp"):
        models, _ = fit_models(parts["train"], parts["val"], tables, cfg.model)
    return oracle, parts, build_recommender(models, tables, model_version=version)


def top1_uplift(comps: list, truth: list, actual, w) -> float:
    """Captured uplift (``training.recs_eval.captured_uplift``) of the top-1 by weights ``w``
    over per-learner component matrices ``comps`` and true values ``truth``."""
    import numpy as np
    from training.recs_eval import captured_uplift

    top = np.array([t[int(np.argmax(c @ w))] for c, t in zip(comps, truth, strict=True)])
    best = np.array([np.nanmax(t) for t in truth])
    return captured_uplift(
        float(np.nanmean(top)), float(np.nanmean(actual)), float(np.nanmean(best))
    )

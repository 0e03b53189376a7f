"""Hyperparameter search of ``guidance train --search``: a grid over the boosting settings,
scored on the time split's validation part, run locally or on a Dask cluster.

Every combination of ``[search]`` (``training.config.SearchConfig``) is one **trial**: the
boosting model of the search target (``employed_12m`` by default) built by the same
``guidance.model.hgb`` as the final models, fitted on the train part with early stopping
on the validation part (as ``fit_models`` does), then scored on the validation part with
``guidance.evaluate.binary_metrics``. The split is the existing time-based one
(``training.pipeline.split_with_info``); the test part is never seen. The winner (lowest
validation log loss by default; ties go to the earlier trial) replaces those settings of
``[model]`` and every model is then fitted as without a search.

Where the trials' fits run (``SearchRunner``):

- neither a scheduler nor local workers: joblib in this machine (``jobs`` processes; 1 =
  sequentially in this process);
- ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) or ``local_workers`` (a
  ``distributed.LocalCluster`` of that many single-threaded worker processes, started and
  stopped here): joblib's Dask backend; the feature matrices are broadcast to every worker
  once and every trial is one task.

The trials are pure functions of (matrices, settings, seed), so both paths give the same
metrics to the last bit and the same choice. ``dask`` / ``distributed`` are imported only
on the Dask path.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from guidance.model import ModelParams, TrainingDataError

SEARCHED = ("learning_rate", "max_depth", "max_leaf_nodes", "max_iter", "l2_regularization")
"""The ``ModelParams`` fields a trial sets."""

METRIC_DIRECTION = {"log_loss": "min", "brier": "min", "auc": "max"}


@dataclass
class SearchRunner:
    """Where the trials run (see the module docstring). ``client``: an existing
    ``distributed.Client`` to use as is (benchmarks, tests); it is not closed here."""

    scheduler: str | None = None
    local_workers: int = 0
    jobs: int = 1
    client: object = None

    @property
    def on_dask(self) -> bool:
        return bool(self.scheduler or self.local_workers or self.client is not None)

    def describe(self) -> str:
        if self.client is not None:
            return "a given dask client"
        if self.scheduler:
            return f"dask scheduler {self.scheduler}"
        if self.local_workers:
            return f"dask LocalCluster of {self.local_workers} worker processes"
        return f"joblib, {self.jobs} local process{'es' if self.jobs > 1 else ''}"


@dataclass
class Trial:
    index: int
    settings: dict
    metrics: dict = field(default_factory=dict)  # val_*, n_iter, fit_seconds, fit_cpu_seconds


@dataclass
class SearchResult:
    target: str
    metric: str
    direction: str
    trials: list[Trial]
    best: int  # index into trials
    runner: str
    seconds: float
    n_train: int
    n_val: int
    features_seconds: float = 0.0  # of ``seconds``: building the matrices (same everywhere)

    @property
    def chosen(self) -> dict:
        return dict(self.trials[self.best].settings)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"trial": t.index, **t.settings, **t.metrics} for t in self.trials])

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "metric": self.metric,
            "direction": self.direction,
            "runner": self.runner,
            "seconds": self.seconds,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "features_seconds": self.features_seconds,
            "best": self.best,
            "chosen": self.chosen,
            "trials": [asdict(t) for t in self.trials],
        }


def grid(search) -> list[dict]:
    """Every combination of the ``[search]`` lists, in a fixed order (``SEARCHED`` fields).

    Raises ``ValueError`` naming the key when a list is empty, a value is out of range, or
    the grid has more than ``max_trials`` settings."""

    def values(key, lo, hi, kind):
        vals = list(getattr(search, key))
        if not vals:
            raise ValueError(f"[search] {key}: needs at least one value")
        for v in vals:
            if not isinstance(v, kind) or isinstance(v, bool) or not lo <= v <= hi:
                raise ValueError(f"[search] {key}: {v!r} is not a number in [{lo}, {hi}]")
        return vals

    lrs = values("learning_rate", 1e-4, 1.0, (int, float))
    iters = values("max_iter", 1, 10_000, int)
    l2s = values("l2_regularization", 0.0, 1e6, (int, float))
    pairs = list(search.depth_leaves)
    if not pairs:
        raise ValueError("[search] depth_leaves: needs at least one [max_depth, max_leaf_nodes]")
    for p in pairs:
        ok = (
            len(p) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in p)
            and 1 <= p[0] <= 64
            and 2 <= p[1] <= 4096
        )
        if not ok:
            raise ValueError(
                f"[search] depth_leaves: {list(p)!r} is not [max_depth 1..64, "
                "max_leaf_nodes 2..4096]"
            )
    from guidance.model import CLASSIFIER_TARGETS

    if search.target not in CLASSIFIER_TARGETS:
        raise ValueError(
            f"[search] target: {search.target!r}; choose from {list(CLASSIFIER_TARGETS)}"
        )
    if search.metric not in METRIC_DIRECTION:
        raise ValueError(
            f"[search] metric: {search.metric!r}; choose from {sorted(METRIC_DIRECTION)}"
        )
    out = [
        {
            "learning_rate": float(lr),
            "max_depth": int(d),
            "max_leaf_nodes": int(leaves),
            "max_iter": int(it),
            "l2_regularization": float(l2),
        }
        for lr, (d, leaves), it, l2 in itertools.product(lrs, pairs, iters, l2s)
    ]
    if len(out) > search.max_trials:
        raise ValueError(
            f"[search]: the grid has {len(out)} settings, more than max_trials = "
            f"{search.max_trials}"
        )
    return out


@dataclass(eq=False)
class TrialData:
    """The matrices every trial reads (one object, so that joblib's Dask backend scatters
    it to the workers once)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    categorical: np.ndarray


def trial_data(
    train: pd.DataFrame, val: pd.DataFrame, tables: dict, params: ModelParams, target: str
) -> TrialData:
    """Features fitted on ``train`` (as ``fit_models`` fits them) and the target's labels."""
    from guidance.features import ContextFeatures
    from guidance.model import fill_empty, target_labels

    ft = ContextFeatures(max_categories=params.max_categories, priors=params.priors or None)
    Xtr = ft.fit_transform(
        train,
        provinces=tables["provinces"],
        occupations=tables["occupations"],
        demand=tables["demand"],
        programmes=tables["programmes"],
    )
    Xva = ft.transform(val)
    empty = np.all(np.isnan(Xtr), axis=0) if len(Xtr) else np.zeros(Xtr.shape[1], bool)
    ytr, oktr = target_labels(train, target)
    yva, okva = target_labels(val, target)
    return TrialData(
        fill_empty(Xtr, empty)[oktr], ytr, fill_empty(Xva, empty)[okva], yva, ft.categorical_mask_
    )


def run_trial(data: TrialData, base: ModelParams, settings: dict) -> dict:
    """Fit one setting and score it on the validation part (runs on a worker)."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    from guidance.evaluate import binary_metrics
    from guidance.model import hgb

    params = replace(base, **settings)
    t0, c0 = time.perf_counter(), time.process_time()
    limit = (
        threadpool_limits(params.n_threads, user_api="openmp")
        if params.n_threads
        else nullcontext()
    )
    with limit:
        est = hgb(params, data.categorical).fit(
            data.X_train, data.y_train, X_val=data.X_val, y_val=data.y_val
        )
        p = est.predict_proba(data.X_val)[:, 1]
    m = binary_metrics(data.y_val, p)
    return {
        "val_log_loss": m["log_loss"],
        "val_auc": m["auc"],
        "val_brier": m["brier"],
        "val_ece": m["ece"],
        "n_iter": float(est.n_iter_),
        "fit_seconds": time.perf_counter() - t0,
        "fit_cpu_seconds": time.process_time() - c0,
    }


@contextlib.contextmanager
def _backend(runner: SearchRunner, data=None):
    """A joblib ``parallel_config`` for the runner; on Dask it owns a client (and a
    LocalCluster) unless one is given, and broadcasts ``data`` to every worker before the
    first trial (without it, joblib scatters to one worker and the others fetch it from
    there while trials wait)."""
    import joblib

    if not runner.on_dask:
        with joblib.parallel_config(
            backend="loky" if runner.jobs > 1 else "sequential", n_jobs=max(runner.jobs, 1)
        ):
            yield
        return
    from distributed import Client

    from guidance.daskcluster import local_cluster

    cluster = client = None
    try:
        if runner.client is not None:
            client = runner.client
        elif runner.scheduler:
            client = Client(runner.scheduler, timeout="20s")
        else:
            cluster = local_cluster(runner.local_workers)
            client = Client(cluster)
        with joblib.parallel_config(
            backend="dask", client=client, n_jobs=-1, scatter=[data] if data is not None else None
        ):
            yield
    finally:
        if runner.client is None:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()


def _better(a: float, b: float, direction: str) -> bool:
    if np.isnan(a):
        return False
    if np.isnan(b):
        return True
    return a < b if direction == "min" else a > b


def search(
    train: pd.DataFrame,
    val: pd.DataFrame,
    tables: dict,
    base: ModelParams,
    search_config,
    runner: SearchRunner | None = None,
    step=None,
) -> SearchResult:
    """Run every trial of the grid and choose the best on the validation part."""
    from joblib import Parallel, delayed

    from guidance.model import MIN_CLASS_VAL, target_labels

    runner = runner or SearchRunner()
    step = step or (lambda msg: None)
    target, metric = search_config.target, search_config.metric
    settings = grid(search_config)
    for name, part in (("train", train), ("validation", val)):
        y, _ = target_labels(part, target)
        if min(int(y.sum()), int(len(y) - y.sum())) < MIN_CLASS_VAL:
            raise TrainingDataError(
                "outcomes",
                target,
                f"the {name} part holds too few "
                f"records of a class to search on (need at least "
                f"{MIN_CLASS_VAL} of each)",
            )
    t0 = time.perf_counter()
    step(f"search: features for {target}")
    data = trial_data(train, val, tables, base, target)
    t_features = time.perf_counter() - t0
    direction = METRIC_DIRECTION[metric]
    key = f"val_{metric}"
    step(
        f"search: {len(settings)} settings of {', '.join(SEARCHED)} on {runner.describe()}; "
        f"choosing the {'lowest' if direction == 'min' else 'highest'} validation {metric}"
    )
    trials: list[Trial] = []
    best = -1
    with _backend(runner, data):
        results = Parallel(return_as="generator", batch_size=1)(
            delayed(run_trial)(data, base, s) for s in settings
        )
        for i, (s, m) in enumerate(zip(settings, results, strict=True)):
            trials.append(Trial(i, s, m))
            if best < 0 or _better(m[key], trials[best].metrics[key], direction):
                best = i
            shown = ", ".join(f"{k}={v:g}" for k, v in s.items())
            step(
                f"search trial {i + 1}/{len(settings)} [{shown}]: {metric} {m[key]:.5f} "
                f"(auc {m['val_auc']:.4f}, {int(m['n_iter'])} iterations); best so far "
                f"{trials[best].metrics[key]:.5f} (trial {best + 1})"
            )
    if best < 0 or not np.isfinite(trials[best].metrics[key]):
        raise TrainingDataError("outcomes", target, f"no trial gave a finite validation {metric}")
    return SearchResult(
        target,
        metric,
        direction,
        trials,
        best,
        runner.describe(),
        time.perf_counter() - t0,
        len(data.y_train),
        len(data.y_val),
        t_features,
    )

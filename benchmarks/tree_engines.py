"""Maintained tree engines against the recommender's compiled walk, on the demo models' own
HistGradientBoosting estimators and feature matrix, in one run.

    OMP_NUM_THREADS=1 python benchmarks/tree_engines.py --demo-dir DEMO [--rounds 7] [--batch 20000]

The estimators are the ones ``FastScorer`` compiles: the boosting part of each classifier
(blends of HGB + logistic, calibrated or not: only the HGB tree part is measured, which is
what ``forest.FlatForest`` replaces) and the three wage-quantile regressors. The rows are
the models' own matrix after the feature step, built as a request builds it
(``FastCandidates.matrix``): one learner × ``--request`` offerings ("request"), the first of
those rows alone ("1 row": the per-call overhead), and ``--batch`` rows of many learners.

Engines, each giving the raw score of every estimator (rows × estimators):

- ``sklearn_raw``: scikit-learn's ``_raw_predict`` per estimator (the reference);
- ``sklearn_predict``: its public ``predict_proba`` / ``predict`` (the same trees);
- ``flat_numba``: the project's walk, ``FlatForest.raw`` (the splits on one-valued columns
  decided per call), and ``flat_numba_fixed`` as a request runs it: ``FlatForest.fixed`` on
  the learner's own columns, then ``raw(X, trees)``; ``flat_numpy``: its numpy fallback;
- ``treelite_gtil``: ``treelite.sklearn.import_model`` + ``treelite.gtil.predict``;
- ``tl2cgen``: the same Treelite model compiled to C by ``tl2cgen.export_lib`` (gcc);
- ``onnxruntime``: ``skl2onnx.convert_sklearn`` (double input) + ``onnxruntime``, as
  shipped, then with the converter's bool attribute bug worked around in-process.

Each engine is checked against ``_raw_predict`` (max abs difference) on the request and
batch rows, and on "edge" rows (the request with its categorical columns NaN, or one code
past the largest seen in training) before it is timed; an engine that cannot be built is
reported with its exact error, a package that is missing as "not installed". Timing:
``--rounds`` rounds, the engines' order rotated each round; in a round, each engine is
called on each row set as many times as fit in ~0.2 s (1 to ``--calls``); each figure is
the median over rounds of the round's median (µs per call). One thread everywhere
(OpenMP, Treelite, onnxruntime). The optional engines install with
``pip install -e '.[bench]'``; without them they are reported "not installed".
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

Engine = Callable[[np.ndarray], np.ndarray]
OPTIONAL = ("treelite", "tl2cgen", "skl2onnx", "onnx", "onnxruntime")


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("sklearn", "numpy", "numba", *OPTIONAL):
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception:  # noqa: BLE001 - reported, not needed
            out[name] = "not installed"
    try:
        out["gcc"] = subprocess.run(
            ["gcc", "-dumpfullversion"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except Exception:  # noqa: BLE001
        out["gcc"] = "not found"
    return out


def estimators(models: Any) -> list[Any]:
    """The HistGradientBoosting estimators ``FastScorer`` compiles, in its order."""
    from guidance.model import CLASSIFIER_TARGETS, WAGE_COLUMNS
    from guidance.recommend.forest import Compiler

    comp = Compiler(models.features.categorical_sizes())
    for t in CLASSIFIER_TARGETS:
        comp.parts(models.pipelines[t][-1])
    return comp.boosters + [models.pipelines[k][-1] for k in WAGE_COLUMNS]


def row_sets(scorer: Any, learners: list[dict], n_request: int, n_batch: int, seed: int = 0):
    """(request rows, the learner's own columns, batch rows): the models' own matrix; the
    batch is ``n_batch`` rows of learners × ``n_request`` random offerings each."""
    from guidance.features.columns import LEARNER_COLUMNS
    from guidance.recommend.fastscore import FastCandidates

    rng = np.random.default_rng(seed)
    start = scorer.models.features.demand_.last_period
    n_cat = len(scorer.cat)

    def cands(learner: dict) -> Any:
        idx = np.sort(rng.choice(n_cat, size=min(n_request, n_cat), replace=False))
        full = {k: learner.get(k) for k in LEARNER_COLUMNS}
        return FastCandidates(scorer, full, idx, start)

    first = cands(learners[0])
    request = first.matrix(slice(None))
    own = np.array(first.own_at, dtype=np.int64)
    parts, n, k = [], 0, 0
    while n < n_batch:
        X = cands(learners[k % len(learners)]).matrix(slice(None))
        parts.append(X)
        n += len(X)
        k += 1
    batch = np.ascontiguousarray(np.vstack(parts)[:n_batch])
    return np.ascontiguousarray(request), own, batch


def edge_rows(X: np.ndarray, est: Any, sizes: dict[int, int]) -> dict[str, np.ndarray]:
    cat = np.flatnonzero(est.is_categorical_) if est.is_categorical_ is not None else []
    nan, unseen = X.copy(), X.copy()
    nan[:, cat] = np.nan
    for c in cat:
        unseen[:, c] = float(sizes.get(int(c), 0))  # one past the largest code
    return {"categorical NaN": nan, "categorical unseen code": unseen}


# -- engines ------------------------------------------------------------------------------
def sklearn_engines(ests: list[Any]) -> dict[str, Engine]:
    def raw(X: np.ndarray) -> np.ndarray:
        return np.column_stack([np.asarray(e._raw_predict(X))[:, 0] for e in ests])

    def public(X: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [e.predict_proba(X)[:, 1] if hasattr(e, "classes_") else e.predict(X) for e in ests]
        )

    return {"sklearn_raw": raw, "sklearn_predict": public}


def flat_engines(ests: list[Any], cols: np.ndarray) -> dict[str, Engine]:
    """The project's walk; ``cols``: the learner's own columns (``FastCandidates.own_at``)."""
    from guidance.recommend.forest import FlatForest

    numba_forest = FlatForest(ests, kernel="numba")
    numpy_forest = FlatForest(ests, kernel="numpy")

    def fixed(X: np.ndarray) -> np.ndarray:  # as ``FastCandidates.trees`` + ``predict_matrix``
        x = np.full(X.shape[1], np.nan)
        x[cols] = X[0, cols]  # one learner's rows: its own columns hold one value
        return numba_forest.raw(X, numba_forest.fixed(x, cols))

    fixed.one_learner = cols  # type: ignore[attr-defined]

    return {
        "flat_numba": numba_forest.raw,
        "flat_numba_fixed": fixed,
        "flat_numpy": numpy_forest.raw,
    }


def treelite_engines(ests: list[Any], tmp: Path, info: dict) -> dict[str, Engine]:
    out: dict[str, Engine] = {}
    try:
        import treelite
        import treelite.gtil
        import treelite.sklearn
    except ImportError as e:
        info["treelite_gtil"] = info["tl2cgen"] = {"status": f"not installed ({e})"}
        return out
    try:
        t = time.perf_counter()
        models = [treelite.sklearn.import_model(e) for e in ests]
        info["treelite_gtil"] = {"status": "ok", "import_s": time.perf_counter() - t}
    except Exception as e:  # noqa: BLE001 - the exact error is the finding
        info["treelite_gtil"] = info["tl2cgen"] = {"status": f"{type(e).__name__}: {e}"}
        return out

    def gtil(X: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [
                treelite.gtil.predict(m, X, nthread=1, pred_margin=True).reshape(len(X))
                for m in models
            ]
        )

    out["treelite_gtil"] = gtil
    try:
        import tl2cgen
    except ImportError as e:
        info["tl2cgen"] = {"status": f"not installed ({e})"}
        return out
    try:
        t = time.perf_counter()
        preds = []
        for k, m in enumerate(models):
            lib = tmp / f"forest{k}.so"
            tl2cgen.export_lib(m, toolchain="gcc", libpath=str(lib), params={}, nthread=1)
            preds.append(tl2cgen.Predictor(str(lib), nthread=1))
        info["tl2cgen"] = {"status": "ok", "compile_s": time.perf_counter() - t}
    except Exception as e:  # noqa: BLE001
        info["tl2cgen"] = {"status": f"{type(e).__name__}: {e}"}
        return out

    def compiled(X: np.ndarray) -> np.ndarray:
        dm = tl2cgen.DMatrix(X, dtype="float64")
        return np.column_stack([p.predict(dm, pred_margin=True).reshape(len(X)) for p in preds])

    out["tl2cgen"] = compiled
    return out


def onnx_engines(ests: list[Any], width: int, info: dict) -> dict[str, Engine]:
    out: dict[str, Engine] = {}
    try:
        import onnxruntime as ort
        from skl2onnx import convert_sklearn
        from skl2onnx.common import tree_ensemble
        from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    except ImportError as e:
        info["onnxruntime"] = {"status": f"not installed ({e})"}
        return out

    def convert(float32: bool = False) -> list[tuple[Any, Any]]:
        """(session, input dtype) per estimator: double input, or float32 if ``float32``."""
        sessions = []
        for e in ests:
            clf = hasattr(e, "classes_")
            typ, dt = (FloatTensorType, np.float32) if float32 else (DoubleTensorType, np.float64)
            opts = {id(e): {"zipmap": False, "raw_scores": True}} if clf else None
            onx = convert_sklearn(
                e,
                initial_types=[("X", typ([None, width]))],
                options=opts,
                target_opset={"": 17, "ai.onnx.ml": 3},
            )
            so = ort.SessionOptions()
            so.intra_op_num_threads = so.inter_op_num_threads = 1
            s = ort.InferenceSession(
                onx.SerializeToString(), so, providers=["CPUExecutionProvider"]
            )
            sessions.append((s, dt))
        return sessions

    def engine(sessions: list[tuple[Any, Any]]) -> Engine:
        def run(X: np.ndarray) -> np.ndarray:
            cols, cast = [], {np.float64: X}
            for s, dt in sessions:
                if dt not in cast:
                    cast[dt] = X.astype(dt)
                o = np.asarray(s.run(None, {"X": cast[dt]})[-1], dtype=np.float64)
                cols.append(o[:, -1] if o.ndim == 2 else o)  # classifier: the class-1 score
            return np.column_stack(cols)

        return run

    try:
        out["onnxruntime"] = engine(convert())
        info["onnxruntime"] = {"status": "ok"}
    except Exception as e:  # noqa: BLE001
        info["onnxruntime"] = {"status": "conversion fails", "error": _root(e)}
        # skl2onnx passes a Python bool (a leaf's "missing goes left") into an int attribute
        # of TreeEnsemble*; cast it in-process to see what the converted model computes
        orig = tree_ensemble.add_node

        def add_node(*a: Any, **k: Any) -> Any:
            k["nodes_missing_value_tracks_true"] = int(k.get("nodes_missing_value_tracks_true", 0))
            return orig(*a, **k)

        tree_ensemble.add_node = add_node
        patched = "ok (bool cast to int in the converter)"
        try:
            try:
                out["onnxruntime_patched"] = engine(convert())
                info["onnxruntime_patched"] = {"status": patched}
            except Exception as e2:  # noqa: BLE001 - onnxruntime: TreeEnsemble* in float only
                out["onnxruntime_patched"] = engine(convert(float32=True))
                info["onnxruntime_patched"] = {
                    "status": patched + "; float32 input (double refused)",
                    "double_error": _root(e2),
                }
        except Exception as e3:  # noqa: BLE001
            info["onnxruntime_patched"] = {"status": "conversion fails", "error": _root(e3)}
        finally:
            tree_ensemble.add_node = orig
    return out


def _root(e: BaseException) -> str:
    """The innermost cause's type and message, and the outer one's first line."""
    inner = e
    while inner.__cause__ is not None:
        inner = inner.__cause__
    outer = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
    frame = traceback.extract_tb(inner.__traceback__)[-1] if inner.__traceback__ else None
    where = f" ({Path(frame.filename).name}:{frame.lineno})" if frame else ""
    return f"{type(inner).__name__}: {inner}{where} <- {type(e).__name__}: {outer}"


# -- check and time -----------------------------------------------------------------------
def check(engines: dict[str, Engine], ref: Engine, sets: dict[str, np.ndarray], ests: list) -> dict:
    """Max abs difference from ``_raw_predict`` per engine and row set (``predict``:
    against expit of the raw score for classifiers)."""
    is_clf = np.array([hasattr(e, "classes_") for e in ests])
    out: dict[str, dict[str, Any]] = {}
    for name, f in engines.items():
        out[name] = {}
        for label, X in sets.items():
            if not applies(f, X):
                out[name][label] = "n/a (rows of many learners)"
                continue
            want = ref(X)
            if name == "sklearn_predict":
                want = np.where(is_clf, 1.0 / (1.0 + np.exp(-want)), want)
            try:
                got = f(X)
                out[name][label] = float(np.max(np.abs(got - want)))
                out[name][label + " rows differing"] = int((np.abs(got - want) > 1e-9).any(1).sum())
            except Exception as e:  # noqa: BLE001
                out[name][label] = f"error: {type(e).__name__}: {e}"
    return out


def timings(engines: dict[str, Engine], sets: dict[str, np.ndarray], rounds: int, calls: int):
    """µs per call: per engine and row set, the median over rounds of each round's median."""
    names = list(engines)
    per: dict[str, dict[str, list[float]]] = {n: {s: [] for s in sets} for n in names}
    n_calls: dict[str, dict[str, int]] = {n: {} for n in names}
    for s, X in sets.items():  # calls per round: as many as fit in ~0.2 s, 1 to ``calls``
        for n in names:
            if applies(engines[n], X):
                n_calls[n][s] = max(1, min(calls, int(0.2 / max(_once(engines[n], X), 1e-6))))
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for s, X in sets.items():
            for n in order:
                f = engines[n]
                if not applies(f, X):
                    per[n][s].append(float("nan"))
                    continue
                ts = []
                for _ in range(n_calls[n][s]):
                    t = time.perf_counter()
                    f(X)
                    ts.append(time.perf_counter() - t)
                per[n][s].append(1e6 * float(np.median(ts)))
        print(f"round {r + 1}/{rounds} done (load {load()})", file=sys.stderr)
    med = {n: {s: float(np.median(v)) for s, v in d.items()} for n, d in per.items()}
    return med, per, n_calls


def applies(f: Engine, X: np.ndarray) -> bool:
    """False for an engine of one learner's rows (``flat_numba_fixed``) on other rows."""
    cols = getattr(f, "one_learner", None)
    if cols is None or len(X) == 0:
        return True
    own = X[:, cols]
    return bool(((own == own[0]) | (np.isnan(own) & np.isnan(own[0]))).all())


def _once(f: Engine, X: np.ndarray) -> float:
    f(X)  # warm
    t = time.perf_counter()
    f(X)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo-dir", default=None, help="existing demo world (else generated)")
    ap.add_argument("--max-iter", type=int, default=None)
    ap.add_argument("--request", type=int, default=200, help="rows of one learner's request")
    ap.add_argument("--batch", type=int, default=20_000, help="rows of the batch")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=200, help="most calls per engine and round")
    ap.add_argument("--out", default=None, help="write the figures as JSON")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    from guidance.recommend.loading import build_recommender
    from recommend import demo_models, learners_from

    res: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "load_start": load(),
        "versions": versions(),
    }
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(1, user_api="openmp"):
        demo = Path(args.demo_dir) if args.demo_dir else Path(tmp) / "demo"
        if not args.demo_dir:
            from guidance.world.generate import generate_world

            generate_world(demo, seed=42, scale="demo", progress=False)
        models, tables, test = demo_models(demo, args.max_iter)
        rec = build_recommender(models, tables, model_version="bench")
        if rec.scorer.name != "fast":
            raise SystemExit(f"the fast scorer was refused: {rec.scorer!r}")
        ests = estimators(models)
        res["estimators"] = [
            {
                "type": type(e).__name__,
                "trees": len(e._predictors),
                "categorical_features": int(np.sum(e.is_categorical_))
                if e.is_categorical_ is not None
                else 0,
            }
            for e in ests
        ]
        res["trees"] = sum(r["trees"] for r in res["estimators"])
        learners = learners_from(test, 200)
        request, own, batch = row_sets(rec.scorer, learners, args.request, args.batch)
        res["features"] = int(request.shape[1])
        sets = {
            "1 row": request[:1],
            f"request {len(request)}": request,
            f"batch {len(batch)}": batch,
        }
        info: dict[str, Any] = {}
        engines = sklearn_engines(ests)
        engines.update(flat_engines(ests, own))
        engines.update(treelite_engines(ests, Path(tmp), info))
        engines.update(onnx_engines(ests, request.shape[1], info))
        res["engines"] = info
        checked = {**sets, **edge_rows(request, ests[0], models.features.categorical_sizes())}
        del checked["1 row"]
        res["max_abs_diff_vs_raw_predict"] = check(engines, engines["sklearn_raw"], checked, ests)
        med, per, n_calls = timings(engines, sets, args.rounds, args.calls)
        res["median_us_per_call"] = med
        res["rounds_us"] = per
        res["calls_per_round"] = n_calls
        res["load_end"] = load()
    text = json.dumps(res, indent=2)
    print(text)
    print(table(res, list(sets)))
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def table(res: dict, sets: list[str]) -> str:
    diffs = res["max_abs_diff_vs_raw_predict"]
    checks = [k for k in next(iter(diffs.values())) if "rows differing" not in k]
    short = {k: k.split()[0] if not k.startswith("categorical") else k.split()[1] for k in checks}
    head = f"{'engine':<20}" + "".join(f"{s + ' µs':>17}" for s in sets)
    head += "".join(f"{'max|Δ| ' + short[k]:>16}" for k in checks)
    lines = [head]
    for name, row in res["median_us_per_call"].items():
        d = diffs.get(name, {})
        cells = "".join(f"{row[s]:>17.1f}" if row[s] == row[s] else f"{'n/a':>17}" for s in sets)
        for k in checks:
            v = d.get(k)
            cells += f"{v:>16.1e}" if isinstance(v, float) else f"{str(v).split()[0]:>16}"
        lines.append(f"{name:<20}{cells}")
    for name, i in res["engines"].items():
        extra = "".join(f"; {k}: {v}" for k, v in i.items() if k != "status")
        lines.append(f"{name}: {i['status']}{extra}"[:600])
    lines.append(f"load {res['load_start']} -> {res['load_end']}; versions {res['versions']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

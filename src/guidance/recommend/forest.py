"""The fitted models' trees, calibrators and linear parts compiled to flat arrays.

``FlatForest`` evaluates every tree of several HistGradientBoosting estimators in one
compiled loop (numba; scikit-learn calls a Cython predictor per tree from a Python loop,
which dominates small requests), or, for a process that answers one request and exits (the
command line) or where numba is missing, in numpy steps over all rows × trees at once (no
numba import and first-call set-up, ~0.5 s; 5-7 times slower per call). Both walks give
the same bits (a test compares them); ``Compiler`` composes calibration and log-odds blends
around it; ``additive_logistic`` tabulates a per-column logistic pipeline. Each reproduces
scikit-learn's own computation (checked by ``FastScorer``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from guidance.recommend.hgb_adapter import (
    Encoder,
    UnsupportedModel,
    read_booster,
    read_calibrator,
)

KERNELS = ("numba", "numpy")
log = logging.getLogger("guidance.recommend")


# -- flattened forest ---------------------------------------------------------------------
class FlatForest:
    """All trees of several HistGradientBoosting estimators as flat node arrays."""

    def __init__(
        self, estimators: list[Any], max_trees: int | None = None, kernel: str = "numba"
    ) -> None:
        if kernel not in KERNELS:
            raise ValueError(f"unknown forest kernel {kernel!r}")
        self.kernel = kernel
        self._chosen: dict[tuple[int, ...], np.ndarray] = {}  # outputs → their trees
        parts: list[list[np.ndarray]] = [[] for _ in range(8)]
        feats, thr, left, right, miss, iscat, catrow, value = parts
        cat_tables = [np.zeros(256, bool)]  # row 0: unused (numeric nodes)
        roots: list[int] = []
        tree_out: list[int] = []
        baselines: list[float] = []
        encoders: list[Encoder] = []
        offset = 0
        for m, est in enumerate(estimators):
            booster = read_booster(est, max_trees)
            enc = booster.encoder
            # estimators fitted on the same rows share one encoding: transform it once
            slot = next((k for k, e in enumerate(encoders) if e.key() == enc.key()), None)
            if slot is None:
                slot = len(encoders)
                encoders.append(enc)
            base_col = sum(len(e.source) for e in encoders[:slot])
            known_tab = _bitset_table(booster.known_bitsets)
            baselines.append(booster.baseline)
            for tree in booster.trees:
                nodes = tree.nodes
                n = len(nodes)
                raw_tab = _bitset_table(tree.left_cat_bitsets)
                is_leaf = nodes["is_leaf"].astype(bool)
                ids = np.arange(n) + offset
                roots.append(offset)
                tree_out.append(m)
                # a leaf points to itself: the walk stops where left[node] == node
                feats.append(np.where(is_leaf, base_col, nodes["feature_idx"] + base_col))
                thr.append(np.where(is_leaf, np.inf, nodes["num_threshold"]))
                left.append(np.where(is_leaf, ids, nodes["left"].astype(np.int64) + offset))
                right.append(np.where(is_leaf, ids, nodes["right"].astype(np.int64) + offset))
                miss.append(np.where(is_leaf, True, nodes["missing_go_to_left"].astype(bool)))
                cat = nodes["is_categorical"].astype(bool) & ~is_leaf
                iscat.append(cat)
                rows = np.zeros(n, dtype=np.int64)
                for k in np.flatnonzero(cat):
                    f = int(nodes["feature_idx"][k])
                    inleft = raw_tab[int(nodes["bitset_idx"][k])]
                    known_f = known_tab[int(booster.feature_map[f])]
                    # unknown categories are treated as missing
                    go_left = inleft | (~known_f & bool(nodes["missing_go_to_left"][k]))
                    rows[k] = len(cat_tables)
                    cat_tables.append(go_left)
                catrow.append(rows)
                value.append(np.where(is_leaf, nodes["value"], 0.0))
                offset += n

        def join(p: list[np.ndarray], dt: Any) -> np.ndarray:
            return np.concatenate(p).astype(dt) if p else np.zeros(0, dt)

        self.feature = join(feats, np.int64)
        self.threshold = join(thr, np.float64)
        self.left, self.right = join(left, np.int64), join(right, np.int64)
        self.missing_left = join(miss, np.bool_)
        self.is_cat = join(iscat, np.bool_)
        self.cat_row = join(catrow, np.int64)
        self.cat_table = np.ascontiguousarray(np.vstack(cat_tables))
        self.value = join(value, np.float64)
        inner = self.left != np.arange(len(self.left))
        if (self.left[inner] <= np.flatnonzero(inner)).any() or (
            self.right[inner] <= np.flatnonzero(inner)
        ).any():  # ``_kernels.specialize`` reads the trees in one backward pass
            raise UnsupportedModel("tree nodes are not stored parents first")
        # trees in estimator order (as read), so each output adds its trees as scikit-learn does
        self.roots = np.array(roots, dtype=np.int64)
        self.tree_out = np.array(tree_out, dtype=np.int64)
        self.baselines = np.array(baselines, dtype=np.float64)
        self.encoders = encoders
        # the model-matrix column each column of the trees' input reads
        self.wide_source = np.concatenate([e.source for e in encoders] or [np.zeros(0, np.int64)])

    def _wide(self, X: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(
            np.hstack([enc.transform(X) for enc in self.encoders]), dtype=np.float64
        )

    def _compiled(self) -> Any:
        """The numba kernels (None: the numpy walk, also when numba is missing)."""
        if self.kernel == "numpy":
            return None
        try:
            import guidance.recommend._kernels as kernels
        except ImportError as e:  # numba is an accelerator: without it, the numpy walk
            log.warning("numba unavailable (%s): the forest walks in numpy", e)
            self.kernel = "numpy"
            return None
        return kernels

    @property
    def trees(self) -> Trees:
        return Trees(self.roots, self.left, self.right)

    @property
    def splits(self) -> tuple[np.ndarray, ...]:
        """What each inner node tests (the kernels' last arguments)."""
        return (
            self.feature,
            self.threshold,
            self.missing_left,
            self.is_cat,
            self.cat_row,
            self.cat_table,
        )

    def fixed(self, x: np.ndarray, cols: np.ndarray) -> Trees | None:
        """The trees for rows whose columns ``cols`` hold the values of ``x`` (one row of
        the model matrix; a learner's own columns in a request): their splits decided once
        (``_kernels.specialize``), for ``raw(..., trees=)``. None for the numpy walk."""
        k = self._compiled()
        if k is None:
            return None
        wide = self._wide(x.reshape(1, -1))
        same = np.isin(self.wide_source, cols)
        return Trees(*k.specialize(wide[0], same, *self.trees, *self.splits))

    def raw(
        self, X: np.ndarray, trees: Trees | None = None, outputs: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """Raw scores (rows × estimators), as ``_raw_predict`` would give. ``trees``: from
        ``fixed``, for rows that hold its values; else splits on the columns that hold one
        value in every row of ``X`` are decided here. ``outputs``: walk only these
        estimators' trees (the others' columns hold their baselines); None: all."""
        wide = self._wide(X)
        k = self._compiled()
        if k is None:
            return self._raw_numpy(wide)
        if trees is None and len(wide):
            trees = Trees(*k.specialize(wide[0], k.one_valued(wide), *self.trees, *self.splits))
        roots, left, right = trees or self.trees
        tree_out = self.tree_out
        if outputs is not None:
            if outputs not in self._chosen:
                self._chosen[outputs] = np.isin(self.tree_out, outputs)
            roots, tree_out = roots[self._chosen[outputs]], tree_out[self._chosen[outputs]]
        out = k.forest_raw(
            wide, roots, left, right, tree_out, self.baselines, self.value, *self.splits
        )
        return np.asarray(out)

    def _raw_numpy(self, wide: np.ndarray) -> np.ndarray:
        """The walk of ``_kernels.forest_raw`` one depth level at a time for every row ×
        tree, then each output's leaf values added in tree order from its baseline (a
        cumulative sum: the same additions in the same order as the compiled loop)."""
        n = wide.shape[0]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        row = np.arange(n)[:, None]
        while True:
            nxt = self.left[node]
            inner = nxt != node  # leaves point to themselves
            if not inner.any():
                break
            v = wide[row, self.feature[node]]
            cat = self.is_cat[node]
            missing = np.isnan(v) | (cat & (v < 0))
            code = np.clip(np.nan_to_num(v, nan=0.0), 0, 255).astype(np.int64)
            numeric = v <= self.threshold[node]
            go = np.where(
                missing,
                self.missing_left[node],
                np.where(cat, self.cat_table[self.cat_row[node], code], numeric),
            )
            node = np.where(inner & go, nxt, np.where(inner, self.right[node], node))
        leaf = self.value[node]
        out = np.empty((n, len(self.baselines)))
        for m, base in enumerate(self.baselines):
            terms = np.hstack([np.full((n, 1), base), leaf[:, self.tree_out == m]])
            out[:, m] = np.cumsum(terms, axis=1)[:, -1]
        return out


class Trees(NamedTuple):
    """A ``FlatForest``'s trees, maybe with some splits decided (``FlatForest.fixed``)."""

    roots: np.ndarray
    left: np.ndarray
    right: np.ndarray


def _bitset_table(bitsets: np.ndarray) -> np.ndarray:
    """uint32 bitsets (rows × 8) → boolean membership tables (rows × 256)."""
    b = np.asarray(bitsets, dtype=np.uint32).reshape(-1, 8)
    bits = (b[:, :, None] >> np.arange(32, dtype=np.uint32)) & 1
    return bits.reshape(len(b), 256).astype(bool)


# (X, raw scores) → P(class 1); raw: the forest's outputs, then the log-odds of each of the
# ``Compiler``'s linear parts (``Compiler.linear`` order), computed by the caller
Proba = Callable[[np.ndarray, np.ndarray], np.ndarray]


def expit(z: Any) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64))))


class Compiler:
    """A fitted classifier → a function of (X, raw scores) → P(class 1) (``Proba``);
    boosters are collected for one ``FlatForest``, additive logistic parts in ``linear``
    (the caller adds their log-odds to ``raw``), and an estimator it knows neither way is
    called through scikit-learn as it is."""

    def __init__(self, categorical: dict[int, int]) -> None:
        self.boosters: list[Any] = []
        self.linear: list[Additive] = []  # additive logistic parts met (cheap proxies)
        self.used: tuple[set[int], set[int]] = (set(), set())  # boosters, linear parts read
        self.categorical = categorical  # column -> largest integer code it takes

    def booster(self, est: Any) -> int:
        k = next((k for k, b in enumerate(self.boosters) if b is est), len(self.boosters))
        if k == len(self.boosters):
            self.boosters.append(est)
        self.used[0].add(k)
        return k

    def parts(self, est: Any) -> tuple[Proba, set[int], set[int]]:
        """``proba(est)`` with the boosters and linear parts it reads (their positions)."""
        self.used = (set(), set())
        f = self.proba(est)
        return f, *self.used

    def proba(self, est: Any) -> Proba:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier

        if type(est).__name__ == "FrozenEstimator":
            return self.proba(est.estimator)
        if isinstance(est, HistGradientBoostingClassifier):
            k = self.booster(est)
            return lambda X, raw: expit(raw[:, k])
        if isinstance(est, CalibratedClassifierCV):
            if len(est.calibrated_classifiers_) != 1:
                raise UnsupportedModel("expected one calibrated classifier")
            cc = est.calibrated_classifiers_[0]
            cal = read_calibrator(cc)
            base = cc.estimator
            if type(base).__name__ == "FrozenEstimator":
                base = base.estimator
            if isinstance(base, HistGradientBoostingClassifier):
                k = self.booster(base)
                return lambda X, raw: cal(raw[:, k])
            if hasattr(base, "decision_function"):
                raise UnsupportedModel("calibrated decision_function of an unknown estimator")
            f = self.proba(base)
            return lambda X, raw: cal(f(X, raw))
        if type(est).__name__ == "LogitBlend":
            parts = [
                (self.proba(e), float(w))
                for e, w in zip(est.estimators, est.weights, strict=True)
                if w
            ]

            def blend(X: np.ndarray, raw: np.ndarray) -> np.ndarray:
                z = np.zeros(X.shape[0])
                for f, w in parts:
                    p = np.clip(f(X, raw), 1e-6, 1 - 1e-6)
                    z += w * np.log(p / (1 - p))
                return expit(z)

            return blend
        additive = additive_logistic(est, self.categorical)
        if additive is not None:  # its log-odds: a column of ``raw`` after the forest's
            self.linear.append(additive)
            a = len(self.linear) - 1
            self.used[1].add(a)
            return lambda X, raw: expit(raw[:, raw.shape[1] - len(self.linear) + a])
        if hasattr(est, "predict_proba"):
            return lambda X, raw: np.asarray(est.predict_proba(X)[:, 1])
        raise UnsupportedModel(f"cannot score {type(est).__name__}")


def additive_logistic(est: Any, categorical: dict[int, int]) -> Additive | None:
    """A logistic-regression pipeline whose preprocessing transforms each column on its
    own (imputers, one-hot, scaling) is additive per input column in log-odds. Tabulate
    each column's contribution once by probing, so a request costs one small sum instead
    of a scikit-learn pipeline call. Returns None for anything else."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if not (
        isinstance(est, Pipeline)
        and isinstance(est[-1], LogisticRegression)
        and len(est.steps) == 2
        and isinstance(est[0], ColumnTransformer)
    ):
        return None
    n = int(est.n_features_in_)
    x0 = np.zeros((1, n))
    step = 1e6  # a large probe keeps the slope exact to ~1e-16 for money-sized columns
    probes = [x0]
    slots = []
    for col in range(n):
        values = (
            [float(v) for v in range(categorical[col] + 1)] if col in categorical else [step]
        ) + [np.nan]
        for v in values:
            x = x0.copy()
            x[0, col] = v
            probes.append(x)
            slots.append((col, v))
    d = est.decision_function(np.vstack(probes))
    d0, deltas = float(d[0]), d[1:] - d[0]
    slope = np.zeros(n)
    nan_off = np.zeros(n)
    tables: dict[int, np.ndarray] = {}
    for (col, v), delta in zip(slots, deltas, strict=True):
        if np.isnan(v):
            nan_off[col] = delta
        elif col in categorical:
            tables.setdefault(col, np.zeros(categorical[col] + 1))[int(v)] = delta
        else:
            slope[col] = delta / step
    return Additive(d0, slope, nan_off, tables)


@dataclass
class Additive:
    """Log-odds of an additive logistic model: ``d0`` plus one term per input column
    (slope × value for numeric columns, a table lookup for categorical codes, a fixed
    offset for NaN). ``terms`` gives the sum over some columns only, so a caller can add
    the terms of columns that never change once and the rest per request."""

    d0: float
    slope: np.ndarray
    nan_off: np.ndarray
    tables: dict[int, np.ndarray]

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.d0 + self.terms(X, range(len(self.slope)))

    def term(self, col: int, v: np.ndarray | float) -> np.ndarray:
        """Column ``col``'s contribution to the log-odds for values ``v``."""
        v = np.asarray(v, dtype=np.float64)
        ok = ~np.isnan(v)
        if col in self.tables:
            code = np.where(ok, v, 0).astype(np.int64)
            return np.asarray(np.where(ok, self.tables[col][code], self.nan_off[col]))
        return np.asarray(np.where(ok, v * self.slope[col], self.nan_off[col]))

    def terms(self, X: np.ndarray, cols: Iterable[int]) -> np.ndarray:
        """Sum of the contributions of columns ``cols`` of ``X`` (without ``d0``)."""
        z = np.zeros(X.shape[0])
        for col in cols:
            z += self.term(int(col), X[:, int(col)])
        return z

"""The ONE place that reads scikit-learn's private model internals.

The compiled forest (``forest.FlatForest``) re-walks the trees of fitted
``HistGradientBoosting*`` estimators and applies the fitted calibrators. Their node arrays,
category bitsets, baseline and input encoder are private to scikit-learn and change between
versions, so this adapter reads them into plain arrays for the scikit-learn versions it was
tested with (``TESTED``) and refuses any other at load: the recommender then falls back to
the pipeline scorer (logged and counted). The load-time probe in ``FastScorer`` stays as a
second guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sklearn

# (major, minor) versions of scikit-learn whose internals this adapter was verified against
# (the equivalence tests in tests/recommend/test_fastscore*.py passed with them)
TESTED = ((1, 9),)

NODE_FIELDS = (
    *["feature_idx", "num_threshold", "left", "right", "missing_go_to_left", "is_leaf"],
    *["is_categorical", "bitset_idx", "value"],
)


class UnsupportedModel(TypeError):
    """The fitted model cannot be compiled (the pipeline scorer is used instead)."""

    cause = "unsupported_model"  # counted in /metrics


class UnsupportedScikitLearn(UnsupportedModel):
    """The installed scikit-learn is not one this adapter was tested with."""

    cause = "sklearn_version"


class ProbeMismatch(UnsupportedModel):
    """The fast path does not reproduce the pipeline on the load-time probes."""

    cause = "probe_mismatch"


def check_version(version: str | None = None) -> None:
    """Refuse scikit-learn versions outside ``TESTED``."""
    v = version or sklearn.__version__
    try:
        major, minor = (int(x) for x in v.split(".")[:2])
    except ValueError:
        raise UnsupportedScikitLearn(f"unparseable scikit-learn version {v!r}") from None
    if (major, minor) not in TESTED:
        tested = ", ".join(f"{a}.{b}.x" for a, b in TESTED)
        raise UnsupportedScikitLearn(
            f"scikit-learn {v} is not a version the compiled forest was tested with "
            f"({tested}): using the pipeline scorer"
        )


@dataclass
class Tree:
    """One fitted tree: its node table (a copy of scikit-learn's structured array, with at
    least the ``NODE_FIELDS``) and its raw category bitsets (rows × 8 uint32)."""

    nodes: np.ndarray
    left_cat_bitsets: np.ndarray


@dataclass
class Encoder:
    """The estimator's own input step: categorical columns ordinal-encoded and moved first,
    numeric columns after them. ``known``: per categorical column, its known (non-NaN)
    categories, and NaN's code when NaN was a training category."""

    cat_cols: np.ndarray
    num_cols: np.ndarray
    known: list[tuple[np.ndarray, float | None]]

    @property
    def source(self) -> np.ndarray:
        """The input column each column of the output reads."""
        return np.concatenate([self.cat_cols, self.num_cols])

    def key(self) -> tuple:
        """Equal for input steps that encode alike (estimators fitted on the same rows)."""
        known = [(k.tobytes(), nan_code) for k, nan_code in self.known]
        return (self.cat_cols.tobytes(), self.num_cols.tobytes(), *known)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """The model matrix as the estimator's trees see it."""
        out = np.empty((X.shape[0], len(self.cat_cols) + len(self.num_cols)))
        for j, (col, (known, nan_code)) in enumerate(zip(self.cat_cols, self.known, strict=True)):
            v = X[:, col]
            pos = np.minimum(np.searchsorted(known, v), max(len(known) - 1, 0))
            ok = ~np.isnan(v) & (known[pos] == v) if len(known) else np.zeros(len(v), bool)
            enc = np.where(ok, pos, np.nan)
            if nan_code is not None:  # NaN was a training category: it has its own code
                enc = np.where(np.isnan(v), nan_code, enc)
            out[:, j] = enc
        out[:, len(self.cat_cols) :] = X[:, self.num_cols]
        return out


@dataclass
class Booster:
    """A fitted single-output HistGradientBoosting estimator, read into plain arrays."""

    baseline: float
    trees: list[Tree]
    known_bitsets: np.ndarray  # known categories per categorical feature (rows × 8 uint32)
    feature_map: np.ndarray  # feature → row of ``known_bitsets``
    encoder: Encoder


def read_booster(est: Any, max_trees: int | None = None) -> Booster:
    """Read a fitted ``HistGradientBoostingClassifier``/``Regressor`` (one output)."""
    check_version()
    if getattr(est, "n_trees_per_iteration_", 1) != 1:
        raise UnsupportedModel("only single-output gradient boosting is supported")
    try:
        known, fmap = est._bin_mapper.make_known_categories_bitsets()
        baseline = float(np.ravel(est._baseline_prediction)[0])
        trees = []
        for (pred,) in est._predictors[:max_trees]:
            nodes = np.array(pred.nodes)
            missing = [f for f in NODE_FIELDS if f not in (nodes.dtype.names or ())]
            if missing:
                raise KeyError(f"tree nodes lack {missing}")
            trees.append(Tree(nodes, np.asarray(pred.raw_left_cat_bitsets, dtype=np.uint32)))
        encoder = _read_encoder(est)
    except (AttributeError, KeyError, ValueError) as e:
        raise UnsupportedModel(f"unexpected gradient-boosting internals: {e}") from e
    return Booster(baseline, trees, np.asarray(known), np.asarray(fmap), encoder)


def _read_encoder(est: Any) -> Encoder:
    pre = getattr(est, "_preprocessor", None)
    if pre is None:  # no categorical feature: the input as it is
        return Encoder(np.zeros(0, np.int64), np.arange(int(est.n_features_in_)), [])
    enc_name, enc, enc_cols = pre.transformers_[0]
    num_name, _, num_cols = pre.transformers_[1]
    if enc_name != "encoder" or num_name != "numerical":
        raise UnsupportedModel("unexpected gradient-boosting preprocessor")
    known: list[tuple[np.ndarray, float | None]] = []
    for c in enc.categories_:
        cats = np.asarray(c, dtype=np.float64)
        nan = np.isnan(cats)
        known.append((cats[~nan], float(np.flatnonzero(nan)[0]) if nan.any() else None))
    return Encoder(
        np.flatnonzero(np.asarray(enc_cols)), np.flatnonzero(np.asarray(num_cols)), known
    )


def read_calibrator(cc: Any) -> Callable[[np.ndarray], np.ndarray]:
    """One fitted ``_CalibratedClassifier`` → its map of raw score or probability to
    calibrated P(class 1), computed as scikit-learn computes it."""
    check_version()
    (c,) = cc.calibrators
    if cc.method == "isotonic":
        xs, ys = np.asarray(c.X_thresholds_), np.asarray(c.y_thresholds_)
        return lambda t: np.interp(t, xs, ys)
    if cc.method == "sigmoid":
        a, b = float(c.a_), float(c.b_)
        return lambda t: 1.0 / (1.0 + np.exp(a * t + b))
    raise UnsupportedModel(f"unsupported calibration {cc.method!r}")


def raw_predict(est: Any, X: np.ndarray) -> np.ndarray:
    """scikit-learn's own raw scores (rows × outputs), the reference the walk reproduces."""
    return np.asarray(est._raw_predict(X))

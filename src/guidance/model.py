"""The outcome models: one scikit-learn ``Pipeline`` per target, sharing one fitted
``ContextFeatures`` step, so the object evaluated is the object saved and served.

Targets: P(employed at 12 months), P(employed in a trained occupation at 12 months)
(``job_matches_training``), P(completed), and the monthly wage given employment as the
25th/50th/75th percentiles (quantile loss on log wage; quantiles survive the monotone
``exp`` back to VND). Classifiers stop early on a temporal validation slice and are then
calibrated (isotonic when the slice has ≥ 20,000 rows, else sigmoid) on that slice through ``FrozenEstimator``.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline

from guidance import conformal
from guidance.features import ContextFeatures, DemandIndex

CLASSIFIER_TARGETS = ("employed_12m", "job_matches_training", "completed")
WAGE_QUANTILES = (0.25, 0.5, 0.75)
SMALL_BATCH = 20_000
ISOTONIC_MIN_ROWS = 20_000  # below this, isotonic steps cost AUC and Brier on the test split
WAGE_COLUMNS = tuple(f"wage_q{int(q * 100)}" for q in WAGE_QUANTILES)
PREDICTION_COLUMNS = (*(f"p_{t}" for t in CLASSIFIER_TARGETS), *WAGE_COLUMNS)
WAGE_TARGET = "wage"
# What is learnable is decided per target BEFORE fitting (``target_status``):
MIN_CLASS_TRAIN = 20  # fewer positives or negatives than this in the training rows: not fitted
MIN_CLASS_VAL = 5  # fewer of either class in the validation rows: fitted, not calibrated
MIN_WAGE_ROWS = 30  # employed graduates with a wage in the training rows for a wage model
MIN_VAL_WAGE_ROWS = 10  # below this the wage models stop early on a slice of the training rows
# A median monthly wage outside this range is probably in the wrong unit (e.g. thousands VND).
PLAUSIBLE_MEDIAN_WAGE_VND = (1_000_000, 200_000_000)


class TrainingDataError(ValueError):
    """A data problem that stops training: one plain sentence naming table, column, reason."""

    def __init__(self, table: str, column: str | None, reason: str) -> None:
        self.table, self.column, self.reason = table, column, reason
        where = f"{table}.{column}" if column else table
        super().__init__(f"{where}: {reason}")


@dataclass
class TargetStatus:
    """Whether one target is learnt, and why not. ``calibrate`` is False when the
    validation rows hold too few of a class to fit a calibrator or stop early on."""

    target: str
    fitted: bool
    reason: str = ""
    n_positive: int = 0
    n_negative: int = 0
    calibrate: bool = True
    note: str = ""
    # records the target is learnt from: those with the outcome known (contract v1.1 leaves a
    # record with an empty target out of that target only); for ``wage`` the employed ones
    # with a wage
    n_train: int = 0
    n_val: int = 0

    @property
    def label(self) -> str:
        return "fitted" if self.fitted else f"not_fitted: {self.reason}"


def target_status(train: pd.DataFrame, val: pd.DataFrame) -> dict[str, TargetStatus]:
    """Per target (the three classifiers and ``wage``): learnable or not, with the reason."""
    out: dict[str, TargetStatus] = {}
    for t in CLASSIFIER_TARGETS:
        y, _ = target_labels(train, t)
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        yv, _ = target_labels(val, t)
        vpos, vneg = int(yv.sum()), int(len(yv) - yv.sum())
        if len(y) == 0:
            st = TargetStatus(t, False, "no training record has this outcome", pos, neg)
        elif pos == 0 or neg == 0:
            value = "true" if neg == 0 else "false"
            st = TargetStatus(
                t, False, f"constant in the training window (every record is {value})", pos, neg
            )
        elif min(pos, neg) < MIN_CLASS_TRAIN:
            st = TargetStatus(
                t,
                False,
                f"only {min(pos, neg)} "
                f"{'positive' if pos < neg else 'negative'} training records "
                f"(need at least {MIN_CLASS_TRAIN})",
                pos,
                neg,
            )
        else:
            st = TargetStatus(t, True, "", pos, neg)
            if min(vpos, vneg) < MIN_CLASS_VAL:
                st.calibrate = False
                st.note = (
                    f"validation rows hold {vpos} positive / {vneg} negative (need at "
                    f"least {MIN_CLASS_VAL} of each): not calibrated, early stopping on "
                    "a slice of the training rows"
                )
        st.n_train, st.n_val = len(y), len(yv)
        out[t] = st
    w, _ = _log_wage(train)
    wv, _ = _log_wage(val)
    if len(w) < MIN_WAGE_ROWS:
        out[WAGE_TARGET] = TargetStatus(
            WAGE_TARGET,
            False,
            f"only {len(w)} employed training records with a wage (need at least {MIN_WAGE_ROWS})"
            if len(w)
            else "no employed training record has a wage",
            len(w),
            0,
        )
    else:
        out[WAGE_TARGET] = TargetStatus(
            WAGE_TARGET, True, "", len(w), 0, calibrate=len(wv) >= MIN_VAL_WAGE_ROWS
        )
    out[WAGE_TARGET].n_train, out[WAGE_TARGET].n_val = len(w), len(wv)
    return out


def wage_unit_warning(outcomes: pd.DataFrame) -> str | None:
    """A sentence when the median wage of employed graduates is outside a plausible VND range."""
    wage = pd.to_numeric(outcomes["monthly_wage_vnd"], errors="coerce").astype("float64")
    emp = outcomes["employed_12m"].astype("float64") == 1
    w = wage[emp & (wage > 0)]
    if w.empty:
        return None
    med = float(w.median())
    lo, hi = PLAUSIBLE_MEDIAN_WAGE_VND
    if lo <= med <= hi:
        return None
    return (
        f"outcomes.monthly_wage_vnd: median {med:,.0f} VND/month is outside the plausible "
        f"range {lo:,}–{hi:,} VND: check the unit (monthly VND, not thousands or per year)"
    )


class NotFittedClassifier(ClassifierMixin, BaseEstimator):
    """Stands in for a target that was not learnable: every probability is NaN (missing)."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        self.classes_ = np.array([0, 1])
        self.fitted_ = False

    def fit(self, X: Any, y: Any = None) -> NotFittedClassifier:
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.full((len(X), 2), np.nan)

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), np.nan)


class NotFittedRegressor(BaseEstimator):
    """Stands in for the wage models when wages are not learnable: predicts NaN."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        self.fitted_ = False

    def fit(self, X: Any, y: Any = None) -> NotFittedRegressor:
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), np.nan)


@dataclass
class ModelParams:
    """Sizes of the gradient-boosting models (modest: serving scores hundreds of rows)."""

    max_iter: int = 200
    learning_rate: float = 0.1
    max_depth: int = 3
    max_leaf_nodes: int = 8
    min_samples_leaf: int = 200
    l2_regularization: float = 5.0
    n_iter_no_change: int = 20
    n_threads: int = 1  # OpenMP threads for fitting (0 = all cores); see training.pipeline
    blend: bool = True
    linear_max_rows: int = 200_000  # rows (random, seeded) the logistic part is fitted on  # blend boosting with a logistic model (weight chosen on val)
    calibration: str = "auto"  # isotonic with >= ISOTONIC_MIN_ROWS validation rows, else sigmoid
    max_categories: int = 250
    random_state: int = 0
    priors: dict = field(default_factory=dict)


def hgb(
    params: ModelParams,
    cat_mask: np.ndarray,
    *,
    quantile: float | None = None,
    min_samples_leaf: int | None = None,
) -> Any:
    """The unfitted boosting model of ``params``: a classifier, or a quantile regressor of
    ``quantile``; early stopping on, ``cat_mask`` the categorical columns."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    common = dict(
        max_iter=params.max_iter,
        learning_rate=params.learning_rate,
        max_leaf_nodes=params.max_leaf_nodes,
        max_depth=params.max_depth,
        min_samples_leaf=min_samples_leaf or params.min_samples_leaf,
        l2_regularization=params.l2_regularization,
        categorical_features=cat_mask,
        early_stopping=True,
        n_iter_no_change=params.n_iter_no_change,
        random_state=params.random_state,
    )
    if quantile is None:
        return HistGradientBoostingClassifier(**common)
    return HistGradientBoostingRegressor(loss="quantile", quantile=quantile, **common)


def target_labels(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, np.ndarray]:
    """The integer labels of ``target`` where known, and the mask of those rows of ``frame``."""
    y = frame[target].astype("float64").to_numpy()
    ok = ~np.isnan(y)
    return y[ok].astype(int), ok


def _log_wage(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    wage = pd.to_numeric(frame["monthly_wage_vnd"], errors="coerce").astype("float64").to_numpy()
    emp = frame["employed_12m"].astype("float64").to_numpy() == 1
    ok = emp & (wage > 0)
    return np.log(wage[ok]), ok


class LogitBlend(ClassifierMixin, BaseEstimator):
    """Weighted average, in log-odds, of already fitted binary classifiers.

    The demo world is close to additive on the log-odds scale, where a logistic model is
    hard to beat with ~20k rows; boosting adds interactions. Blending the two beat both
    on the temporal validation and test slices (docs/training.md).
    """

    def __init__(self, estimators: Any = (), weights: Any = ()) -> None:
        self.estimators = estimators
        self.weights = weights

    def fit(self, X: Any, y: Any) -> LogitBlend:
        raise NotImplementedError("LogitBlend combines fitted estimators: use LogitBlend.of()")

    @classmethod
    def of(cls, estimators: Any, weights: Any) -> LogitBlend:
        blend = cls(tuple(estimators), tuple(float(w) for w in weights))
        blend.classes_ = np.array([0, 1])
        return blend

    def predict_proba(self, X: Any) -> np.ndarray:
        z = np.zeros(len(X))
        for est, w in zip(self.estimators, self.weights, strict=True):
            if w:
                p = np.clip(est.predict_proba(X)[:, 1], 1e-6, 1 - 1e-6)
                z += w * np.log(p / (1 - p))
        p1 = 1 / (1 + np.exp(-z))
        return np.column_stack([1 - p1, p1])

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def choose_weight(
    p_boost: np.ndarray,
    p_linear: np.ndarray,
    y: np.ndarray,
    grid: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0),
) -> float:
    """Weight of the boosted model that minimises log loss on the validation slice."""
    from sklearn.metrics import log_loss

    lb = np.log(np.clip(p_boost, 1e-6, 1 - 1e-6) / np.clip(1 - p_boost, 1e-6, 1))
    ll = np.log(np.clip(p_linear, 1e-6, 1 - 1e-6) / np.clip(1 - p_linear, 1e-6, 1))
    losses = [log_loss(y, 1 / (1 + np.exp(-(w * lb + (1 - w) * ll))), labels=[0, 1]) for w in grid]
    return float(grid[int(np.argmin(losses))])


def calibration_transfers(
    est: Any, X: np.ndarray, y: np.ndarray, cohorts: np.ndarray, method: str
) -> tuple[bool, dict]:
    """Keep a calibrator only if it helps forward in time: fit it on the older half of the
    validation slice and compare log loss with the raw model on the newer half."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator
    from sklearn.metrics import log_loss

    order = np.argsort(cohorts, kind="stable")
    old, new = order[: len(order) // 2], order[len(order) // 2 :]
    if len(np.unique(y[old])) < 2 or len(new) == 0:
        return True, {
            "raw_logloss_newer_half": float("nan"),
            "calibrated_logloss_newer_half": float("nan"),
        }
    cal = CalibratedClassifierCV(FrozenEstimator(est), method=method).fit(X[old], y[old])
    raw = log_loss(y[new], np.clip(est.predict_proba(X[new])[:, 1], 1e-6, 1 - 1e-6), labels=[0, 1])
    got = log_loss(y[new], np.clip(cal.predict_proba(X[new])[:, 1], 1e-6, 1 - 1e-6), labels=[0, 1])
    return bool(got < raw), {
        "raw_logloss_newer_half": float(raw),
        "calibrated_logloss_newer_half": float(got),
    }


class OutcomeModels:
    """All targets' pipelines; ``predict`` transforms once and runs every final step."""

    # set by ``fit_models`` (bundles saved before an attribute existed may lack it)
    blend_weights: dict[str, float]
    calibration: dict[str, Any]
    target_status: dict[str, str]
    target_details: dict[str, dict[str, Any]]
    empty_features: list[str]
    # conformal numbers per target (``guidance.conformal``); {} or absent: intervals fall
    # back to the sampling-only Wilson interval (older bundles, too few validation groups)
    intervals: dict[str, dict[str, Any]]

    def __init__(
        self,
        features: ContextFeatures,
        pipelines: dict[str, Pipeline],
        params: ModelParams,
        iterations: dict[str, int],
    ) -> None:
        self.features = features
        self.pipelines = pipelines
        self.params = params
        self.iterations = iterations

    def set_demand(self, demand: pd.DataFrame | DemandIndex) -> OutcomeModels:
        """Swap the demand snapshot used by every pipeline (they share the step)."""
        self.features.set_demand(demand)
        return self

    def with_demand(self, demand: pd.DataFrame | DemandIndex) -> OutcomeModels:
        """A copy of this bundle serving ``demand``; this bundle is left unchanged.

        The fitted estimators are shared (read-only); only the feature step is copied, so
        the copy's pipelines run the copy's feature step with the new snapshot.
        """
        new = copy.copy(self)
        new.features = copy.copy(self.features).set_demand(demand)
        new.pipelines = {
            name: Pipeline(
                [(n, new.features if step is self.features else step) for n, step in pipe.steps]
            )
            for name, pipe in self.pipelines.items()
        }
        return new

    def predict(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Every target's prediction for each pair row (one feature pass).

        Small batches run on one OpenMP thread: with several processes on few cores, extra
        threads cost far more than they save (see PERFORMANCE_NOTES, serving).
        """
        if len(pairs) <= SMALL_BATCH:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1, user_api="openmp"):
                return self._predict(pairs)
        return self._predict(pairs)

    def _predict(self, pairs: pd.DataFrame) -> pd.DataFrame:
        return self.predict_features(self.features.transform(pairs), index=pairs.index)

    def predict_features(self, X: np.ndarray, index: Any = None) -> pd.DataFrame:
        """Every target's prediction from an already transformed matrix (same final steps)."""
        out = pd.DataFrame(index=index if index is not None else pd.RangeIndex(len(X)))
        for t in CLASSIFIER_TARGETS:
            out[f"p_{t}"] = self.pipelines[t][-1].predict_proba(X)[:, 1]
        qs = np.column_stack(
            [self.pipelines[f"wage_q{int(q * 100)}"][-1].predict(X) for q in WAGE_QUANTILES]
        )
        qs = np.sort(qs, axis=1)  # quantile models are fitted apart; keep them ordered
        for j, q in enumerate(WAGE_QUANTILES):
            out[f"wage_q{int(q * 100)}"] = np.exp(qs[:, j])
        return out

    def offering_history(self, offerings: pd.DataFrame) -> pd.DataFrame:
        return self.features.offering_history(offerings)

    def feature_names(self) -> list[str]:
        return [str(n) for n in self.features.get_feature_names_out()]

    def input_columns(self) -> list[str]:
        return [str(n) for n in self.features.feature_names_in_]

    def compact(self, months: int = 15) -> OutcomeModels:
        """Keep only the newest demand months in the bundle (the serving snapshot)."""
        d = self.features.demand_
        if isinstance(d, DemandIndex):
            self.features.demand_ = d.compact(months)
        return self

    def describe(self) -> dict:
        return {
            "params": asdict(self.params),
            "iterations": self.iterations,
            "target_status": getattr(self, "target_status", {}),
            "empty_features": getattr(self, "empty_features", []),
            "blend_weights": getattr(self, "blend_weights", {}),
            "calibration": getattr(self, "calibration", {}),
            "intervals": getattr(self, "intervals", {}),
            "features": self.feature_names(),
            "inputs": self.input_columns(),
            "categorical_levels": self.features.cat_levels_,
        }


def fit_models(
    train: pd.DataFrame,
    val: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    params: ModelParams | None = None,
    progress: Any = None,
) -> tuple[OutcomeModels, dict]:
    """Fit features on ``train`` (time-respecting history), stop early and calibrate on ``val``.

    Returns the models and the feature matrices ``{"train": X, "val": X}`` for reuse.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    params = params or ModelParams()
    step = progress or (lambda msg: None)
    ft = ContextFeatures(max_categories=params.max_categories, priors=params.priors or None)
    step("features")
    Xtr = ft.fit_transform(
        train,
        provinces=tables["provinces"],
        occupations=tables["occupations"],
        demand=tables["demand"],
        programmes=tables["programmes"],
    )
    Xva = ft.transform(val)
    mask = ft.categorical_mask_
    # A feature with no value in the training rows (no demand rows, an optional learner
    # column absent, ...) carries no information, and HistGradientBoosting's binning fails
    # on an all-missing column: the trees see it as a constant 0 instead (serving values
    # of that column cannot matter, since no split uses it).
    empty = np.all(np.isnan(Xtr), axis=0) if len(Xtr) else np.zeros(Xtr.shape[1], bool)
    Xtr_fit, Xva_fit = fill_empty(Xtr, empty), fill_empty(Xva, empty)
    status = target_status(train, val)
    pipelines: dict[str, Pipeline] = {}
    iterations: dict[str, int] = {}
    components: dict[str, dict] = {}
    calibration: dict[str, dict] = {}
    for t in CLASSIFIER_TARGETS:
        st = status[t]
        if not st.fitted:
            step(f"model {t}: NOT FITTED ({st.reason})")
            pipelines[t] = Pipeline([("features", ft), ("model", NotFittedClassifier(st.reason))])
            calibration[t] = {"method": "none", "reason": "not fitted"}
            continue
        step(f"model {t}")
        ytr, oktr = target_labels(train, t)
        yva, okva = target_labels(val, t)
        y_all = np.zeros(len(Xtr), dtype=int)
        y_all[oktr] = ytr
        if st.calibrate:
            boost = hgb(params, mask).fit(Xtr_fit[oktr], ytr, X_val=Xva_fit[okva], y_val=yva)
        else:  # too few of a class in val: stop early on 10% of the training rows
            boost = hgb(params, mask).fit(Xtr_fit[oktr], ytr)
        iterations[t] = int(boost.n_iter_)
        rows = np.flatnonzero(oktr)
        if len(rows) > params.linear_max_rows:  # a linear model needs far fewer rows
            rows = np.sort(
                np.random.default_rng(params.random_state).choice(
                    rows, params.linear_max_rows, replace=False
                )
            )
        linear = fit_logistic_baseline(Xtr[rows], y_all[rows], mask, params.random_state)
        w = (
            choose_weight(
                boost.predict_proba(Xva_fit[okva])[:, 1], linear.predict_proba(Xva[okva])[:, 1], yva
            )
            if params.blend and st.calibrate
            else (0.5 if params.blend else 1.0)
        )
        components[t] = {"boost": _FilledColumns(boost, empty), "linear": linear, "weight_boost": w}
        est = LogitBlend.of([_FilledColumns(boost, empty), linear], [w, 1.0 - w])
        final = est
        if not st.calibrate:
            calibration[t] = {"method": "none", "reason": st.note}
        else:
            method = params.calibration
            if method == "auto":
                method = "isotonic" if okva.sum() >= ISOTONIC_MIN_ROWS else "sigmoid"
            cohorts = val["cohort"].to_numpy()[okva]
            keep, check = calibration_transfers(est, Xva[okva], yva, cohorts, method)
            calibration[t] = {"method": method if keep else "none", **check}
            if keep:
                final = CalibratedClassifierCV(FrozenEstimator(est), method=method)
                final.fit(Xva[okva], yva)
        pipelines[t] = Pipeline([("features", ft), ("model", final)])
    ytr, oktr = _log_wage(train)
    yva, okva = _log_wage(val)
    st = status[WAGE_TARGET]
    for q in WAGE_QUANTILES:
        name = f"wage_q{int(q * 100)}"
        if not st.fitted:
            step(f"model {name}: NOT FITTED ({st.reason})")
            pipelines[name] = Pipeline([("features", ft), ("model", NotFittedRegressor(st.reason))])
            continue
        step(f"model {name}")
        est = hgb(params, mask, quantile=q)
        if st.calibrate:
            est.fit(Xtr_fit[oktr], ytr, X_val=Xva_fit[okva], y_val=yva)
        else:
            est.fit(Xtr_fit[oktr], ytr)
        iterations[name] = int(est.n_iter_)
        pipelines[name] = Pipeline([("features", ft), ("model", _FilledColumns(est, empty))])
    models = OutcomeModels(ft, pipelines, params, iterations)
    models.blend_weights = {t: c["weight_boost"] for t, c in components.items()}
    models.calibration = calibration
    models.target_status = {k: v.label for k, v in status.items()}
    models.target_details = {k: asdict(v) for k, v in status.items()}
    models.empty_features = [n for n, e in zip(ft.get_feature_names_out(), empty, strict=True) if e]
    step("intervals (conformal, validation cohorts)")
    models.intervals = fit_intervals(models, val, Xva)
    return models, {"train": Xtr, "val": Xva, "components": components, "status": status}


def fit_intervals(
    models: OutcomeModels, calibration: pd.DataFrame, X: np.ndarray | None = None
) -> dict[str, dict[str, Any]]:
    """Split-conformal numbers per target from held-out cohorts ``calibration`` (training:
    the validation part), see ``guidance.conformal``; ``X``: its feature matrix if made."""
    if len(calibration) == 0:
        return {}
    if X is None:
        X = models.features.transform(calibration)
    preds = models.predict_features(X, index=calibration.index)
    return conformal.fit_intervals(calibration, preds, models.offering_history(calibration))


def fill_empty(X: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """``X`` with its ``empty`` columns (all-missing in training) set to 0 (a copy if any)."""
    if not empty.any():
        return X
    X = X.copy()
    X[:, empty] = 0.0
    return X


class _FilledColumns(BaseEstimator):
    """A fitted tree model whose all-missing training columns are fed as 0 (see
    ``fit_models``). With no such column it is not used (the model is stored bare)."""

    def __new__(cls, est: Any = None, empty: Any = None) -> Any:
        if empty is not None and not np.asarray(empty).any():
            return est  # nothing to fill: keep the plain estimator (fast scorer path)
        return super().__new__(cls)

    def __init__(self, est: Any = None, empty: Any = None) -> None:
        self.est = est
        self.empty = empty
        if est is not None:
            for attr in ("classes_", "n_iter_"):
                if hasattr(est, attr):
                    setattr(self, attr, getattr(est, attr))

    def predict_proba(self, X: Any) -> np.ndarray:
        X = fill_empty(np.asarray(X, dtype="float64"), self.empty)
        return np.asarray(self.est.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.est.predict(fill_empty(np.asarray(X, dtype="float64"), self.empty)))


def fit_logistic_baseline(
    X: np.ndarray, y: np.ndarray, cat_mask: np.ndarray, seed: int = 0
) -> Pipeline:
    """Baseline: logistic regression on the same features (one-hot categoricals, scaled
    numerics, median-imputed) — what a careful analyst would fit first."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats = np.flatnonzero(cat_mask)
    nums = np.flatnonzero(~cat_mask)
    pre = ColumnTransformer(
        [
            (
                "cat",
                Pipeline(
                    [
                        ("imp", SimpleImputer(strategy="constant", fill_value=-1)),
                        ("oh", OneHotEncoder(handle_unknown="ignore", min_frequency=20)),
                    ]
                ),
                cats,
            ),
            (
                "num",
                Pipeline(
                    [
                        ("imp", SimpleImputer(strategy="median", keep_empty_features=True)),
                        ("sc", StandardScaler()),
                    ]
                ),
                nums,
            ),
        ]
    )
    model = Pipeline(
        [("pre", pre), ("lr", LogisticRegression(max_iter=300, C=1.0, random_state=seed))]
    )
    return model.fit(X, y)

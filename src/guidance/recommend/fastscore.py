"""Fast scoring of a shortlist with the SAME fitted models, without the per-call overheads.

Two costs dominate ``OutcomeModels.predict`` on a few hundred rows (measured in
docs/recommend.md): building the feature matrix from pandas pair rows (the demand
features re-aggregate the whole snapshot on every call), and scikit-learn walking each
tree in a Python loop (hundreds of calls per target). Here:

- the models' own feature step, split by side: the offering block is computed ONCE per
  catalogue × demand snapshot, for graduation at or after the snapshot's newest month; a
  request only adds its learner-side columns, once for all its candidates
  (``FastCandidates``: the shortlist proxy and every batch of the adaptive shortlist read
  them). (A start before the snapshot's end moves the study-side demand window: those
  requests go to the pipeline scorer.)
- every tree of every target is flattened into node arrays (``forest``, reading the
  estimators through ``hgb_adapter``) and evaluated in one compiled loop, followed by the
  fitted calibrators (isotonic → ``np.interp``, sigmoid → logistic). The splits on the
  learner's own columns are decided once per request (``FlatForest.fixed``).

At construction the fast path is checked against the pipeline on probe learners; any
difference (or an estimator it does not know) makes ``make_scorer`` fall back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from guidance.demand_figures import LAG
from guidance.features.columns import LEARNER_COLUMNS, RIASEC
from guidance.features.pairs import graduation_month
from guidance.features.transform import OfferingBlock
from guidance.model import CLASSIFIER_TARGETS, PREDICTION_COLUMNS, WAGE_QUANTILES
from guidance.periods import month_of
from guidance.recommend.candidates import Catalogue
from guidance.recommend.forest import Additive, Compiler, FlatForest, Trees, expit
from guidance.recommend.hgb_adapter import ProbeMismatch
from guidance.recommend.scorer import Candidates, PipelineScorer

PROXY_TREES = 10  # booster trees used by the shortlist proxy when there is no linear part
# probe learners of the load-time check: a complete profile and a sparse one
_PROBE = {
    **dict.fromkeys(LEARNER_COLUMNS, 7.0),
    **dict.fromkeys(RIASEC, 0.5),
    **{"age": 30, "education_level": 12, "gpa": 8.5, "riasec_r": 0.9, "riasec_c": 0.1},
    "prior_work_months": 24,
}


class FastScorer:
    """Same predictions as ``PipelineScorer`` (checked at construction), much cheaper."""

    name = "fast"

    def __init__(
        self, models: Any, cat: Catalogue, check: bool = True, kernel: str = "numba"
    ) -> None:
        self.models = models
        self.cat = cat
        ft = models.features
        self.names = [str(n) for n in ft.get_feature_names_out()]
        self.col = {n: i for i, n in enumerate(self.names)}
        comp = Compiler(ft.categorical_sizes())
        self.classifiers = []
        self._proxy_linear: list[Additive] = []
        proxy_boost: list[Any] = []
        for t in CLASSIFIER_TARGETS:
            n_lin, n_boost = len(comp.linear), len(comp.boosters)
            self.classifiers.append(comp.proba(models.pipelines[t][-1]))
            if t == "job_matches_training":
                self._proxy_linear = comp.linear[n_lin:]
                proxy_boost = comp.boosters[n_boost:]
        self.n_boost = len(comp.boosters)
        regs = [models.pipelines[f"wage_q{int(q * 100)}"][-1] for q in WAGE_QUANTILES]
        self.forest = FlatForest(comp.boosters + regs, kernel=kernel)
        # a cheap stand-in for P(job matches training), to choose the shortlist: the
        # blend's logistic part if it has one, else the first trees of its booster
        self.proxy_forest = (
            None
            if self._proxy_linear or not proxy_boost
            else FlatForest(proxy_boost[:1], max_trees=PROXY_TREES, kernel=kernel)
        )
        self.refresh()
        if check:
            self._check()

    def refresh(self) -> None:
        """Recompute the offering block (call after the demand snapshot changes)."""
        ft = self.models.features
        self.demand_t = month_of(ft.demand_.last_period)
        # graduation at the snapshot's newest month: the same columns as any later month
        block = ft.offering_block(self.cat.frame, self.demand_t)
        # such a month reads the newest month and a year before it only
        demand = block.keys.demand.newest(LAG + 1)
        self.block: OfferingBlock = replace(block, keys=replace(block.keys, demand=demand))
        if self._proxy_linear and len(self.cat):
            lin = self._proxy_linear[0]
            moving = set(ft.learner_side())
            fixed = [j for j in range(len(self.names)) if j not in moving]
            self._proxy_fixed = lin.d0 + lin.terms(self.block.matrix, fixed)

    def dependent(
        self, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> dict[int, Any]:
        """The learner-side columns for offerings ``idx`` (the feature step's own
        ``learner_columns``): column → one value for all rows, or one per row."""
        keys = self.block.keys.take(idx)
        cohort = graduation_month(month_of(start_period), keys.duration)
        cols: dict[int, Any] = self.models.features.learner_columns(learner, keys, cohort)
        return cols

    def matrix(self, learner: dict[str, Any], idx: np.ndarray, start_period: str) -> np.ndarray:
        """The models' feature matrix for the learner × offerings ``idx``."""
        X: np.ndarray = self.block.matrix[idx]
        for j, v in self.dependent(learner, idx, start_period).items():
            X[:, j] = v
        return X

    def candidates(self, learner: dict[str, Any], idx: np.ndarray, start_period: str) -> Candidates:
        if month_of(start_period) < self.demand_t:  # the pipeline's (see ``predict``)
            return Candidates(self, learner, idx, start_period)
        return FastCandidates(self, learner, idx, start_period)

    def predict(
        self, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> dict[str, np.ndarray]:
        if len(idx) == 0:
            return {k: np.zeros(0) for k in PREDICTION_COLUMNS}
        if month_of(start_period) < self.demand_t:
            # a start before the snapshot's end moves the demand window: use the pipeline
            return PipelineScorer(self.models, self.cat).predict(learner, idx, start_period)
        return self.predict_matrix(self.matrix(learner, idx, start_period))

    def proxy_match(
        self,
        learner: dict[str, Any],
        idx: np.ndarray,
        start_period: str,
        cols: dict[int, Any] | None = None,
    ) -> np.ndarray:
        """Approximate P(job matches training) for many candidates (ranking only). A linear
        proxy adds the learner-dependent terms to the offerings' own, summed at refresh.
        ``cols``: the learner-side columns of ``idx`` when already computed."""
        if cols is None and (self._proxy_linear or self.proxy_forest is not None):
            cols = self.dependent(learner, idx, start_period)
        if self._proxy_linear:
            lin = self._proxy_linear[0]
            z = self._proxy_fixed[idx].copy()
            for j, v in (cols or {}).items():
                z += lin.term(j, v)
            return np.asarray(expit(z))
        if self.proxy_forest is not None:
            X = self.block.matrix[idx]
            for j, v in (cols or {}).items():
                X[:, j] = v
            return np.asarray(expit(self.proxy_forest.raw(X)[:, 0]))
        return np.full(len(idx), np.nan)

    def predict_matrix(self, X: np.ndarray, trees: Trees | None = None) -> dict[str, np.ndarray]:
        """The figures of the rows of model matrix ``X`` (``trees``: ``FlatForest.raw``)."""
        raw = self.forest.raw(X, trees)
        out = {
            f"p_{t}": f(X, raw) for t, f in zip(CLASSIFIER_TARGETS, self.classifiers, strict=True)
        }
        qs = np.sort(raw[:, self.n_boost :], axis=1)
        for j, q in enumerate(WAGE_QUANTILES):
            out[f"wage_q{int(q * 100)}"] = np.exp(qs[:, j])
        return out

    def _check(self, n: int = 200) -> None:
        """Refuse the fast path unless it reproduces the pipeline on probe learners."""
        cat = self.cat
        if len(cat) == 0:
            return
        rng = np.random.default_rng(0)
        idx = np.sort(rng.choice(len(cat), size=min(n, len(cat)), replace=False))
        ref = PipelineScorer(self.models, cat)
        start = self.models.features.demand_.last_period
        mid = str(cat.prov_codes[len(cat.prov_codes) // 2])
        probes = [
            dict(_PROBE, home_province_code=str(cat.prov_codes[-1])),
            {"age": 16, "home_province_code": mid, "education_level": 9},
        ]
        for p in probes:
            full = {k: p.get(k) for k in LEARNER_COLUMNS}
            want = ref.predict(full, idx, start)
            got = self.predict(full, idx, start)
            for k in PREDICTION_COLUMNS:
                if not np.allclose(got[k], want[k], rtol=1e-9, atol=1e-9, equal_nan=True):
                    raise ProbeMismatch(f"fast path differs from the pipeline on {k}")


class FastCandidates(Candidates):
    """A request's candidates on the fast path: their learner-side columns (the feature
    step's ``learner_columns``, row by row) computed once, for the proxy and every batch."""

    scorer: FastScorer

    def __init__(
        self, scorer: FastScorer, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> None:
        super().__init__(scorer, learner, idx, start_period)
        self.cols = scorer.dependent(learner, idx, start_period)
        # the learner's own columns hold one value for every candidate: the forest's
        # splits on them are decided once for the request
        one = [j for j, v in self.cols.items() if np.ndim(v) == 0]
        x = np.full(len(scorer.names), np.nan)
        x[one] = [self.cols[j] for j in one]
        self.trees = scorer.forest.fixed(x, np.array(one, dtype=np.int64))

    def predict(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        if len(rows) == 0:
            return super().predict(rows)
        X: np.ndarray = self.scorer.block.matrix[self.idx[rows]]
        for j, v in self.cols.items():
            X[:, j] = v if np.ndim(v) == 0 else v[rows]
        return self.scorer.predict_matrix(X, self.trees)

    def proxy_match(self) -> np.ndarray:
        return self.scorer.proxy_match(self.learner, self.idx, self.start_period, self.cols)

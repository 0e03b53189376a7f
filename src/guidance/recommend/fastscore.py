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

from collections.abc import Collection
from dataclasses import replace
from functools import cached_property
from typing import Any

import numpy as np

from guidance.demand_figures import LAG
from guidance.features.columns import LEARNER_COLUMNS, RIASEC
from guidance.features.pairs import graduation_month
from guidance.features.transform import OfferingBlock
from guidance.model import CLASSIFIER_TARGETS, PREDICTION_COLUMNS, WAGE_COLUMNS
from guidance.periods import month_of
from guidance.recommend.candidates import Catalogue
from guidance.recommend.forest import Additive, Compiler, FlatForest, Proba, Trees, expit
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
        self.classifiers: dict[str, Proba] = {}
        # the forest outputs and linear parts each figure reads
        self.reads: dict[str, tuple[set[int], set[int]]] = {}
        for t in CLASSIFIER_TARGETS:
            f, boosters, parts = comp.parts(models.pipelines[t][-1])
            self.classifiers[f"p_{t}"], self.reads[f"p_{t}"] = f, (boosters, parts)
        self.n_boost = len(comp.boosters)
        self.linear: list[Additive] = comp.linear  # the classifiers' additive logistic parts
        regs = [models.pipelines[k][-1] for k in WAGE_COLUMNS]
        self.forest = FlatForest(comp.boosters + regs, kernel=kernel)
        for k in WAGE_COLUMNS:  # the three quantiles are sorted together (never crossing)
            self.reads[k] = (set(range(self.n_boost, self.n_boost + len(regs))), set())
        # a cheap stand-in for P(job matches training), to choose the shortlist: the
        # blend's logistic part if it has one (``proxy_part``: its position in
        # ``linear``), else the first trees of its booster
        boosters, parts = self.reads["p_job_matches_training"]
        self.proxy_part = min(parts, default=None)
        self.proxy_forest = (
            None
            if self.proxy_part is not None or not boosters
            else FlatForest([comp.boosters[min(boosters)]], max_trees=PROXY_TREES, kernel=kernel)
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
        # each linear part's log-odds without the learner-side columns, per offering: a
        # request adds the terms of its own columns (``FastCandidates.linear``)
        moving = set(ft.learner_side())
        fixed = [j for j in range(len(self.names)) if j not in moving]
        self.linear_fixed = [lin.d0 + lin.terms(self.block.matrix, fixed) for lin in self.linear]

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
        return FastCandidates(self, learner, idx, start_period).matrix(np.arange(len(idx)))

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
        return FastCandidates(self, learner, idx, start_period).predict(np.arange(len(idx)))

    def proxy(
        self, learner: dict[str, Any], idx: np.ndarray, start_period: str, figure: str
    ) -> np.ndarray | None:
        """Approximate ``figure`` for many candidates (ranking only; ``FastCandidates``)."""
        return FastCandidates(self, learner, idx, start_period).proxy(figure)

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
    step's ``learner_columns``, row by row) computed once, for the proxy and every batch;
    what the learner's own columns (one value for every candidate) decide is decided once:
    the forest's splits on them, and their terms in each linear part."""

    scorer: FastScorer

    def __init__(
        self, scorer: FastScorer, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> None:
        super().__init__(scorer, learner, idx, start_period)
        cols = scorer.dependent(learner, idx, start_period)
        # the learner's own columns (one value for every candidate), then the per-row ones
        self.own_at = [j for j, v in cols.items() if np.ndim(v) == 0]
        self.row_at = [j for j, v in cols.items() if np.ndim(v) != 0]
        own = {j: float(cols[j]) for j in self.own_at}
        self.own_values = np.array(list(own.values()))
        self.row_matrix = np.array([cols[j] for j in self.row_at], dtype=np.float64).reshape(
            len(self.row_at), len(idx)
        )
        linear = scorer.linear
        tabled = set().union(*(lin.tables for lin in linear))  # categorical columns
        # the linear parts' terms of the learner's own columns, summed once
        num = [j for j in own if j not in tabled]
        u = np.array([own[j] for j in num])
        self.own_terms = [
            np.where(np.isnan(u), lin.nan_off[num], u * lin.slope[num]).sum()
            + sum((lin.term(j, v) for j, v in own.items() if j in tabled), 0.0)
            for lin in linear
        ]
        # the per-row numeric columns' terms are slope × value, or the NaN offset
        # (columns × candidates: a sum over columns is then one vector add per column)
        numeric = np.array([j not in tabled for j in self.row_at], dtype=bool)
        V = self.row_matrix[numeric]
        self.row_missing = np.isnan(V)
        self.row_values = np.where(self.row_missing, 0.0, V)
        num = np.array(self.row_at, dtype=np.int64)[numeric]
        self.row_slope = [lin.slope[num][:, None] for lin in linear]
        self.row_nan_off = [lin.nan_off[num][:, None] for lin in linear]
        self.row_tabled = [
            (j, v) for j, v in zip(self.row_at, self.row_matrix, strict=True) if j in tabled
        ]

    @cached_property
    def trees(self) -> Trees | None:
        x = np.full(len(self.scorer.names), np.nan)
        x[self.own_at] = self.own_values
        return self.scorer.forest.fixed(x, np.array(self.own_at, dtype=np.int64))

    def linear(self, rows: np.ndarray | slice, parts: Collection[int]) -> np.ndarray:
        """Log-odds of the linear parts for candidates ``idx[rows]`` (rows × parts, in
        ``FastScorer.linear`` order; NaN but for ``parts``): the offerings' terms
        (``FastScorer.linear_fixed``), the learner's own, then the per-row columns'."""
        sc, idx = self.scorer, self.idx[rows]
        v, missing = self.row_values[:, rows], self.row_missing[:, rows]
        out = []
        for part in range(len(sc.linear)):
            if part not in parts:
                out.append(np.full(len(idx), np.nan))
                continue
            z = sc.linear_fixed[part][idx] + self.own_terms[part]
            if len(v):  # slope × value, or the NaN offset (exactly: 0 × slope is 0)
                z += (v * self.row_slope[part] + missing * self.row_nan_off[part]).sum(axis=0)
            for j, values in self.row_tabled:
                z += sc.linear[part].term(j, values[rows])
            out.append(z)
        return np.column_stack(out) if out else np.zeros((len(idx), 0))

    def matrix(self, rows: np.ndarray | slice) -> np.ndarray:
        """The models' feature matrix of candidates ``idx[rows]``."""
        X: np.ndarray = self.scorer.block.matrix[self.idx[rows]]
        X[:, self.own_at] = self.own_values
        X[:, self.row_at] = self.row_matrix[:, rows].T
        return X

    def predict(
        self, rows: np.ndarray, figures: Collection[str] = PREDICTION_COLUMNS
    ) -> dict[str, np.ndarray]:
        if len(rows) == 0:
            return super().predict(rows)
        sc = self.scorer
        X = self.matrix(rows)
        # walk only the trees of the figures read
        outputs = set().union(*(sc.reads[k][0] for k in figures))
        raw = sc.forest.raw(X, self.trees, tuple(sorted(outputs)))
        if sc.linear:
            parts = set().union(*(sc.reads[k][1] for k in figures))
            raw = np.hstack([raw, self.linear(rows, parts)])
        out = {k: f(X, raw) for k, f in sc.classifiers.items() if k in figures}
        if any(k in figures for k in WAGE_COLUMNS):
            qs = np.sort(raw[:, sc.n_boost : sc.forest.baselines.shape[0]], axis=1)
            for j, k in enumerate(WAGE_COLUMNS):
                out[k] = np.exp(qs[:, j])
        return out

    def proxy(self, figure: str) -> np.ndarray | None:
        """A classifier's probability from its blend's logistic part alone (``linear``); for
        P(job in the trade) without one, the first trees of its booster; else None."""
        sc, everyone = self.scorer, slice(None)
        parts = sc.reads[figure][1] if figure in sc.classifiers else set()
        if len(parts) == 1:
            (part,) = parts
            return np.asarray(expit(self.linear(everyone, parts)[:, part]))
        if figure == "p_job_matches_training" and sc.proxy_forest is not None:
            return np.asarray(expit(sc.proxy_forest.raw(self.matrix(everyone))[:, 0]))
        return None

"""Model scoring of a shortlist: ``PipelineScorer``, the reference path; the fast path of
``fastscore`` (both must agree, tested); and ``make_scorer``, which chooses."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any, Protocol

import numpy as np

from guidance.features import serving_pairs
from guidance.model import PREDICTION_COLUMNS
from guidance.recommend.candidates import Catalogue

log = logging.getLogger("guidance.recommend")


class Scorer(Protocol):
    name: str

    def predict(
        self, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> dict[str, np.ndarray]: ...

    def candidates(
        self, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> Candidates: ...

    def refresh(self) -> None: ...


class Candidates:
    """One request's candidates ``idx`` (catalogue positions), scored a batch at a time:
    ``rows`` are positions in ``idx``. A scorer may compute what the batches of a request
    share once (``fastscore.FastCandidates``)."""

    def __init__(
        self, scorer: Any, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> None:
        self.scorer, self.learner, self.idx, self.start_period = scorer, learner, idx, start_period

    def predict(
        self, rows: np.ndarray, figures: Collection[str] = PREDICTION_COLUMNS
    ) -> dict[str, np.ndarray]:
        """The models' figures for candidates ``idx[rows]``: at least ``figures`` (a
        scorer may give more: the pipeline gives them all)."""
        out: dict[str, np.ndarray] = self.scorer.predict(
            self.learner, self.idx[rows], self.start_period
        )
        return out

    def proxy(self, figure: str) -> np.ndarray | None:
        """The scorer's cheap stand-in for ``figure`` (a classifier's probability) for every
        candidate, to rank them before scoring (None: it has none)."""
        proxy = getattr(self.scorer, "proxy", None)
        return None if proxy is None else proxy(self.learner, self.idx, self.start_period, figure)


class PipelineScorer:
    """Reference scorer: ``serving_pairs`` + ``OutcomeModels.predict``."""

    name = "pipeline"

    def __init__(self, models: Any, cat: Catalogue, fallback_cause: str | None = None) -> None:
        self.models = models
        self.cat = cat
        self.fallback_cause = fallback_cause  # why the fast path is not used (None: chosen)

    def predict(
        self, learner: dict[str, Any], idx: np.ndarray, start_period: str
    ) -> dict[str, np.ndarray]:
        if len(idx) == 0:
            return {c: np.zeros(0) for c in PREDICTION_COLUMNS}
        pairs = serving_pairs(learner, self.cat.frame.iloc[idx], start_period)
        out = self.models.predict(pairs)
        return {c: out[c].to_numpy(dtype="float64") for c in PREDICTION_COLUMNS}

    def candidates(self, learner: dict[str, Any], idx: np.ndarray, start_period: str) -> Candidates:
        return Candidates(self, learner, idx, start_period)

    def refresh(self) -> None:
        """Nothing is cached here (the fast path recomputes its offering block)."""


def make_scorer(
    models: Any, cat: Catalogue, kind: str = "fast", *, kernel: str = "numba", check: bool = True
) -> Scorer:
    """``"fast"``: the compiled fast path, or the pipeline scorer when it cannot be built
    (scikit-learn version not tested, unknown estimator, probe mismatch, any error), with a
    warning on the ``guidance.recommend`` logger carrying ``fallback_cause`` (counted in
    ``/metrics`` by the API) and the cause kept on the scorer; ``"pipeline"``: the
    reference path. ``kernel``: the fast path's forest walk (``forest.KERNELS``); ``check``
    False skips the load-time probe — only for a caller that has seen it pass on the same
    bundle, catalogue, demand and libraries (the command line's probe record)."""
    if kind == "pipeline":
        return PipelineScorer(models, cat)
    if kind != "fast":
        raise ValueError(f"unknown scorer {kind!r}")
    try:
        # imported here: fastscore imports this module (PipelineScorer) and numba
        from guidance.recommend.fastscore import FastScorer

        return FastScorer(models, cat, check=check, kernel=kernel)
    except Exception as e:  # noqa: BLE001 - any failure of the accelerator falls back
        cause = str(getattr(e, "cause", "error"))  # hgb_adapter.UnsupportedModel.cause
        log.warning(
            "fast scorer refused (%s: %s): using the pipeline scorer",
            cause,
            e,
            extra={"fallback_cause": cause},
        )
        return PipelineScorer(models, cat, fallback_cause=cause)

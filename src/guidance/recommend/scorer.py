"""Model scoring of a shortlist: one ``OutcomeModels.predict`` call per request.

``PipelineScorer`` builds the contract pair rows and calls the fitted pipeline, the
reference path. ``guidance.recommend.fastscore`` holds the fast path used by default when
the bundle's structure allows it; both must agree (tested).
"""

from __future__ import annotations

import numpy as np

from guidance.features import serving_pairs
from guidance.model import PREDICTION_COLUMNS
from guidance.recommend.candidates import Catalogue


class PipelineScorer:
    """Reference scorer: ``serving_pairs`` + ``OutcomeModels.predict``."""

    name = "pipeline"

    def __init__(self, models, cat: Catalogue):
        self.models = models
        self.cat = cat

    def predict(self, learner: dict, idx: np.ndarray, start_period: str) -> dict[str, np.ndarray]:
        if len(idx) == 0:
            return {c: np.zeros(0) for c in PREDICTION_COLUMNS}
        pairs = serving_pairs(learner, self.cat.frame.iloc[idx], start_period)
        out = self.models.predict(pairs)
        return {c: out[c].to_numpy(dtype="float64") for c in PREDICTION_COLUMNS}

    def refresh(self) -> None:
        """Nothing is cached here (the fast path recomputes its demand columns)."""

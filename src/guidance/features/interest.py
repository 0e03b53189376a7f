"""Interest fit: the learner's RIASEC profile against the Holland letters of an offering's
target occupations (THE definition, used by the model's feature and the ranking), and the
profile correlation the model also reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

LETTER_WEIGHTS = (1.0, 0.6, 0.3)  # strongest Holland letter counts most


def riasec_vector(letters: object) -> np.ndarray:
    """Holland letters (e.g. ``"RIC"``) → a 6-vector in R, I, A, S, E, C order."""
    vec = np.zeros(6)
    if isinstance(letters, str):
        for w, ch in zip(LETTER_WEIGHTS, letters.strip().upper(), strict=False):
            if ch in "RIASEC":
                vec["RIASEC".index(ch)] += w
    return vec


def occupation_vectors(occupations: pd.DataFrame) -> dict[str, np.ndarray]:
    """occupation code → RIASEC vector, for occupations with Holland letters."""
    if "riasec" not in occupations:
        return {}
    return {
        str(code): riasec_vector(r)
        for code, r in zip(occupations["occupation_code"], occupations["riasec"], strict=True)
        if isinstance(r, str)
    }


def offering_vectors(target_sets: Iterable[Any], occ_vec: Mapping[str, np.ndarray]) -> np.ndarray:
    """Per ``;``-separated set of target occupations: the mean vector of its occupations
    with letters (zeros when none has)."""
    sets = list(target_sets)
    out = np.zeros((len(sets), 6))
    for i, t in enumerate(sets):
        vecs = [occ_vec[c] for c in str(t).split(";") if c in occ_vec]
        if vecs:
            out[i] = np.mean(vecs, axis=0)
    return out


def interest_fit(learner: np.ndarray, offering: np.ndarray) -> np.ndarray:
    """Cosine similarity of learner and offering vectors along the last axis (broadcast);
    NaN where either vector is zero or the learner's has a missing value."""
    lv = np.asarray(learner, dtype="float64")
    ov = np.asarray(offering, dtype="float64")
    num = np.sum(lv * ov, axis=-1)
    den = np.linalg.norm(lv, axis=-1) * np.linalg.norm(ov, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = np.asarray(num / den, dtype="float64")
    return np.where(np.isfinite(fit), fit, np.nan)


def interest_correlation(learner: np.ndarray, offering: np.ndarray) -> np.ndarray:
    """Profile correlation (Pearson, over the six RIASEC values) of learner and offering
    vectors along the last axis: ``interest_fit`` of the vectors centred on their own means,
    so it compares the shapes of the two profiles, not their overall height. A model
    feature beside ``interest_fit``; NaN where either profile is flat or missing."""
    lv = np.asarray(learner, dtype="float64")
    ov = np.asarray(offering, dtype="float64")
    return interest_fit(lv - lv.mean(axis=-1, keepdims=True), ov - ov.mean(axis=-1, keepdims=True))

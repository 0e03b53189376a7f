"""The utility: a weighted sum of named components, so the breakdown adds up to the score.
The components are the fields of ``types.Weights`` (each described there), all oriented so
that larger is better; the demand component is ``OfferingSide.demand_component``."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from guidance.recommend.types import COMPONENTS, Weights
from guidance.stats.definitions import Z90
from guidance.stats.definitions import wilson_interval as stats_wilson

COST_SCALE_VND = 100_000_000.0
DISTANCE_SCALE_KM = 500.0
PRIOR_GRADUATES = 20.0  # pseudo-graduates behind every estimate (the offering-level prior)


def components(
    p_match: ArrayLike,
    p_emp: ArrayLike,
    p_comp: ArrayLike,
    wage_q50: ArrayLike,
    *,
    reference_wage: float,
    demand: ArrayLike,
    interest: ArrayLike,
    total_tuition: ArrayLike,
    distance_km: ArrayLike,
    relocate: bool,
) -> dict[str, np.ndarray]:
    """Component values (unweighted), one array per name in ``COMPONENTS``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        wage = np.clip(np.log(np.asarray(wage_q50, float) / reference_wage), -1.0, 1.0)
    dist = (
        np.zeros_like(distance_km) if relocate else -np.nan_to_num(distance_km) / DISTANCE_SCALE_KM
    )
    return {
        "match": np.asarray(p_match, float),
        "employed": np.asarray(p_emp, float),
        "completion": np.asarray(p_comp, float),
        "wage": np.nan_to_num(wage),
        "demand": np.asarray(demand, float),
        "interest": np.nan_to_num(interest),
        "cost": -np.nan_to_num(total_tuition) / COST_SCALE_VND,
        "distance": dist,
    }


def weighted(comps: dict[str, np.ndarray], weights: Weights) -> tuple[np.ndarray, dict]:
    """(score, weighted breakdown): ``score == sum(breakdown.values())`` exactly."""
    w = weights.model_dump()
    parts = {k: w[k] * comps[k] for k in COMPONENTS}
    score = sum((parts[k] for k in COMPONENTS), np.zeros_like(parts["match"]))
    return score, parts


def wilson_interval(p: np.ndarray, n_graduates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """90% Wilson interval around the model's probability with an effective sample size of
    the offering's graduates plus the prior's pseudo-graduates: wide when evidence is thin
    (the interval of the published statistics, ``stats.definitions.wilson_interval``)."""
    n = np.asarray(n_graduates, float) + PRIOR_GRADUATES
    return stats_wilson(p, n, Z90)

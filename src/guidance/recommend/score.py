"""The utility: a weighted sum of named components, so the breakdown adds up to the score.
The components are the fields of ``types.Weights`` (each described there), all oriented so
that larger is better; the demand component is ``OfferingSide.demand_component``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from guidance import conformal
from guidance.model import WAGE_COLUMNS
from guidance.recommend.types import COMPONENTS, Weights
from guidance.stats.definitions import Z90
from guidance.stats.definitions import wilson_interval as stats_wilson

COST_SCALE_VND = 100_000_000.0
DISTANCE_SCALE_KM = 500.0
PRIOR_GRADUATES = 20.0  # pseudo-graduates behind every estimate (the offering-level prior)
INTERVAL_LEVEL = conformal.LEVEL
Z80 = 1.2815515655446004  # two-sided 80% of a normal distribution
# Item.intervals key -> the prediction it brackets
INTERVAL_FIGURES = {
    "employed_12m": "p_employed_12m",
    "job_matches_training": "p_job_matches_training",
    "completed": "p_completed",
    "wage_q50": "wage_q50",
}
# the models' figures each component of the utility reads (the others read none: demand,
# interest, cost and distance are the offering's and the request's own)
COMPONENT_FIGURES: dict[str, tuple[str, ...]] = {
    "match": ("p_job_matches_training",),
    "employed": ("p_employed_12m",),
    "completion": ("p_completed",),
    "wage": WAGE_COLUMNS,  # the median after the three quantiles are sorted
}
# how far below the estimate the ranking reads P(job in the trade), in standard deviations of
# the offering's uncertainty (``lower_match``): the low end of an 80% interval, the level every
# interval states; measured on the oracle (benchmarks/thin_evidence.py, docs/recommend.md)
EVIDENCE_Z = Z80


def figure_components(
    figures: Mapping[str, ArrayLike], reference_wage: float
) -> dict[str, np.ndarray]:
    """The values (unweighted) of the components read from the models' ``figures``
    (``COMPONENT_FIGURES``); ``own_components`` gives the others."""
    with np.errstate(divide="ignore", invalid="ignore"):
        wage = np.clip(np.log(np.asarray(figures["wage_q50"], float) / reference_wage), -1.0, 1.0)
    return {
        "match": np.asarray(figures["p_job_matches_training"], float),
        "employed": np.asarray(figures["p_employed_12m"], float),
        "completion": np.asarray(figures["p_completed"], float),
        "wage": np.nan_to_num(wage),
    }


def own_components(
    *,
    demand: ArrayLike,
    interest: ArrayLike,
    total_tuition: ArrayLike,
    distance_km: ArrayLike,
    relocate: bool,
) -> dict[str, np.ndarray]:
    """The values (unweighted) of the components that read no model: the offering's and
    the request's own (computed once per request for all its candidates)."""
    dist = (
        np.zeros_like(distance_km) if relocate else -np.nan_to_num(distance_km) / DISTANCE_SCALE_KM
    )
    return {
        "demand": np.asarray(demand, float),
        "interest": np.nan_to_num(interest),
        "cost": -np.nan_to_num(total_tuition) / COST_SCALE_VND,
        "distance": dist,
    }


def figures_read(weights: Weights) -> tuple[str, ...]:
    """The models' figures a utility with these ``weights`` reads: a component weighted 0
    adds 0 to every score whatever its figures, so they need not be computed to rank."""
    w = weights.model_dump()
    return tuple(f for c, fs in COMPONENT_FIGURES.items() if w[c] for f in fs)


def weighted(comps: Mapping[str, np.ndarray], w: Mapping[str, float]) -> tuple[np.ndarray, dict]:
    """(score, weighted breakdown): ``score == sum(breakdown.values())`` exactly."""
    parts = {k: w[k] * comps[k] for k in COMPONENTS}
    score = sum((parts[k] for k in COMPONENTS), np.zeros_like(parts["match"]))
    return score, parts


def wilson_interval(p: np.ndarray, n_graduates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """90% Wilson interval around the model's probability with an effective sample size of
    the offering's graduates plus the prior's pseudo-graduates: wide when evidence is thin
    (the interval of the published statistics, ``stats.definitions.wilson_interval``)."""
    n = np.asarray(n_graduates, float) + PRIOR_GRADUATES
    return stats_wilson(p, n, Z90)


def item_intervals(
    calibration: Mapping[str, Mapping[str, Any]] | None,
    preds: Mapping[str, ArrayLike],
    n_graduates: ArrayLike,
    n_per_year: ArrayLike,
) -> tuple[dict[str, list[list[float | None]]], list[str]]:
    """The ONE place serving states intervals: per ``INTERVAL_FIGURES`` key, one
    ``[low, high]`` per offering, at ``INTERVAL_LEVEL``.

    With the bundle's conformal numbers (``OutcomeModels.intervals``) each interval includes
    the models' error for that much evidence and the sampling noise of a year's graduates
    (``guidance.conformal.bounds``). A target without them (a bundle made before, too few
    validation groups, numbers of another form) falls back to the sampling-only Wilson
    interval with the prior's pseudo-graduates (rates) or no interval (wage); those targets
    are returned second, so the item says so (flag ``interval_without_model_error``)."""
    calibration = calibration or {}
    n_hist = np.asarray(n_graduates, dtype="float64")
    out: dict[str, list[list[float | None]]] = {}
    fallback: list[str] = []
    for key, figure in INTERVAL_FIGURES.items():
        p = np.asarray(preds[figure], dtype="float64")
        calib = calibration.get(key)
        if not conformal.usable(calib):
            calib = None
        spread = None
        if key == "wage_q50" and calib is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                spread = (
                    np.log(np.asarray(preds["wage_q75"], float))
                    - np.log(np.asarray(preds["wage_q25"], float))
                ) / conformal.IQR_TO_SD
        ok = np.isfinite(p)
        if calib is not None:
            lo, hi = conformal.bounds(calib, p, n_hist, n_per_year, spread)
        else:
            if ok.any():  # a figure the bundle did not learn has no interval to explain
                fallback.append(key)
            if key == "wage_q50":
                lo = hi = np.full(len(p), np.nan)
            else:
                lo, hi = stats_wilson(p, n_hist + PRIOR_GRADUATES, Z80)
        ok &= np.isfinite(lo) & np.isfinite(hi)
        out[key] = [
            [float(a), float(b)] if good else [None, None]
            for a, b, good in zip(np.asarray(lo), np.asarray(hi), ok, strict=True)
        ]
    return out, fallback


def lower_match(
    calibration: Mapping[str, Mapping[str, Any]] | None,
    p_match: ArrayLike,
    n_graduates: ArrayLike,
    z: float = EVIDENCE_Z,
) -> np.ndarray:
    """The cautious P(job in the trade) the ranking uses: ``z`` standard deviations of the
    offering's uncertainty below the estimate — the models' error for its evidence stratum
    (``conformal.lower_plausible``, none without conformal numbers) plus a binomial term
    with its graduates (counted up to ``MIN_CELL``) and the prior's ``PRIOR_GRADUATES``.
    ``z = 0`` returns ``p_match``."""
    p = np.asarray(p_match, dtype="float64")
    if not z:
        return p
    found = (calibration or {}).get("job_matches_training")
    calib: Mapping[str, Any] = found if found is not None and conformal.usable(found) else {}
    return conformal.lower_plausible(calib, p, n_graduates, PRIOR_GRADUATES, z)

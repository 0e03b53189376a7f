"""One definition of the published demand figures (pure core, no I/O).

Used by the recommender (``recommend/offerings.py``: the demand of an offering's target
occupations) and by supply against demand (``stats/supply_demand.py``). Arrays carry the
months on their LAST axis, oldest first, the newest month of the snapshots last.

- **current** (``current_mean``): the mean of the newest ``WINDOW`` (3) months;
- **a year earlier** (``lagged_mean``): the mean of the ``WINDOW`` months ending 12 months
  before the newest (NaN when the snapshots do not reach back that far);
- **vacancies per job seeker** (``per_seeker``): current vacancies / current job seekers,
  only where job seekers were reported (``known`` > 0) and are > 0, else NaN;
- **yearly trend** (``yearly_trend``): ``current / a year earlier − 1`` where a year earlier
  is > 0, else NaN;
- **projection** to a month ``m`` months ahead (``projection``): today's value carried forward
  by ``TREND_DAMPING`` (half) of the yearly trend, the trend clipped to ``TREND_CLIP`` and
  a missing trend taken as 0: ``x · (1 + clip(trend))^(0.5 · m / 12)`` — a deliberately
  cautious extrapolation.

A different trend (``log((v+1)/(lag+1))``) is a model input in ``features.DemandIndex``;
it is a feature, not a published figure, and is not this one.
"""

from __future__ import annotations

import numpy as np

WINDOW = 3  # months averaged for "current" demand
LAG = 12  # the trend compares with the same window a year earlier
TREND_DAMPING = 0.5  # share of the yearly trend assumed to continue until graduation
TREND_CLIP = (-0.5, 1.0)


def current_mean(a: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean over the newest ``window`` months (fewer when there are fewer) of the last axis."""
    a = np.asarray(a, dtype="float64")
    n = a.shape[-1]
    if n == 0:
        return np.full(a.shape[:-1], np.nan)
    return a[..., max(0, n - window) :].mean(axis=-1)


def lagged_mean(a: np.ndarray, window: int = WINDOW, lag: int = LAG) -> np.ndarray:
    """Mean over the ``window`` months ending ``lag`` months before the newest (the months
    ``n−lag−window .. n−lag−1``, fewer at the start); NaN when ``n ≤ lag``."""
    a = np.asarray(a, dtype="float64")
    hi = a.shape[-1] - lag
    if hi <= 0:
        return np.full(a.shape[:-1], np.nan)
    return a[..., max(0, hi - window) : hi].mean(axis=-1)


def per_seeker(vacancies, seekers, known=None) -> np.ndarray:
    """Vacancies per registered job seeker; NaN where no job-seeker count was reported
    (``known`` ≤ 0, when given) or it is 0."""
    v = np.asarray(vacancies, dtype="float64")
    s = np.asarray(seekers, dtype="float64")
    ok = s > 0
    if known is not None:
        ok &= np.asarray(known, dtype="float64") > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, v / s, np.nan)


def yearly_trend(now, year_earlier) -> np.ndarray:
    """``now / year_earlier − 1`` where a year earlier is > 0 (NaN otherwise)."""
    n = np.asarray(now, dtype="float64")
    lag = np.asarray(year_earlier, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lag > 0, n / lag - 1.0, np.nan)


def projection(value, trend, months_ahead) -> np.ndarray:
    """``value`` carried ``months_ahead`` months forward by half the yearly trend (clipped
    to ``TREND_CLIP``; a missing trend counts as 0, i.e. no change)."""
    tr = np.clip(np.nan_to_num(np.asarray(trend, dtype="float64"), nan=0.0), *TREND_CLIP)
    m = np.asarray(months_ahead, dtype="float64")
    return np.asarray(value, dtype="float64") * (1.0 + tr) ** (TREND_DAMPING * m / 12.0)

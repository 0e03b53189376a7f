"""One definition of the published demand figures (pure core, no I/O).

Used by the recommender (``recommend/offerings.py``: the demand of an offering's target
occupations) and by supply against demand (``stats/supply_demand.py``). Arrays carry the
months on their LAST axis, oldest first, the newest month of the snapshots last.

- **current** (``current_mean``): the mean of the newest ``WINDOW`` (3) months;
- **a year earlier** (``lagged_mean``): the mean of the ``WINDOW`` months ending 12 months
  before the newest (NaN when the snapshots do not reach back that far);
- **vacancies per job seeker** (``per_seeker``): current vacancies / current job seekers,
  only where job seekers were reported (``known`` > 0) and are > 0, else NaN;
- **yearly ratio** (``yearly_ratio``): ``current / a year earlier`` where a year earlier is
  > 0, else NaN; the **yearly trend** (``yearly_trend``) is that ratio − 1;
- **projection** to a month ``m`` months ahead (``projection``): today's value carried forward
  by ``TREND_DAMPING`` (half) of the yearly trend, the trend clipped to ``TREND_CLIP`` and
  a missing trend taken as 0: ``x · (1 + clip(trend))^(0.5 · m / 12)`` — a deliberately
  cautious extrapolation.

The windowed mean (``trailing_mean``, default ``WINDOW``) and the yearly ratio are also what
the model's demand features use (``features.demand``): the model's trend input is
``log(yearly_ratio(v + 1, lag + 1))`` (one vacancy added on each side keeps empty months
finite), a transform of the same ratio, not a second definition.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

WINDOW = 3  # months averaged for "current" demand
LAG = 12  # the trend compares with the same window a year earlier
TREND_DAMPING = 0.5  # share of the yearly trend assumed to continue until graduation
TREND_CLIP = (-0.5, 1.0)


def trailing_mean(a: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """THE windowed mean: at every month of the last axis, the mean over that month and the
    ``window − 1`` before it (fewer at the start)."""
    a = np.asarray(a, dtype="float64")
    c = np.cumsum(a, axis=-1)
    out = c.copy()
    out[..., window:] = c[..., window:] - c[..., :-window]
    counts = np.minimum(np.arange(1, a.shape[-1] + 1), window)
    return np.asarray(out / counts)


def current_mean(a: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean over the newest ``window`` months (fewer when there are fewer) of the last axis."""
    a = np.asarray(a, dtype="float64")
    if a.shape[-1] == 0:
        return np.full(a.shape[:-1], np.nan)
    return np.asarray(trailing_mean(a, window)[..., -1])


def lagged_mean(a: np.ndarray, window: int = WINDOW, lag: int = LAG) -> np.ndarray:
    """Mean over the ``window`` months ending ``lag`` months before the newest (the months
    ``n−lag−window .. n−lag−1``, fewer at the start); NaN when ``n ≤ lag``."""
    a = np.asarray(a, dtype="float64")
    hi = a.shape[-1] - lag
    if hi <= 0:
        return np.full(a.shape[:-1], np.nan)
    return np.asarray(trailing_mean(a[..., :hi], window)[..., -1])


def per_seeker(
    vacancies: ArrayLike, seekers: ArrayLike, known: ArrayLike | None = None
) -> np.ndarray:
    """Vacancies per registered job seeker; NaN where no job-seeker count was reported
    (``known`` ≤ 0, when given) or it is 0."""
    v = np.asarray(vacancies, dtype="float64")
    s = np.asarray(seekers, dtype="float64")
    ok = s > 0
    if known is not None:
        ok &= np.asarray(known, dtype="float64") > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, v / s, np.nan)


def yearly_ratio(now: ArrayLike, year_earlier: ArrayLike) -> np.ndarray:
    """``now / year_earlier`` where a year earlier is > 0 (NaN otherwise)."""
    n = np.asarray(now, dtype="float64")
    lag = np.asarray(year_earlier, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lag > 0, n / lag, np.nan)


def yearly_trend(now: ArrayLike, year_earlier: ArrayLike) -> np.ndarray:
    """``yearly_ratio − 1``: the relative change against a year earlier (NaN when unknown)."""
    return yearly_ratio(now, year_earlier) - 1.0


def projection(value: ArrayLike, trend: ArrayLike, months_ahead: ArrayLike) -> np.ndarray:
    """``value`` carried ``months_ahead`` months forward by half the yearly trend (clipped
    to ``TREND_CLIP``; a missing trend counts as 0, i.e. no change)."""
    tr = np.clip(np.nan_to_num(np.asarray(trend, dtype="float64"), nan=0.0), *TREND_CLIP)
    m = np.asarray(months_ahead, dtype="float64")
    return np.asarray(np.asarray(value, dtype="float64") * (1.0 + tr) ** (TREND_DAMPING * m / 12.0))

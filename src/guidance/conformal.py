"""Intervals that include the model's error: split conformal at the offering-group level.

A *group* is one offering's graduates of one 12-month window of cohorts (what "next year's
graduates of this offering" would be). For each group of the held-out calibration cohorts
(the training pipeline's validation part) we compare the observed rate with the models'
mean prediction for its graduates. The conformity score is the residual scaled by the
noise we expect for that group::

    s_g = |observed_g − predicted_g| / sqrt(tau2[evidence] + p(1 − p) / n_ref)

``tau2`` is the models' own error variance between groups (method of moments: mean squared
residual minus the binomial part, never negative), estimated per *evidence* stratum of the
offering's history — ``new`` (no graduates), ``small`` (fewer than ``MIN_CELL``),
``established`` — and never smaller for thinner evidence than for thicker (a stratum with too
few groups borrows the next thicker one's). ``n_ref`` is the group size the interval is
stated for: the offering's graduates per 12 months in the bundle's history (the median
calibration group size when it has none). The stated interval is ``p ± q·sqrt(...)`` with
``q`` the finite-sample conformal quantile of the scores, so 80% of groups fall inside by
construction on the calibration cohorts; ``coverage`` measures it on other cohorts.

The median wage works the same way on the log scale: the observed median log wage of a
group's employed graduates against the predicted median, with the sampling variance of a
median, ``(π/2)·σ²/n``, ``σ`` read from the predicted quartiles (IQR / 1.349).

Pure numpy/pandas; the numbers are a plain dict (stored in the model bundle and its JSON
metadata). ``bounds`` is the one formula; serving applies it through
``recommend.score.item_intervals``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from guidance.features import MIN_CELL
from guidance.periods import period_index

LEVEL = 0.8  # the stated coverage of every interval
RATE_TARGETS = ("employed_12m", "job_matches_training", "completed")
WAGE = "wage_q50"
TARGETS = (*RATE_TARGETS, WAGE)
STRATA = ("new", "small", "established")  # evidence behind an offering, thinnest first
MIN_STRATUM_GROUPS = 30  # fewer calibration groups: the stratum borrows the thicker one's tau2
MIN_GROUPS = 20  # fewer calibration groups in all: no conformal numbers for that target
WINDOW_MONTHS = 12  # a group: one offering's graduates of 12 months of cohorts
IQR_TO_SD = 1.349  # interquartile range of a normal distribution in standard deviations
MEDIAN_VAR = math.pi / 2  # variance of a sample median over the mean's, normal data


def stratum_codes(n_hist: Any) -> np.ndarray:
    """0 ``new`` (no graduates), 1 ``small`` (< MIN_CELL), 2 ``established``."""
    n = np.asarray(n_hist, dtype="float64")
    return np.where(n <= 0, 0, np.where(n < MIN_CELL, 1, 2)).astype("int64")


def yearly_graduates(n_hist: Any, first: Any, last: Any) -> np.ndarray:
    """Graduates per 12 months of cohorts in an offering's history (NaN: no history)."""
    n = np.asarray(n_hist, dtype="float64")
    f = pd.Series(first, dtype="object")
    la = pd.Series(last, dtype="object")
    known = (f.notna() & la.notna()).to_numpy() & (n > 0)
    span = np.ones(len(n))
    if known.any():
        months = period_index(la[known]) - period_index(f[known]) + 1
        span[known] = np.maximum(months / WINDOW_MONTHS, 1.0)
    return np.where(known, n / span, np.nan)


def groups(
    frame: pd.DataFrame, preds: pd.DataFrame, history: pd.DataFrame, target: str
) -> pd.DataFrame:
    """One row per offering group of ``frame`` (its records' cohorts within one window):
    ``n``, ``observed``, ``predicted`` (mean prediction; for the wage the median log wage and
    the mean predicted log median), ``spread`` (wage: σ of log wage), ``n_hist``, ``n_ref``."""
    t = period_index(frame["cohort"])
    window = (t - t.min()) // WINDOW_MONTHS if len(t) else t
    hist_ref = yearly_graduates(
        history["n_graduates"], history["first_cohort"], history["last_cohort"]
    )
    base = pd.DataFrame(
        {
            "programme_id": frame["programme_id"].astype("str").to_numpy(),
            "window": window,
            "n_hist": history["n_graduates"].to_numpy(dtype="float64"),
            "n_ref": hist_ref,
        }
    )
    if target == WAGE:
        wage = pd.to_numeric(frame["monthly_wage_vnd"], errors="coerce").to_numpy("float64")
        ok = (frame["employed_12m"].astype("float64").to_numpy() == 1) & (wage > 0)
        q25, q50, q75 = (preds[f"wage_q{q}"].to_numpy("float64") for q in (25, 50, 75))
        with np.errstate(divide="ignore", invalid="ignore"):
            base["y"] = np.log(np.where(ok, wage, np.nan))
            base["p"] = np.log(q50)
            base["spread"] = (np.log(q75) - np.log(q25)) / IQR_TO_SD
        agg = {"observed": ("y", "median"), "spread": ("spread", "mean")}
    else:
        y = frame[target].astype("float64").to_numpy()
        ok = ~np.isnan(y)
        base["y"], base["p"] = y, preds[f"p_{target}"].to_numpy("float64")
        agg = {"observed": ("y", "mean")}
    base = base[ok & np.isfinite(base["p"].to_numpy())]
    out = base.groupby(["programme_id", "window"], sort=True).agg(
        n=("y", "size"),
        predicted=("p", "mean"),
        n_hist=("n_hist", "first"),
        n_ref=("n_ref", "first"),
        **agg,
    )
    return out.reset_index()


def _noise(
    calib: Mapping[str, Any], predicted: np.ndarray, n: np.ndarray, spread: Any
) -> np.ndarray:
    """Sampling variance of a group's observed value, at group size ``n``."""
    if calib["kind"] == "log_median":
        s = np.asarray(spread, dtype="float64") if spread is not None else calib["spread"]
        return np.asarray(MEDIAN_VAR * np.square(s) / n)
    p = np.clip(predicted, 0.0, 1.0)
    return np.asarray(p * (1 - p) / n)


def _tau2(calib: Mapping[str, Any], strata: np.ndarray) -> np.ndarray:
    tau2 = np.asarray([calib["tau2"][s] for s in STRATA], dtype="float64")
    return np.asarray(tau2[strata])


def fit_target(table: pd.DataFrame, target: str, level: float = LEVEL) -> dict[str, Any] | None:
    """The conformal numbers of one target from its calibration groups (None when fewer
    than ``MIN_GROUPS`` groups)."""
    g = table[np.isfinite(table["observed"].to_numpy("float64"))]
    if len(g) < MIN_GROUPS:
        return None
    kind = "log_median" if target == WAGE else "rate"
    n_default = float(np.median(g["n"]))
    calib: dict[str, Any] = {
        "kind": kind,
        "level": float(level),
        "n_default": n_default,
    }
    if kind == "log_median":
        calib["spread"] = float(np.nanmedian(g["spread"]))
    p = g["predicted"].to_numpy("float64")
    n = g["n"].to_numpy("float64")
    spread = g["spread"].to_numpy("float64") if kind == "log_median" else None
    # the models' error between groups: residual variance minus the sampling part
    excess = np.square(g["observed"].to_numpy("float64") - p) - _noise(calib, p, n, spread)
    strata = stratum_codes(g["n_hist"])
    tau2: dict[str, float] = {}
    est = max(float(np.mean(excess)), 0.0)
    calib["groups_per_stratum"] = {}
    for code in (2, 1, 0):  # thickest first: a thinner stratum never gets less error
        name = STRATA[code]
        m = strata == code
        calib["groups_per_stratum"][name] = int(m.sum())
        if m.sum() >= MIN_STRATUM_GROUPS:
            own = max(float(np.mean(excess[m])), 0.0)
            est = own if code == 2 else max(est, own)
        tau2[name] = est
    calib["tau2"] = tau2
    # signed scores, a quantile per tail (each holds (1 − level) / 2 of the groups): a
    # model that under- or over-predicts on the calibration cohorts gets a lopsided interval
    scores = np.sort(_scores(calib, g))
    tail = (1 - level) / 2
    eps = 1e-9  # (1 - 0.8) / 2 is 0.0999…: ranks must not fall on the wrong side of 3.0
    lo_rank = math.floor((len(scores) + 1) * tail + eps)
    hi_rank = min(math.ceil((len(scores) + 1) * (1 - tail) - eps), len(scores))
    # the interval always holds the estimate itself (a lopsided one still brackets it)
    calib["q_low"] = min(float(scores[max(lo_rank, 1) - 1]), 0.0)
    calib["q_high"] = max(float(scores[hi_rank - 1]), 0.0)
    calib["n_groups"] = len(scores)
    return calib


def _scores(calib: Mapping[str, Any], g: pd.DataFrame) -> np.ndarray:
    """The conformity score of each group, at the group size the interval is stated for."""
    centre = g["predicted"].to_numpy("float64")
    spread = g["spread"].to_numpy("float64") if calib["kind"] == "log_median" else None
    sd = _sd(calib, centre, g["n_hist"], g["n_ref"], spread)
    return np.asarray((g["observed"].to_numpy("float64") - centre) / sd)


def _sd(
    calib: Mapping[str, Any], centre: np.ndarray, n_hist: Any, n_ref: Any, spread: Any
) -> np.ndarray:
    """sqrt(models' error for this evidence + sampling noise of a group of ``n_ref``)."""
    n = np.asarray(n_ref, dtype="float64")
    n = np.maximum(np.where(np.isfinite(n), n, calib["n_default"]), 1.0)
    tau2 = _tau2(calib, stratum_codes(n_hist))
    return np.asarray(np.sqrt(tau2 + _noise(calib, centre, n, spread)))


REQUIRED = ("kind", "level", "n_default", "tau2", "q_low", "q_high")


def usable(calib: Any) -> bool:
    """Are these conformal numbers complete and of this version's form? (A bundle written by
    another version may hold other numbers: serving then falls back, and says so.)"""
    if not isinstance(calib, Mapping) or any(k not in calib for k in REQUIRED):
        return False
    if calib["kind"] not in ("rate", "log_median") or calib["level"] != LEVEL:
        return False
    if calib["kind"] == "log_median" and "spread" not in calib:
        return False
    tau2 = calib["tau2"]
    return isinstance(tau2, Mapping) and all(
        isinstance(tau2.get(s), int | float) and math.isfinite(tau2[s]) for s in STRATA
    )


def bounds(
    calib: Mapping[str, Any],
    predicted: Any,
    n_hist: Any,
    n_ref: Any,
    spread: Any = None,
    *,
    q: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The stated interval ``predicted ± q·sqrt(tau2[evidence] + noise(n_ref))``: rates
    clipped to [0, 1]; the wage in VND (``predicted`` is then the median wage in VND and
    ``spread`` the σ of log wage, or None for the calibration median)."""
    q_low, q_high = (calib["q_low"], calib["q_high"]) if q is None else q
    p = np.asarray(predicted, dtype="float64")
    if calib["kind"] == "log_median":
        with np.errstate(divide="ignore", invalid="ignore"):
            centre = np.log(p)
        sd = _sd(calib, centre, n_hist, n_ref, spread)
        return np.exp(centre + q_low * sd), np.exp(centre + q_high * sd)
    sd = _sd(calib, p, n_hist, n_ref, None)
    return np.clip(p + q_low * sd, 0.0, 1.0), np.clip(p + q_high * sd, 0.0, 1.0)


def lower_plausible(
    calib: Mapping[str, Any], p: Any, n_hist: Any, prior: float, z: float
) -> np.ndarray:
    """A cautious value of an offering's *true* rate: ``p − z·sqrt(tau2[evidence] +
    p(1 − p)/(min(n_hist, MIN_CELL) + prior))`` — the models' error for that much evidence
    plus what the offering's own graduates leave uncertain (``prior`` pseudo-graduates behind
    every estimate). Thin evidence is marked down more; from ``MIN_CELL`` graduates (enough
    to show an observed rate) every offering is marked down alike, so established offerings
    compete on their estimates, not on their size. Clipped to [0, 1]."""
    p = np.asarray(p, dtype="float64")
    n = np.asarray(n_hist, dtype="float64")
    tau2 = _tau2(calib, stratum_codes(n)) if calib else 0.0
    evidence = np.clip(n, 0, MIN_CELL) + prior
    var = tau2 + np.clip(p, 0, 1) * (1 - np.clip(p, 0, 1)) / evidence
    return np.asarray(np.clip(p - z * np.sqrt(var), 0.0, 1.0))


def fit_intervals(
    frame: pd.DataFrame, preds: pd.DataFrame, history: pd.DataFrame, level: float = LEVEL
) -> dict[str, dict]:
    """Conformal numbers per target (``TARGETS``) from calibration cohorts ``frame``, the
    models' predictions for its rows and the bundle's history of their offerings
    (``OutcomeModels.offering_history``). A target without enough groups is left out."""
    out = {}
    for target in TARGETS:
        if target == WAGE and preds[WAGE].isna().all():
            continue
        if target != WAGE and preds[f"p_{target}"].isna().all():
            continue
        calib = fit_target(groups(frame, preds, history, target), target, level)
        if calib is not None:
            out[target] = calib
    return out


def coverage(
    intervals: Mapping[str, Mapping[str, Any]],
    frame: pd.DataFrame,
    preds: pd.DataFrame,
    history: pd.DataFrame,
) -> dict[str, dict[str, float]]:
    """Per target: the share of ``frame``'s offering groups whose observed value falls in the
    stated interval (``coverage``), the number of groups and the mean width (rates in
    points of probability; wage relative to the median)."""
    out = {}
    for target, calib in intervals.items():
        g = groups(frame, preds, history, target)
        g = g[np.isfinite(g["observed"].to_numpy("float64"))]
        if g.empty:
            continue
        if calib["kind"] == "log_median":
            lo, hi = bounds(
                calib,
                np.exp(g["predicted"].to_numpy("float64")),
                g["n_hist"],
                g["n_ref"],
                g["spread"].to_numpy("float64"),
            )
            obs = np.exp(g["observed"].to_numpy("float64"))
            width = (hi - lo) / np.exp(g["predicted"].to_numpy("float64"))
        else:
            lo, hi = bounds(calib, g["predicted"], g["n_hist"], g["n_ref"])
            obs = g["observed"].to_numpy("float64")
            width = hi - lo
        inside = (obs >= lo - 1e-12) & (obs <= hi + 1e-12)
        thin = stratum_codes(g["n_hist"]) < 2
        out[target] = {
            "level": calib["level"],
            "coverage": float(inside.mean()),
            "n_groups": float(len(g)),
            "mean_width": float(np.mean(width)),
            "coverage_thin": float(inside[thin].mean()) if thin.any() else float("nan"),
            "n_groups_thin": float(thin.sum()),
        }
    return out

"""Honest evaluation: time splits, metrics, calibration, slices, fairness and baselines.

Pure functions over arrays and frames; plotting and logging live in ``training``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from guidance.periods import period_index


def time_split(cohorts: pd.Series, *, test_months: int = 12, val_months: int = 12) -> pd.Series:
    """Label rows ``train`` / ``val`` / ``test`` by graduation month: the newest
    ``test_months`` of cohorts are the test set, the ``val_months`` before them validation."""
    t = period_index(cohorts)
    last = t.max()
    labels = np.where(
        t > last - test_months,
        "test",
        np.where(t > last - test_months - val_months, "val", "train"),
    )
    return pd.Series(labels, index=cohorts.index, name="split")


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: bin-size-weighted |observed − predicted| over equal-width bins."""
    tab = reliability_table(y, p, bins)
    if tab["n"].sum() == 0:
        return float("nan")
    return float(np.sum(tab["n"] * np.abs(tab["observed"] - tab["predicted"])) / tab["n"].sum())


def reliability_table(y: ArrayLike, p: ArrayLike, bins: int = 10) -> pd.DataFrame:
    """Per equal-width probability bin: count, mean prediction, observed rate."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    n = np.bincount(idx, minlength=bins)
    sp = np.bincount(idx, weights=p, minlength=bins)
    sy = np.bincount(idx, weights=y, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        tab = pd.DataFrame(
            {"bin_low": np.arange(bins) / bins, "n": n, "predicted": sp / n, "observed": sy / n}
        )
    return tab[tab["n"] > 0].reset_index(drop=True)


def binary_metrics(y: ArrayLike, p: ArrayLike) -> dict[str, float]:
    """ROC AUC, Brier, log loss and ECE (AUC is NaN when only one class is present)."""
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    y_a = np.asarray(y, dtype=int)
    p_a = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    both = len(np.unique(y_a)) == 2
    return {
        "n": float(len(y_a)),
        "auc": float(roc_auc_score(y_a, p_a)) if both else float("nan"),
        "brier": float(brier_score_loss(y_a, p_a)) if len(y_a) else float("nan"),
        "log_loss": float(log_loss(y_a, p_a, labels=[0, 1])) if len(y_a) else float("nan"),
        "ece": ece(y_a, p_a),
        "observed": float(y_a.mean()) if len(y_a) else float("nan"),
        "predicted": float(p_a.mean()) if len(p_a) else float("nan"),
    }


def pinball(y: ArrayLike, q_pred: ArrayLike, alpha: float) -> float:
    """Mean pinball (quantile) loss at level ``alpha``."""
    d = np.asarray(y, dtype=float) - np.asarray(q_pred, dtype=float)
    return float(np.mean(np.maximum(alpha * d, (alpha - 1) * d)))


def wage_metrics(wage: ArrayLike, preds: pd.DataFrame) -> dict[str, float]:
    """Pinball loss per quantile, MAE of the median and interval coverage (VND)."""
    wage = np.asarray(wage, dtype=float)
    out = {f"pinball_q{q}": pinball(wage, preds[f"wage_q{q}"], q / 100) for q in (25, 50, 75)}
    out["mae_q50"] = float(np.mean(np.abs(wage - preds["wage_q50"].to_numpy())))
    inside = (wage >= preds["wage_q25"].to_numpy()) & (wage <= preds["wage_q75"].to_numpy())
    out["coverage_50"] = float(inside.mean()) if len(wage) else float("nan")
    out["n"] = float(len(wage))
    return out


def slice_metrics(y: ArrayLike, p: ArrayLike, groups: pd.Series, min_n: int = 30) -> pd.DataFrame:
    """Binary metrics per group value; groups smaller than ``min_n`` are flagged."""
    y, p = np.asarray(y), np.asarray(p)
    g = groups.astype("str").fillna("unknown").to_numpy()
    rows = []
    for value in sorted(set(g)):
        m = g == value
        rec = {"group": value, **binary_metrics(y[m], p[m])}
        rec["small"] = bool(m.sum() < min_n)
        rows.append(rec)
    return pd.DataFrame(rows)


def fairness_report(y: ArrayLike, p: ArrayLike, groups: pd.Series, min_n: int = 100) -> dict:
    """Per group: observed rate, mean prediction, gap (predicted − observed) and ECE.

    Summary: ``max_abs_gap`` (largest |gap| among groups with ≥ ``min_n`` rows) and
    ``calibration_gap`` (largest minus smallest group ECE). Groups below ``min_n`` are
    reported as insufficient data, not as a pass.
    """
    tab = slice_metrics(y, p, groups, min_n=min_n)
    tab["gap"] = tab["predicted"] - tab["observed"]
    big = tab[~tab["small"]]
    return {
        "groups": tab[["group", "n", "observed", "predicted", "gap", "ece", "auc", "small"]],
        "max_abs_gap": float(big["gap"].abs().max()) if len(big) else float("nan"),
        "calibration_gap": float(big["ece"].max() - big["ece"].min()) if len(big) > 1 else 0.0,
        "insufficient": [str(v) for v in tab.loc[tab["small"], "group"]],
    }


def code_province_rates(
    train: pd.DataFrame, rows: pd.DataFrame, target: str, prior: float = 10.0
) -> np.ndarray:
    """Baseline: rate per programme_code × study province, additively smoothed to the global
    rate with ``prior`` pseudo-graduates; unseen cells get the global rate."""
    y = train[target].astype("float64")
    g = float(y.mean())
    keys = ["programme_code", "province_code"]
    agg = train.assign(_y=y).groupby(keys, observed=True)["_y"].agg(["sum", "count"])
    rate = (agg["sum"] + prior * g) / (agg["count"] + prior)
    got = rate.reindex(pd.MultiIndex.from_frame(rows[keys].astype("str")))
    out: np.ndarray = got.fillna(g).to_numpy()
    return out


def beats(model: dict, baselines: dict[str, dict]) -> tuple[bool, list[str]]:
    """Does the model beat every baseline in AUC (higher) and Brier (lower)? With reasons."""
    reasons = []
    for name, m in baselines.items():
        if not np.isnan(m["auc"]) and not model["auc"] > m["auc"]:
            reasons.append(f"AUC {model['auc']:.4f} ≤ {name} {m['auc']:.4f}")
        if not model["brier"] < m["brier"]:
            reasons.append(f"Brier {model['brier']:.4f} ≥ {name} {m['brier']:.4f}")
    return not reasons, reasons

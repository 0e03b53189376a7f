"""Figures logged with each run (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits


def _plt():
    # lazy: matplotlib is heavy to import; only drawing needs it
    import matplotlib

    matplotlib.use("Agg")
    # lazy: matplotlib is heavy to import; only drawing needs it
    import matplotlib.pyplot as plt

    return plt


def reliability_plot(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """Observed rate against mean prediction per probability bin, one panel per target."""
    plt = _plt()
    if not tables:  # no classifier was fitted
        fig, ax = plt.subplots(figsize=(4.2, 4))
        ax.text(0.5, 0.5, "no classifier fitted", ha="center", va="center")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path
    fig, axes = plt.subplots(1, len(tables), figsize=(4.2 * len(tables), 4), squeeze=False)
    for ax, (target, tab) in zip(axes[0], tables.items(), strict=True):
        ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
        ax.scatter(tab["predicted"], tab["observed"], s=20 + 180 * tab["n"] / tab["n"].max())
        ax.plot(tab["predicted"], tab["observed"], lw=1)
        ax.set(title=target, xlabel="mean predicted", ylabel="observed", xlim=(0, 1), ylim=(0, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def importance_plot(importance: pd.Series, path: Path, title: str) -> Path:
    """Horizontal bars of the top features."""
    plt = _plt()
    top = importance.sort_values().tail(20)
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(top) + 1))
    ax.barh(top.index, top.to_numpy())
    ax.set(title=title, xlabel="drop in ROC AUC when permuted")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def permutation_importance(
    models,
    test: pd.DataFrame,
    target: str,
    *,
    max_rows: int = 1000,
    repeats: int = 2,
    seed: int = 0,
) -> pd.Series:
    """Permutation importance (AUC drop) of the final step on a sample of test rows."""
    # lazy: scikit-learn is heavy to import; only this path needs it
    from sklearn.inspection import permutation_importance as pi

    y = test[target].astype("float64").to_numpy()
    ok = np.flatnonzero(~np.isnan(y))
    rng = np.random.default_rng(seed)
    idx = rng.choice(ok, size=min(max_rows, len(ok)), replace=False)
    X = models.features.transform(test.iloc[idx])
    with threadpool_limits(1, user_api="openmp"):  # many small predicts: threads only contend
        res = pi(
            models.pipelines[target][-1],
            X,
            y[idx].astype(int),
            scoring="roc_auc",
            n_repeats=repeats,
            random_state=seed,
        )
    return pd.Series(res.importances_mean, index=models.feature_names())

"""Compiled inner loops (numba). Imported lazily by ``forest``: compiling happens at the
first call in a process (cached on disk next to this file when it is writable), which
``FastScorer`` triggers while it checks itself against the pipeline at load time, never
inside a request."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def forest_raw(
    wide: np.ndarray,
    roots: np.ndarray,
    tree_out: np.ndarray,
    baselines: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    missing_left: np.ndarray,
    is_cat: np.ndarray,
    cat_row: np.ndarray,
    cat_table: np.ndarray,
    value: np.ndarray,
) -> np.ndarray:
    """Sum of the leaf values of every tree per row and output, starting from each output's
    baseline, the way HistGradientBoosting's predictor walks a tree: NaN and (for
    categorical splits) negative values follow ``missing_left``; a categorical value picks
    its side from the node's 256-entry table; a numeric value goes left when
    ``value <= threshold``."""
    n_rows = wide.shape[0]
    out = np.empty((n_rows, baselines.shape[0]))
    for i in range(n_rows):
        for m in range(baselines.shape[0]):
            out[i, m] = baselines[m]
        for t in range(roots.shape[0]):
            node = roots[t]
            while left[node] != node:
                v = wide[i, feature[node]]
                if np.isnan(v) or (is_cat[node] and v < 0):
                    go = missing_left[node]
                elif is_cat[node]:
                    go = cat_table[cat_row[node], min(int(v), 255)]
                else:
                    go = v <= threshold[node]
                node = left[node] if go else right[node]
            out[i, tree_out[t]] += value[node]
    return out

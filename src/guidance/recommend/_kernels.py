"""Compiled inner loops (numba). Imported lazily by ``forest``: compiling happens at the
first call in a process (cached on disk next to this file when it is writable), which
``FastScorer`` triggers while it checks itself against the pipeline at load time, never
inside a request.

The split test is written out in each loop: a shared helper taking the node arrays is
several times slower in numba (measured), even inlined."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def one_valued(wide: np.ndarray) -> np.ndarray:
    """Per column: does it hold one value (NaN counts as one) in every row?"""
    n_rows, n_cols = wide.shape
    same = np.zeros(n_cols, np.bool_)
    if n_rows == 0:
        return same
    for j in range(n_cols):
        v0 = wide[0, j]
        ok = True
        for i in range(1, n_rows):
            v = wide[i, j]
            if not (v == v0 or (np.isnan(v) and np.isnan(v0))):
                ok = False
                break
        same[j] = ok
    return same


@numba.njit(nogil=True, cache=True)
def specialize(
    row: np.ndarray,
    same: np.ndarray,
    roots: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    missing_left: np.ndarray,
    is_cat: np.ndarray,
    cat_row: np.ndarray,
    cat_table: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(roots, left, right) with every split on a column ``same`` (one value in all the
    rows to score, ``row``'s: a learner's own columns, in a request) decided once: such a
    node is replaced by the child every row would take. Walking the result reaches the
    same leaf for every row as walking the full trees, in fewer steps. Children come after
    their parent in the node arrays (checked by ``FlatForest``), so one backward pass
    suffices."""
    n = left.shape[0]
    target = np.empty(n, np.int64)
    new_left = left.copy()
    new_right = right.copy()
    for node in range(n - 1, -1, -1):
        if left[node] == node:  # a leaf
            target[node] = node
        elif same[feature[node]]:
            v = row[feature[node]]
            if is_cat[node]:
                if np.isnan(v) or v < 0:
                    go = missing_left[node]
                else:
                    go = cat_table[cat_row[node], min(int(v), 255)]
            elif np.isnan(v):
                go = missing_left[node]
            else:
                go = v <= threshold[node]
            target[node] = target[left[node]] if go else target[right[node]]
        else:
            target[node] = node
            new_left[node] = target[left[node]]
            new_right[node] = target[right[node]]
    new_roots = np.empty_like(roots)
    for t in range(roots.shape[0]):
        new_roots[t] = target[roots[t]]
    return new_roots, new_left, new_right


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
    ``value <= threshold``. One tree at a time for all rows (its nodes stay in cache);
    each row still adds its trees' leaves in tree order."""
    n_rows = wide.shape[0]
    out = np.empty((n_rows, baselines.shape[0]))
    for i in range(n_rows):
        for m in range(baselines.shape[0]):
            out[i, m] = baselines[m]
    for t in range(roots.shape[0]):
        root = roots[t]
        o = tree_out[t]
        for i in range(n_rows):
            node = root
            while left[node] != node:
                v = wide[i, feature[node]]
                if is_cat[node]:
                    if np.isnan(v) or v < 0:
                        go = missing_left[node]
                    else:
                        go = cat_table[cat_row[node], min(int(v), 255)]
                elif np.isnan(v):
                    go = missing_left[node]
                else:
                    go = v <= threshold[node]
                node = left[node] if go else right[node]
            out[i, o] += value[node]
    return out

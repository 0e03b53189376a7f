"""Compiled inner loops (numba). Imported lazily by ``forest``: compiling happens at the
first call in a process (cached on disk next to this file when it is writable), which
``FastScorer`` triggers while it checks itself against the pipeline at load time, never
inside a request.

The split test (``goes_left``) takes one node's values, not the node arrays: with the
arrays, the walk is several times slower in numba (measured), even inlined; with scalars,
the compiled loops are the same instructions as the test written out in each."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def one_valued(wide: np.ndarray) -> np.ndarray:
    """Per column: does it hold one value (NaN counts as one) in every row (at least one)?"""
    n_rows, n_cols = wide.shape
    same = np.zeros(n_cols, np.bool_)
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


@numba.njit(inline="always")
def goes_left(
    v: float, is_cat: bool, missing_left: bool, threshold: float, tables: np.ndarray, cat_row: int
) -> bool:
    """Does ``v`` go left at a node, as HistGradientBoosting's predictor decides: NaN and
    (for categorical splits) negative values follow ``missing_left``; a categorical value
    picks its side from the node's 256-entry table (row ``cat_row`` of ``tables``); a
    numeric value goes left when ``v <= threshold``."""
    if is_cat:
        if np.isnan(v) or v < 0:
            return missing_left
        return bool(tables[cat_row, min(int(v), 255)])
    if np.isnan(v):
        return missing_left
    return v <= threshold


@numba.njit(nogil=True, cache=True)
def specialize(
    row: np.ndarray,
    same: np.ndarray,
    roots: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
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
            go = goes_left(
                v, is_cat[node], missing_left[node], threshold[node], cat_table, cat_row[node]
            )
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
    left: np.ndarray,
    right: np.ndarray,
    tree_out: np.ndarray,
    baselines: np.ndarray,
    value: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    missing_left: np.ndarray,
    is_cat: np.ndarray,
    cat_row: np.ndarray,
    cat_table: np.ndarray,
) -> np.ndarray:
    """Sum of the leaf values of every tree per row and output, starting from each output's
    baseline. One tree at a time for all rows (its nodes stay in cache); each row still
    adds its trees' leaves in tree order."""
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
                go = goes_left(
                    v, is_cat[node], missing_left[node], threshold[node], cat_table, cat_row[node]
                )
                node = left[node] if go else right[node]
            out[i, o] += value[node]
    return out

"""Offering lineage (predecessor chains) and the offering history: observed outcome rates
per lineage, shrunk along global → field → programme code → code × region → offering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from guidance.periods import period_label
from guidance.stats.definitions import indicators
from guidance.stats.definitions import rate as observed_rate


def lineage_ids(frame: pd.DataFrame) -> dict[str, str]:
    """programme_id → the oldest offering in its ``predecessor_id`` chain (cycle-safe)."""
    rows = frame[["programme_id", "predecessor_id"]].drop_duplicates("programme_id")
    pred = {
        p: str(q)
        for p, q in zip(rows["programme_id"].astype("str"), rows["predecessor_id"], strict=True)
        if pd.notna(q)
    }
    out = {}
    for pid in rows["programme_id"].astype("str"):
        root, seen = pid, {pid}
        while root in pred and pred[root] not in seen:
            root = pred[root]
            seen.add(root)
        out[pid] = root
    return out


# -- offering history (hierarchical empirical-Bayes shrinkage) ------------------------------
HISTORY_TARGETS = ("employed_12m", "job_matches_training", "completed", "log_wage")
HISTORY_LEVELS = (
    ("field", ("field_code",)),
    ("code", ("programme_code",)),
    ("code_region", ("programme_code", "region")),
    ("offering", ("lineage",)),
)
DEFAULT_PRIORS = {
    "field": 200.0,
    "code": 100.0,
    "code_region": 50.0,
    "offering": 20.0,
    "institution": 50.0,
}
MIN_CELL = 20  # fewer graduates than this are never shown as an observed rate
SUM_COLUMNS = [f"{p}_{t}" for t in HISTORY_TARGETS for p in ("s", "n")]
# every level the rates are summed at: the chain and, beside it, the institution
SUMMED_LEVELS = (*HISTORY_LEVELS, ("institution", ("institution_id",)))
# Shown, never learnt from: observed shares per offering lineage (``stats.definitions``
# counts), name -> (numerator, denominator). Employment at 6 months and the 12-month
# formal / informal / self-employed split (the three add up to employment at 12 months).
OBSERVED_ONLY = {
    "employed_6m": ("employed_6m", "answered_6m"),
    "formal_12m": ("formal", "answered_12m"),
    "informal_12m": ("informal", "answered_12m"),
    "self_employed_12m": ("self_employed", "answered_12m"),
}
# the counts behind ``OBSERVED_ONLY``, each once
_SPLIT_COUNTS = list(dict.fromkeys(c for pair in OBSERVED_ONLY.values() for c in pair))
_SPLIT_INPUTS = ("employment_type", "employed_6m", "employed_12m", "completed")


def _row_keys(frame: pd.DataFrame, cols: Sequence[str]) -> Any:
    """Each row's key in a table grouped by ``cols`` (a plain value for one column)."""
    if len(cols) == 1:
        return frame[cols[0]].to_numpy()
    return pd.MultiIndex.from_frame(frame[list(cols)])


class OfferingHistory:
    """Observed outcome rates per offering lineage, shrunk along global → field → programme
    code → programme code × region → offering: ``p_l = (S_l + k_l p_{l-1}) / (n_l + k_l)``."""

    def __init__(self, priors: dict | None = None):
        self.priors = {**DEFAULT_PRIORS, **(priors or {})}

    @staticmethod
    def values(X: pd.DataFrame) -> pd.DataFrame:
        """Per-record outcome values (NaN where the record says nothing about a target)."""
        out = pd.DataFrame(index=X.index)
        for t in HISTORY_TARGETS[:3]:
            out[t] = X[t].astype("float64")
        wage = pd.to_numeric(X["monthly_wage_vnd"], errors="coerce").astype("float64")
        emp = X["employed_12m"].astype("float64") == 1
        out["log_wage"] = np.where(emp & (wage > 0), np.log(wage.where(wage > 0)), np.nan)
        return out

    def fit(self, keys: pd.DataFrame, X: pd.DataFrame) -> OfferingHistory:
        sums = self._sums(keys, self.values(X))
        self.global_ = sums[SUM_COLUMNS].sum()
        self.totals_ = {
            name: sums.groupby(list(cols), observed=True)[SUM_COLUMNS].sum()
            for name, cols in SUMMED_LEVELS
        }
        self.span_ = keys.groupby("lineage")["cohort_t"].agg(["min", "max"])
        # graduating years seen (``cohort_t`` counts months since year 0)
        self.span_["years"] = (keys["cohort_t"] // 12).groupby(keys["lineage"]).nunique()
        self.split_ = self._split_counts(keys, X)
        return self

    @staticmethod
    def _split_counts(keys: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
        """Per lineage, the counts behind ``OBSERVED_ONLY`` (empty without the columns)."""
        if any(c not in X.columns for c in _SPLIT_INPUTS):
            return pd.DataFrame(columns=_SPLIT_COUNTS, dtype="float64")
        rec = X.assign(
            job_matches_training=X.get("job_matches_training", np.nan),
            monthly_wage_vnd=X.get("monthly_wage_vnd", np.nan),
        )
        ind = indicators(rec)[_SPLIT_COUNTS].astype("float64")
        return ind.groupby(keys["lineage"].to_numpy()).sum()

    @staticmethod
    def _sums(keys: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
        out = keys.copy()
        for t in HISTORY_TARGETS:
            out[f"s_{t}"] = values[t].fillna(0.0).to_numpy()
            out[f"n_{t}"] = values[t].notna().to_numpy().astype("float64")
        return out

    def feature_names(self) -> list[str]:
        return (
            [f"hist_{t}" for t in HISTORY_TARGETS]
            + [f"hist_inst_{t}" for t in HISTORY_TARGETS]
            + ["hist_n"]
        )

    def features(self, keys: pd.DataFrame, *, values: pd.DataFrame | None = None) -> dict:
        """Shrunk rates per row; with ``values`` (training rows) each row sees only earlier cohorts."""
        if values is not None:
            sums = self._sums(keys, values)
            level_sn = {
                name: self._prior_cumulative(sums, [*cols, "cohort_t"])
                for name, cols in (("global", ()), *SUMMED_LEVELS)
            }
        else:
            level_sn = {"global": np.tile(self.global_.to_numpy(), (len(keys), 1))}
            for name, cols in SUMMED_LEVELS:
                got = self.totals_[name].reindex(_row_keys(keys, cols))
                level_sn[name] = got.fillna(0.0).to_numpy()
        out = {}
        overall = self.global_.to_numpy()
        for t in HISTORY_TARGETS:
            s_i, n_i = SUM_COLUMNS.index(f"s_{t}"), SUM_COLUMNS.index(f"n_{t}")
            g = level_sn["global"]
            fallback = overall[s_i] / max(overall[n_i], 1.0)
            p = np.where(g[:, n_i] > 0, observed_rate(g[:, s_i], g[:, n_i]), fallback)
            base = p
            for name, _ in HISTORY_LEVELS:
                k, a = self.priors[name], level_sn[name]
                p = (a[:, s_i] + k * p) / (a[:, n_i] + k)
            out[f"hist_{t}"] = p
            k, a = self.priors["institution"], level_sn["institution"]
            out[f"hist_inst_{t}"] = (a[:, s_i] + k * base) / (a[:, n_i] + k)
        # graduates seen (every record has ``completed``)
        out["hist_n"] = level_sn["offering"][:, SUM_COLUMNS.index("n_completed")].astype("float64")
        return out

    @staticmethod
    def _prior_cumulative(sums: pd.DataFrame, by: list[str]) -> np.ndarray:
        """Sums over strictly earlier cohorts of the same group, aligned to ``sums`` rows."""
        g = sums.groupby(by, observed=True, sort=True)[SUM_COLUMNS].sum()
        group_cols = by[:-1]
        if group_cols:
            cum = g.groupby(level=list(range(len(group_cols))), observed=True).cumsum() - g
        else:
            cum = g.cumsum() - g
        return np.asarray(cum.reindex(_row_keys(sums, by)).to_numpy())

    def summary(self, keys: pd.DataFrame) -> pd.DataFrame:
        """Per row: raw n, cohort span, observed and shrunk rates (small cells hidden)."""
        feats = self.features(keys)
        lineage = keys["lineage"].to_numpy()
        tot = self.totals_["offering"].reindex(lineage).fillna(0.0)
        out = pd.DataFrame({"lineage": lineage}, index=keys.index)
        # every record counts as a graduate (``completed`` is never empty); an observed rate
        # counts only the records with that outcome known (v1.1: a one-wave graduate has no
        # 12-month outcomes) and is shown from ``MIN_CELL`` of them
        n = tot["n_completed"].to_numpy()
        out["n_graduates"] = n.astype("int64")
        span = self.span_.reindex(lineage)
        for end, name in (("min", "first_cohort"), ("max", "last_cohort")):
            out[name] = [period_label(int(p)) if np.isfinite(p) else None for p in span[end]]

        def observed(name: str, s: np.ndarray, m: np.ndarray) -> None:
            out[f"n_{name}"] = m.astype("int64")
            shown = (n >= MIN_CELL) & (m >= MIN_CELL)
            out[f"observed_{name}"] = np.where(shown, observed_rate(s, m), np.nan)

        for t in HISTORY_TARGETS:
            observed(t, tot[f"s_{t}"].to_numpy(), tot[f"n_{t}"].to_numpy())
            out[f"shrunk_{t}"] = feats[f"hist_{t}"]
        out["n_cohort_years"] = span["years"].fillna(0).to_numpy("int64") if "years" in span else 0
        # a model saved before the split existed has no ``split_``: its shares are unknown
        split = getattr(self, "split_", pd.DataFrame(columns=_SPLIT_COUNTS))
        counts = split.reindex(lineage).fillna(0.0)
        for name, (num, den) in OBSERVED_ONLY.items():
            observed(name, counts[num].to_numpy("float64"), counts[den].to_numpy("float64"))
        return out

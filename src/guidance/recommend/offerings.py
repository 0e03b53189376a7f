"""The offering side, precomputed once per catalogue and per demand snapshot: outcome
history (n, cohorts, observed and shrunk rates), cold-start status, demand indicators for
the target occupations, and Holland-letter vectors for interest fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from guidance import demand_figures as dfig
from guidance.features import MIN_CELL, DemandIndex
from guidance.features.history import HISTORY_TARGETS, OBSERVED_ONLY
from guidance.features.interest import interest_fit, occupation_vectors, offering_vectors
from guidance.periods import month_of
from guidance.recommend.candidates import Catalogue


class OfferingSide:
    """Per-offering arrays aligned with ``Catalogue`` positions."""

    def __init__(self, cat: Catalogue, models: Any, occupations: pd.DataFrame) -> None:
        self.cat = cat
        f = cat.frame
        hist = models.offering_history(f)
        self.n_grad = hist["n_graduates"].to_numpy(dtype="int64")
        # str or None (pandas reads a missing text value back as NaN)
        self.first_cohort, self.last_cohort = (
            np.array([c if isinstance(c, str) else None for c in hist[col]], dtype=object)
            for col in ("first_cohort", "last_cohort")
        )
        shown = ("employed_12m", "job_matches_training", *OBSERVED_ONLY)
        self.observed = {t: hist[f"observed_{t}"].to_numpy(dtype="float64") for t in shown}
        # records with the outcome known: the observed rates' denominators
        self.n_known = {t: hist[f"n_{t}"].to_numpy(dtype="int64") for t in shown}
        self.n_cohort_years = hist["n_cohort_years"].to_numpy(dtype="int64")
        self.shrunk = {t: hist[f"shrunk_{t}"].to_numpy(dtype="float64") for t in HISTORY_TARGETS}
        self.small_cell = (self.n_grad > 0) & (self.n_grad < MIN_CELL)
        has_pred = (
            f["predecessor_id"].notna().to_numpy()
            if "predecessor_id" in f
            else np.zeros(len(f), bool)
        )
        self.cold_start = (self.n_grad == 0) | has_pred
        self.cold_method = np.where(
            self.n_grad == 0, "attributes", np.where(has_pred, "predecessor", "")
        )
        wage = np.exp(self.shrunk["log_wage"])
        self.reference_wage = float(np.nanmedian(wage)) if np.isfinite(wage).any() else 1.0
        # interest: the same Holland-letter vectors the model's features use
        occ = occupations.assign(occupation_code=occupations["occupation_code"].astype("str"))
        self.targets = f["target_occupations"].astype("str").to_numpy()
        self.target_sets, self.set_of = np.unique(self.targets, return_inverse=True)
        self.riasec_sets = offering_vectors(self.target_sets, occupation_vectors(occ))
        name_vi = occ["name_vi"] if "name_vi" in occ else pd.Series(None, index=occ.index)
        self.occ_name_en = dict(
            zip(occ["occupation_code"], occ["name_en"].astype("str"), strict=True)
        )
        self.occ_name_vi = {
            c: (v if isinstance(v, str) and v else None)
            for c, v in zip(occ["occupation_code"], name_vi, strict=True)
        }
        self.first_target = np.array([t.split(";")[0] if t else "" for t in self.targets])
        self.set_demand(models.features.demand_)

    def shown(self, target: str, i: int) -> float | None:
        """Offering ``i``'s observed rate of ``target``, shown only from ``MIN_CELL``
        graduates (None below, or when unknown)."""
        v = float(self.observed[target][i])
        return v if self.n_grad[i] >= MIN_CELL and np.isfinite(v) else None

    # -- demand ---------------------------------------------------------------------------
    def set_demand(self, index: DemandIndex) -> None:
        """Demand indicators of each offering's target occupations in its study province,
        at the snapshot's newest month (3-month means; trend against a year earlier)."""
        self.demand_period = index.last_period
        self.demand_t = month_of(index.last_period)
        # the model's own windowed demand per target set, read at the newest month
        agg = index.compact().aggregate(self.target_sets)
        pmap = np.array([agg.prov_pos.get(c, -1) for c in self.cat.prov_codes], dtype=int)
        p = np.where(self.cat.prov >= 0, pmap[np.maximum(self.cat.prov, 0)], -1)
        ok, last = p >= 0, agg.n_per - 1
        n = len(self.cat)
        vac_now, seek_now, known_now = np.zeros(n), np.zeros(n), np.zeros(n)
        vac_lag = np.full(n, np.nan)
        if last >= 0:
            at = (self.set_of[ok], p[ok])
            vac_now[ok], seek_now[ok] = agg.vw[(*at, last)], agg.sw[(*at, last)]
            known_now[ok] = agg.kw[(*at, last)]
            if last >= dfig.LAG:
                vac_lag[ok] = agg.vw[(*at, last - dfig.LAG)]
        self.vacancies = vac_now
        self.vps = dfig.per_seeker(vac_now, seek_now, known_now)
        self.trend = dfig.yearly_trend(vac_now, vac_lag)

    def projection(self, months_ahead: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Vacancies per job seeker at graduation (``demand_figures.projection``)."""
        return dfig.projection(self.vps[idx], self.trend[idx], months_ahead)

    def demand_component(self, months_ahead: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """In [-1, 1]: tanh(log projected vacancies per seeker); without job-seeker counts,
        half of tanh(log(1 + trend)); without either, 0. Non-decreasing in vacancies."""
        proj = self.projection(months_ahead, idx)
        tr = self.trend[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            from_vps = np.tanh(np.log(np.maximum(proj, 1e-9)))
            from_trend = 0.5 * np.tanh(np.log1p(np.maximum(tr, -0.999)))
        return np.where(np.isfinite(proj), from_vps, np.where(np.isfinite(tr), from_trend, 0.0))

    def interest_fit(self, profile_inputs: dict[str, Any], idx: np.ndarray) -> np.ndarray:
        """``features.interest_fit`` of the learner's RIASEC vector and the offering's
        occupations (NaN if the learner gave no interest profile)."""
        vec = [profile_inputs.get(f"riasec_{k}") for k in "riasec"]
        v = np.array([np.nan if x is None else float(x) for x in vec])
        return np.asarray(interest_fit(v, self.riasec_sets)[self.set_of[idx]])

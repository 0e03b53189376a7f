"""``Recommender``: built once from (models, catalogue, demand), answers requests fast.

A request: eligibility and preference masks (numpy) → a cheap offering-side pre-score
(the same utility with shrunk historical rates in place of the models) → the top
``shortlist`` candidates scored in ONE model call → utility and breakdown → diversity cap
with alternatives → figures, uncertainty and reasons for the top-k.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from guidance.features import MIN_CELL, DemandIndex
from guidance.periods import month_of, period_label
from guidance.recommend import reasons as rs
from guidance.recommend.candidates import Catalogue
from guidance.recommend.offerings import OfferingSide
from guidance.recommend.score import components, weighted, wilson_interval
from guidance.recommend.scorer import make_scorer
from guidance.recommend.types import (
    Basis,
    DemandFigures,
    Item,
    LearnerProfile,
    Preferences,
    Recommendation,
    Weights,
)

DEFAULT_SHORTLIST = 150
# figure of a target that was not learnt -> the Item fields left empty (None)
MISSING_FIELDS = {
    "employed_12m": ("p_employed_12m",),
    "job_matches_training": ("p_job_matches_training",),
    "completed": ("p_completed",),
    "wage": ("wage_q25", "wage_q50", "wage_q75"),
}


def missing_targets(models) -> dict[str, str]:
    """Targets the bundle did not learn (``not_fitted: <reason>``), from its training run."""
    status = getattr(models, "target_status", None) or {}
    return {t: s for t, s in status.items() if s != "fitted"}


def effective_weights(weights: Weights, missing) -> Weights:
    """Rank by what is learnable: a missing figure's component gets no weight; the weight of
    a missing P(job in the trade) moves to P(employed) (else to P(completes))."""
    if not missing:
        return weights
    w = weights.model_dump()
    if "job_matches_training" in missing:
        to = (
            "employed"
            if "employed_12m" not in missing
            else "completion"
            if "completed" not in missing
            else None
        )
        if to:
            w[to] += w["match"]
        w["match"] = 0.0
    for target, comp in (
        ("employed_12m", "employed"),
        ("completed", "completion"),
        ("wage", "wage"),
    ):
        if target in missing:
            w[comp] = 0.0
    return Weights(**w)


@dataclass
class Ranked:
    """Every scored candidate of one request, best first (positions in the catalogue)."""

    idx: np.ndarray
    score: np.ndarray
    parts: dict[str, np.ndarray]
    preds: dict[str, np.ndarray]
    interest: np.ndarray
    distance: np.ndarray
    months_ahead: np.ndarray
    n_eligible: int
    start_period: str


class Recommender:
    """See the module docstring. ``scorer="fast"`` (default) falls back to the pipeline
    scorer when the bundle has a structure the fast path does not know."""

    def __init__(
        self,
        models,
        programmes: pd.DataFrame,
        provinces: pd.DataFrame,
        occupations: pd.DataFrame,
        demand: pd.DataFrame | DemandIndex | None = None,
        *,
        model_version: str = "unknown",
        weights: Weights | None = None,
        shortlist: int = DEFAULT_SHORTLIST,
        max_per_code: int = 1,
        max_alternatives: int = 3,
        scorer: str = "fast",
    ):
        self.models = models
        if demand is not None:
            models.set_demand(demand)
        self.model_version = str(model_version)
        self.weights = weights or Weights()
        self.shortlist = int(shortlist)
        self.max_per_code = int(max_per_code)
        self.max_alternatives = int(max_alternatives)
        self.all_programmes = programmes  # inactive too (evaluation looks up past choices)
        self.missing = missing_targets(models)
        self.cat = Catalogue(programmes, provinces)
        self.side = OfferingSide(self.cat, models, occupations)
        self.scorer = make_scorer(self.models, self.cat, scorer)

    # -- demand ----------------------------------------------------------------------------
    @property
    def demand_period(self) -> str:
        return self.side.demand_period

    def set_demand(self, demand: pd.DataFrame | DemandIndex) -> Recommender:
        """Swap the demand snapshot (models' features and the offering indicators)."""
        self.models.set_demand(demand)
        self.side.set_demand(self.models.features.demand_)
        self.scorer.refresh()
        return self

    # -- ranking ---------------------------------------------------------------------------
    def rank(
        self,
        profile: LearnerProfile | dict,
        prefs: Preferences | dict | None = None,
        weights: Weights | None = None,
        *,
        shortlist: int | None = None,
        timings: dict | None = None,
    ) -> Ranked:
        """Score the shortlist of eligible candidates; ``shortlist=0`` scores them all."""
        t0 = time.perf_counter()
        profile = (
            profile
            if isinstance(profile, LearnerProfile)
            else LearnerProfile.model_validate(profile)
        )
        prefs = prefs if isinstance(prefs, Preferences) else Preferences.model_validate(prefs or {})
        weights = effective_weights(weights or self.weights, self.missing)
        cat, side = self.cat, self.side
        home = cat.home_index(profile)
        dist_all = cat.distances(home)
        idx = np.flatnonzero(cat.eligible(profile, prefs, dist_all))
        n_eligible = len(idx)
        start = prefs.start_period or self.demand_period
        start_t = month_of(start)
        lead = start_t - side.demand_t
        inputs = profile.model_inputs()
        relocate = prefs.willing_to_relocate
        t1 = time.perf_counter()
        limit = self.shortlist if shortlist is None else shortlist
        if limit and len(idx) > limit:
            ahead = lead + np.nan_to_num(cat.duration[idx])
            match = side.shrunk["job_matches_training"][idx]
            proxy = getattr(self.scorer, "proxy_match", None)
            if proxy is not None and month_of(start) >= side.demand_t:
                guess = proxy(inputs, idx, start)
                match = np.where(np.isfinite(guess), guess, match)
            pre = components(
                match,
                side.shrunk["employed_12m"][idx],
                side.shrunk["completed"][idx],
                np.exp(side.shrunk["log_wage"][idx]),
                reference_wage=side.reference_wage,
                demand=side.demand_component(ahead, idx),
                interest=side.interest_fit(inputs, idx),
                total_tuition=cat.total_tuition[idx],
                distance_km=dist_all[idx],
                relocate=relocate,
            )
            pre_score, _ = weighted(pre, weights)
            top = np.argpartition(-pre_score, limit - 1)[:limit]
            idx = np.sort(idx[top])
        t2 = time.perf_counter()
        preds = self.scorer.predict(inputs, idx, start)
        t3 = time.perf_counter()
        ahead = lead + np.nan_to_num(cat.duration[idx])
        interest = side.interest_fit(inputs, idx)
        comps = components(
            preds["p_job_matches_training"],
            preds["p_employed_12m"],
            preds["p_completed"],
            preds["wage_q50"],
            reference_wage=side.reference_wage,
            demand=side.demand_component(ahead, idx),
            interest=interest,
            total_tuition=cat.total_tuition[idx],
            distance_km=dist_all[idx],
            relocate=relocate,
        )
        if self.missing:  # a figure that was not learnt is NaN: neutral, and weighted 0
            comps = {k: np.nan_to_num(v) for k, v in comps.items()}
        score, parts = weighted(comps, weights)
        order = np.lexsort((cat.ids[idx], -score))
        if timings is not None:
            timings.update(
                filter_ms=1e3 * (t1 - t0),
                prune_ms=1e3 * (t2 - t1),
                model_ms=1e3 * (t3 - t2),
                utility_ms=1e3 * (time.perf_counter() - t3),
            )
        return Ranked(
            idx[order],
            score[order],
            {k: v[order] for k, v in parts.items()},
            {k: v[order] for k, v in preds.items()},
            interest[order],
            dist_all[idx][order],
            ahead[order],
            n_eligible,
            start,
        )

    def recommend(
        self,
        profile: LearnerProfile | dict,
        prefs: Preferences | dict | None = None,
        k: int = 10,
        weights: Weights | None = None,
        *,
        shortlist: int | None = None,
        explain: bool = True,
    ) -> Recommendation:
        """The top-k offerings with figures, uncertainty, alternatives and reasons."""
        t0 = time.perf_counter()
        timings: dict = {}
        weights = effective_weights(weights or self.weights, self.missing)
        r = self.rank(profile, prefs, weights, shortlist=shortlist, timings=timings)
        t1 = time.perf_counter()
        chosen, alts = self._diversify(r, k)
        items = [
            self._item(r, j, rank + 1, [self._alt(r, a) for a in alts[j]], explain)
            for rank, j in enumerate(chosen)
        ]
        timings["explain_ms"] = 1e3 * (time.perf_counter() - t1)
        timings["total_ms"] = 1e3 * (time.perf_counter() - t0)
        return Recommendation(
            items,
            self.model_version,
            self.demand_period,
            r.start_period,
            r.n_eligible,
            len(r.idx),
            weights.model_dump(),
            timings,
        )

    def _diversify(self, r: Ranked, k: int) -> tuple[list[int], dict[int, list[int]]]:
        """At most ``max_per_code`` items per programme code; the rest of that code (other
        institutions) become alternatives of the code's first item."""
        code = self.cat.code[r.idx]
        taken: dict[str, list[int]] = {}
        chosen: list[int] = []
        alts: dict[int, list[int]] = {}
        for j in range(len(r.idx)):
            c = code[j]
            have = taken.setdefault(c, [])
            if len(have) < self.max_per_code:
                if len(chosen) < k:
                    have.append(j)
                    chosen.append(j)
                    alts[j] = []
            elif len(alts[have[0]]) < self.max_alternatives:
                alts[have[0]].append(j)
        return chosen, alts

    def _alt(self, r: Ranked, j: int) -> dict:
        i = r.idx[j]
        tx = self.cat.text
        return {
            "programme_id": str(self.cat.ids[i]),
            "institution_name": tx["institution_name"][i],
            "province_code": tx["province_code"][i],
            "province_name_vi": str(self.cat.prov_name_vi[self.cat.prov[i]])
            if self.cat.prov[i] >= 0
            else tx["province_code"][i],
            "score": float(r.score[j]),
            "p_job_matches_training": float(r.preds["p_job_matches_training"][j]),
            "distance_km": float(r.distance[j]),
        }

    def _item(self, r: Ranked, j: int, rank: int, alts: list[dict], explain: bool) -> Item:
        cat, side = self.cat, self.side
        i = int(r.idx[j])
        tx = cat.text
        n = int(side.n_grad[i])
        lo, hi = wilson_interval(np.array([r.preds["p_employed_12m"][j]]), np.array([n]))
        obs = {t: side.observed[t][i] for t in side.observed}
        basis = Basis(
            n_graduates=n,
            first_cohort=side.first_cohort[i],
            last_cohort=side.last_cohort[i],
            observed_employed_12m=float(obs["employed_12m"])
            if n >= MIN_CELL and np.isfinite(obs["employed_12m"])
            else None,
            observed_job_matches_training=float(obs["job_matches_training"])
            if n >= MIN_CELL and np.isfinite(obs["job_matches_training"])
            else None,
            small_cell=bool(side.small_cell[i]),
            cold_start=bool(side.cold_start[i]),
            cold_start_method=str(side.cold_method[i]) or None if side.cold_start[i] else None,
            n_employed_12m_known=int(side.n_known["employed_12m"][i]),
        )
        occ = side.first_target[i]
        vps = side.vps[i]
        proj = side.projection(np.array([r.months_ahead[j]]), np.array([i]))[0]
        trend = side.trend[i]
        demand = DemandFigures(
            occupation_code=occ or None,
            occupation_name_vi=side.occ_name_vi.get(occ),
            occupation_name_en=side.occ_name_en.get(occ),
            province_code=tx["province_code"][i],
            vacancies=float(side.vacancies[i]),
            vacancies_per_seeker=float(vps) if np.isfinite(vps) else None,
            trend_12m=float(trend) if np.isfinite(trend) else None,
            projected_per_seeker=float(proj) if np.isfinite(proj) else None,
        )
        flags = []
        if basis.cold_start:
            flags.append("cold_start")
        if basis.small_cell:
            flags.append("small_cell")
        if demand.vacancies_per_seeker is None and demand.trend_12m is None:
            flags.append("no_demand_data")
        p = cat.prov[i]
        fit = r.interest[j]
        item = Item(
            rank=rank,
            programme_id=str(cat.ids[i]),
            programme_code=str(cat.code[i]),
            name_vi=tx["name_vi"][i],
            name_en=tx["name_en"][i] if "name_en" in tx else None,
            level=str(cat.level[i]),
            institution_id=tx["institution_id"][i],
            institution_name=tx["institution_name"][i],
            province_code=tx["province_code"][i],
            province_name_vi=str(cat.prov_name_vi[p]) if p >= 0 else tx["province_code"][i],
            province_name_en=str(cat.prov_name_en[p]) if p >= 0 else tx["province_code"][i],
            duration_months=int(cat.duration[i]),
            tuition_vnd_per_year=int(cat.tuition[i]),
            distance_km=float(r.distance[j]),
            graduation_period=period_label(month_of(r.start_period) + int(cat.duration[i])),
            score=float(r.score[j]),
            components={k: float(v[j]) for k, v in r.parts.items()},
            p_employed_12m=float(r.preds["p_employed_12m"][j]),
            p_employed_12m_interval=(float(lo[0]), float(hi[0])),
            p_job_matches_training=float(r.preds["p_job_matches_training"][j]),
            p_completed=float(r.preds["p_completed"][j]),
            wage_q25=float(r.preds["wage_q25"][j]),
            wage_q50=float(r.preds["wage_q50"][j]),
            wage_q75=float(r.preds["wage_q75"][j]),
            interest_fit=float(fit) if np.isfinite(fit) else None,
            total_tuition_vnd=float(cat.total_tuition[i]),
            demand=demand,
            basis=basis,
            flags=flags,
            alternatives=alts,
        )
        for target in self.missing:
            for name in MISSING_FIELDS.get(target, ()):
                setattr(item, name, None)
            if target == "employed_12m":
                item.p_employed_12m_interval = (None, None)
            item.flags.append(f"missing_{target}")
        if explain:
            no_demand = self.models.features.demand_.vac.shape[2] == 0
            item.reasons_vi, item.reasons_en = rs.build(
                item, self.model_version, None if no_demand else self.demand_period
            )
        return item

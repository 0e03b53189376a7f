"""``Recommender``: built once from (models, catalogue, demand), answers requests fast.

A request: eligibility and preference masks (numpy) → a cheap offering-side pre-score
(the same utility with shrunk historical rates in place of the models) → the top
``shortlist`` candidates scored in ONE model call, extended in small batches while they
still change the top-k (adaptive shortlist) → utility and breakdown → diversity cap with
alternatives → figures, uncertainty and reasons for the top-k.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from guidance.conformal import yearly_graduates
from guidance.errors import UnknownProgramme
from guidance.features import DemandIndex
from guidance.model import PREDICTION_COLUMNS
from guidance.periods import month_of, period_label
from guidance.recommend import reasons as rs
from guidance.recommend import tuition
from guidance.recommend.candidates import Catalogue
from guidance.recommend.offerings import OfferingSide
from guidance.recommend.score import (
    EVIDENCE_Z,
    INTERVAL_LEVEL,
    figure_components,
    figures_read,
    item_intervals,
    lower_match,
    own_components,
    weighted,
)
from guidance.recommend.scorer import Candidates, make_scorer
from guidance.recommend.types import (
    Alternative,
    Basis,
    DemandFigures,
    Item,
    LearnerProfile,
    Preferences,
    Recommendation,
    Weights,
)

if TYPE_CHECKING:
    from guidance.model import OutcomeModels

DEFAULT_SHORTLIST = 150
# Adaptive shortlist: after the first ``shortlist`` candidates (best pre-scores) are scored,
# the next ones are scored in batches of EXTEND_BATCH while a batch still holds a candidate
# that beats the current k-th programme code (it would change the top-k), up to
# EXTEND_MAX_FACTOR × shortlist candidates in all. National scale: top-10 agreement with
# scoring every candidate 0.71 → ≥ 0.9 (benchmarks/recommend.py, docs/recommend.md).
EXTEND_BATCH = 50
EXTEND_MAX_FACTOR = 8
# figure of a target that was not learnt -> the Item fields left empty (None)
MISSING_FIELDS = {
    "employed_12m": ("p_employed_12m",),
    "job_matches_training": ("p_job_matches_training",),
    "completed": ("p_completed",),
    "wage": ("wage_q25", "wage_q50", "wage_q75"),
}


def missing_targets(models: OutcomeModels) -> dict[str, str]:
    """Targets the bundle did not learn (``not_fitted: <reason>``), from its training run."""
    status = getattr(models, "target_status", None) or {}
    return {t: s for t, s in status.items() if s != "fitted"}


def effective_weights(weights: Weights, missing: Mapping[str, str]) -> Weights:
    """Rank by what is learnable: a missing figure's component gets no weight; the weight of
    a missing P(job in the trade) moves to P(employed) (else to P(completes))."""
    if not missing:
        return weights
    w = weights.model_dump()
    component = {"employed_12m": "employed", "completed": "completion", "wage": "wage"}
    if "job_matches_training" in missing:
        learnt = [component[t] for t in ("employed_12m", "completed") if t not in missing]
        if learnt:
            w[learnt[0]] += w["match"]
        w["match"] = 0.0
    for target in component.keys() & missing.keys():
        w[component[target]] = 0.0
    return Weights(**w)


@dataclass
class Request:
    """One validated request and what every stage needs from it."""

    profile: LearnerProfile
    prefs: Preferences
    weights: dict[str, float]  # ``effective_weights``, as a dict
    inputs: dict
    distance: np.ndarray  # km from home to every offering of the catalogue
    start_period: str
    lead: int  # months from the demand period to the start
    figures: tuple[str, ...] = PREDICTION_COLUMNS  # the models' figures the utility reads


@dataclass
class Fixed:
    """What the utility of offerings reads besides their figures, for one request: months
    to graduation, interest fit and demand component, aligned with some positions (the
    eligible set, computed once; ``take`` for a batch of them)."""

    ahead: np.ndarray
    interest: np.ndarray
    demand: np.ndarray
    own: dict[str, np.ndarray]  # the components that read no model (``own_components``)


@dataclass
class Scored:
    """Candidates scored by the models with THE utility (``_utility_scores``), one row each:
    positions in the catalogue (``idx``) and in the request's ``Candidates.idx`` (``pos``),
    predictions, utility, its parts and the ``Fixed`` inputs."""

    idx: np.ndarray
    pos: np.ndarray
    preds: dict[str, np.ndarray]
    score: np.ndarray
    parts: dict[str, np.ndarray]
    fixed: Fixed


@dataclass
class Ranked(Scored):
    """Every scored candidate of one request, best first."""

    request: Request
    cands: Candidates
    n_eligible: int
    # stated intervals (``score.item_intervals``) by row of the ranking, for the rows shown
    # (``Recommender._with_intervals``)
    intervals: tuple[dict[str, dict[int, list[float | None]]], list[str]] | None = None

    @property
    def start_period(self) -> str:
        return self.request.start_period


def take(rows: Any, at: np.ndarray) -> Any:
    """Rows ``at`` of an array, of each array of a dict, or of each field of a ``Fixed`` or
    ``Scored``."""
    if isinstance(rows, np.ndarray):  # most calls: the leaves
        return rows[at]
    if isinstance(rows, dict):
        return {k: take(v, at) for k, v in rows.items()}
    return replace(rows, **{f.name: take(getattr(rows, f.name), at) for f in fields(rows)})


def concat(batches: list[Any]) -> Any:
    """Rows of ``batches`` one after the other (arrays, dicts of them, ``Fixed`` or
    ``Scored``)."""
    first = batches[0]
    if isinstance(first, np.ndarray):  # most calls: the leaves
        return np.concatenate(batches)
    if isinstance(first, dict):
        return {k: concat([b[k] for b in batches]) for k in first}
    cols = {f.name: concat([getattr(b, f.name) for b in batches]) for f in fields(first)}
    return replace(first, **cols)


class Recommender:
    """See the module docstring; ``scorer``, ``kernel`` and ``probe``: see
    ``scorer.make_scorer`` (``probe`` is its ``check``). The caller's ``models`` are never
    changed: the recommender serves its own copy (``models.with_demand``), also when the
    demand is swapped later (``set_demand``)."""

    def __init__(
        self,
        models: OutcomeModels,
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
        kernel: str = "numba",
        probe: bool = True,
        evidence_z: float = EVIDENCE_Z,
    ) -> None:
        self.models = models.with_demand(models.features.demand_ if demand is None else demand)
        self.model_version = str(model_version)
        self.weights = weights or Weights()
        self.shortlist = int(shortlist)
        self.max_per_code = int(max_per_code)
        self.max_alternatives = int(max_alternatives)
        self.all_programmes = programmes  # inactive too (evaluation looks up past choices)
        self.missing = missing_targets(models)
        self.cat = Catalogue(programmes, provinces)
        self.side = OfferingSide(self.cat, self.models, occupations)
        self.scorer = make_scorer(self.models, self.cat, scorer, kernel=kernel, check=probe)
        # thin evidence: the ranking reads P(job in the trade) ``evidence_z`` standard
        # deviations below the estimate (``score.lower_match``; 0: the estimate itself)
        self.evidence_z = float(evidence_z)
        calibration = getattr(models, "intervals", None)
        self.calibration = dict(calibration) if isinstance(calibration, Mapping) else {}
        self.n_per_year = yearly_graduates(
            self.side.n_grad, self.side.first_cohort, self.side.last_cohort
        )

    # -- demand ----------------------------------------------------------------------------
    @property
    def demand_period(self) -> str:
        return self.side.demand_period

    def set_demand(self, demand: pd.DataFrame | DemandIndex) -> Recommender:
        """Swap the demand snapshot (the served models' features and the offering
        indicators); the models are this recommender's own copy."""
        self.models.set_demand(demand)
        self.side.set_demand(self.models.features.demand_)
        self.scorer.refresh()
        return self

    # -- the catalogue, read-only (what-if, audit, evaluation and the API ask here) --------
    @property
    def programme_ids(self) -> np.ndarray:
        """Ids of the served (active) offerings, in catalogue order."""
        return np.asarray(self.cat.ids)

    @property
    def offerings(self) -> pd.DataFrame:
        """The served offerings as contract rows, in catalogue order."""
        return self.cat.frame

    def position(self, programme_id: str) -> int:
        """Catalogue position of an offering (``UnknownProgramme`` when not served)."""
        i = self.cat.pos.get(programme_id)
        if i is None:
            raise UnknownProgramme(programme_id)
        return int(i)

    def has_programme(self, programme_id: str) -> bool:
        return programme_id in self.cat.pos

    def eligible_mask(self, profile: LearnerProfile, prefs: Preferences) -> np.ndarray:
        """One boolean per served offering: does it pass every rule for this learner?"""
        return self.cat.eligible(profile, prefs, self._distances(profile), self._lead(prefs))

    def why_excluded(
        self, profile: LearnerProfile | dict, prefs: Preferences | dict | None, programme_id: str
    ) -> list[str]:
        """The rules (``candidates.RULES`` names) that exclude ``programme_id`` for this
        learner; empty when it is a candidate."""
        profile, prefs = _profile(profile), _prefs(prefs)
        self.cat.home_index(profile)  # an unknown home province is the request's fault
        return self.cat.failed_rules(self.position(programme_id), profile, prefs, self._lead(prefs))

    def farthest_eligible_km(self, profile: LearnerProfile, prefs: Preferences) -> float:
        """Distance to the farthest offering that passes every rule (0 when none does)."""
        dist = self._distances(profile)
        elig = self.cat.eligible(profile, prefs, dist, self._lead(prefs))
        return float(np.nanmax(dist[elig])) if elig.any() else 0.0

    def catalogue_columns(self) -> dict[str, np.ndarray]:
        """Per served offering, in catalogue order: id, programme code, field code,
        duration (months, NaN when unknown) and graduates in the models' history."""
        cat = self.cat
        return {
            "programme_id": cat.ids,
            "programme_code": cat.code,
            "field_code": cat.field,
            "duration_months": cat.duration,
            "n_graduates": self.side.n_grad,
        }

    def province_codes(self) -> frozenset[str]:
        """The province codes this recommender knows (a home elsewhere is refused)."""
        return frozenset(str(c) for c in self.cat.prov_codes)

    def region_provinces(self, profile: LearnerProfile) -> list[str]:
        """The provinces of the learner's home region (the default study area before
        issue 16)."""
        cat = self.cat
        region = cat.region[cat.home_index(profile)]
        return [str(c) for c, r in zip(cat.prov_codes, cat.region, strict=True) if r == region]

    def default_area(self, profile: LearnerProfile) -> list[str]:
        """The default study area: the home province and its neighbours (``geo.near_area``)."""
        return self.cat.default_area(self.cat.home_index(profile))

    def province_of(self, programme_id: str) -> str | None:
        """The province of a served offering (None: unknown offering or province)."""
        i = self.cat.pos.get(programme_id)
        if i is None or self.cat.prov[i] < 0:
            return None
        return str(self.cat.prov_codes[self.cat.prov[i]])

    def history_baselines(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        """Offering-side baselines for positions ``idx``: the shrunk historical P(job in
        the trade) (``best_history``) and the demand component at graduation when starting
        in the demand period (``demand_only``)."""
        months = self.cat.duration_or_0[idx]
        return {
            "best_history": self.side.shrunk["job_matches_training"][idx],
            "demand_only": self.side.demand_component(months, idx),
        }

    def offering_facts(self, programme_id: str) -> dict:
        """What the history says about one offering: graduates, observed rates (shown only
        from ``MIN_CELL`` graduates), small cell, its first target occupation and its evidence
        flags (``small_sample``, ``new_programme``)."""
        i = self.position(programme_id)
        side = self.side
        return {
            "n_graduates": int(side.n_grad[i]),
            "small_cell": bool(side.small_cell[i]),
            "observed_employed_12m": side.shown("employed_12m", i),
            "observed_job_matches_training": side.shown("job_matches_training", i),
            "first_target_occupation": str(side.first_target[i]),
            "flags": self._evidence_flags(i),
        }

    # -- ranking ---------------------------------------------------------------------------
    def _distances(self, profile: LearnerProfile) -> np.ndarray:
        return self.cat.distances(self.cat.home_index(profile))

    def _lead(self, prefs: Preferences) -> int:
        """Months from now (the demand period) to the start the learner asks for."""
        return month_of(prefs.start_period or self.demand_period) - self.side.demand_t

    def _request(
        self,
        profile: LearnerProfile | dict,
        prefs: Preferences | dict | None,
        weights: Weights | None,
    ) -> Request:
        """Validate the request (dicts are parsed) and fix what every stage reads."""
        profile, prefs = _profile(profile), _prefs(prefs)
        w = effective_weights(weights or self.weights, self.missing)
        return Request(
            profile=profile,
            prefs=prefs,
            weights=w.model_dump(),
            inputs=profile.model_inputs(),
            distance=self._distances(profile),
            start_period=prefs.start_period or self.demand_period,
            lead=self._lead(prefs),
            figures=figures_read(w),
        )

    def _eligible(self, q: Request) -> np.ndarray:
        """Positions of the offerings that pass every eligibility and preference rule."""
        return np.flatnonzero(self.cat.eligible(q.profile, q.prefs, q.distance, q.lead))

    def _fixed(self, q: Request, idx: np.ndarray) -> Fixed:
        """The request's ``Fixed`` inputs of the utility for offerings ``idx``."""
        ahead = q.lead + self.cat.duration_or_0[idx]
        interest = self.side.interest_fit(q.inputs, idx)
        demand = self.side.demand_component(ahead, idx)
        own = own_components(
            demand=demand,
            interest=interest,
            total_tuition=self.cat.total_tuition[idx],
            distance_km=q.distance[idx],
            relocate=q.prefs.willing_to_relocate,
        )
        return Fixed(ahead, interest, demand, own)

    def _pre_score(self, q: Request, cands: Candidates, fixed: Fixed) -> np.ndarray:
        """The shortlist's cheap utility of the candidates: the same utility with stand-ins
        for the models' figures: the scorer's proxy of each classifier the utility reads,
        where it has one (``Candidates.proxy``), else the offerings' shrunk historical
        rates, scored by ``_utility_scores`` itself: P(job in the trade) is marked down for
        thin evidence there (``lower_match``), so a thin offering takes no shortlist place
        that the utility would not give it."""
        shrunk, idx = self.side.shrunk, cands.idx
        stand_in = {
            "p_job_matches_training": shrunk["job_matches_training"][idx],
            "p_employed_12m": shrunk["employed_12m"][idx],
            "p_completed": shrunk["completed"][idx],
            "wage_q50": np.exp(shrunk["log_wage"][idx]),
        }
        if q.lead >= 0:  # (proxies read the offering block of a start at the snapshot's end)
            for figure in ("p_job_matches_training", "p_employed_12m", "p_completed"):
                guess = cands.proxy(figure) if figure in q.figures else None
                if guess is not None:
                    stand_in[figure] = np.where(np.isfinite(guess), guess, stand_in[figure])
        return self._utility_scores(q, idx, stand_in, fixed)[0]

    def _adaptive(
        self, q: Request, idx: np.ndarray, limit: int, k: int, timings: dict
    ) -> tuple[Scored, Candidates]:
        """The scored candidates: the ``limit`` best pre-scores, extended in batches as
        EXTEND_BATCH says; every candidate when ``limit`` is 0 or not smaller than the
        eligible set. ``Fixed`` is computed once for the eligible set."""
        t0 = time.perf_counter()
        fixed = self._fixed(q, idx)
        cands = self.scorer.candidates(q.inputs, idx, q.start_period)
        if not limit or len(idx) <= limit:
            return self._scored(q, cands, np.arange(len(idx)), fixed), cands
        pre = self._pre_score(q, cands, fixed)
        rows = np.lexsort((idx, -pre))  # best pre-score first (ties by position)
        timings["prune_ms"] = 1e3 * (time.perf_counter() - t0)
        cap = min(len(rows), EXTEND_MAX_FACTOR * limit)
        done = limit
        scored = self._scored(q, cands, rows[:done], take(fixed, rows[:done]))
        while done < cap:
            bar = self._kth_code_score(scored.idx, scored.score, k)
            nxt = rows[done : min(done + EXTEND_BATCH, cap)]
            b = self._scored(q, cands, nxt, take(fixed, nxt))
            scored = concat([scored, b])
            done += len(nxt)
            if not (b.score > bar).any():
                break
        return scored, cands

    def _scored(self, q: Request, cands: Candidates, rows: np.ndarray, fixed: Fixed) -> Scored:
        """Candidates ``rows`` (positions in ``cands.idx``) scored by the models (one scorer
        call, for the figures the utility reads: the others are NaN until ``_complete``)
        and the utility."""
        idx = cands.idx[rows]
        got = cands.predict(rows, q.figures)
        preds = {k: got[k] if k in got else np.full(len(rows), np.nan) for k in PREDICTION_COLUMNS}
        score, parts = self._utility_scores(q, idx, preds, fixed)
        return Scored(idx, rows, preds, score, parts, fixed)

    def _utility_scores(
        self, q: Request, idx: np.ndarray, preds: dict[str, np.ndarray], fixed: Fixed
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(utility, its parts) of offerings ``idx``:
        THE utility of the ranking, also what the adaptive shortlist compares.

        Thin evidence never tops the list by luck: the ``match`` component is the cautious
        P(job in the trade) (``score.lower_match``: lower the thinner the offering's
        evidence), so an offering with few graduates ranks first only when that lower value
        still beats the others. The figures shown stay the models' estimates."""
        # a figure the utility does not read is weighted 0: any finite stand-in adds 0
        cautious = {k: v if k in q.figures else np.zeros_like(v) for k, v in preds.items()}
        cautious["p_job_matches_training"] = lower_match(
            self.calibration,
            cautious["p_job_matches_training"],
            self.side.n_grad[idx],
            self.evidence_z,
        )
        comps = {**figure_components(cautious, self.side.reference_wage), **fixed.own}
        if self.missing:  # a figure that was not learnt is NaN: neutral, and weighted 0
            comps = {c: np.nan_to_num(v) for c, v in comps.items()}
        score, parts = weighted(comps, q.weights)
        return np.asarray(score), parts

    def _kth_code_score(self, idx: np.ndarray, score: np.ndarray, k: int) -> float:
        """Utility of the k-th best distinct programme code among ``idx`` (−inf if fewer;
        a NaN utility counts for no code)."""
        best = np.full(len(self.cat.code_names), -np.inf)
        np.fmax.at(best, self.cat.code_id[idx], score)
        found = best[best > -np.inf]
        if len(found) < k:
            return -np.inf
        return float(np.partition(found, len(found) - k)[len(found) - k])

    def _utility(self, q: Request, s: Scored, cands: Candidates, n_eligible: int) -> Ranked:
        """The scored candidates with their utility and its breakdown, best first (ties by
        programme id)."""
        order = np.lexsort((self.cat.ids[s.idx], -s.score))
        return Ranked(**vars(take(s, order)), request=q, cands=cands, n_eligible=n_eligible)

    def _complete(
        self, r: Ranked, rows: Sequence[int], figures: tuple[str, ...] = PREDICTION_COLUMNS
    ) -> None:
        """The ``figures`` the ranking did not read (weighted 0: ``Request.figures``) for
        rows ``rows`` of the ranking, in one scorer call; with every figure, their utility
        parts too. The scores stay: each figure added was weighted 0."""
        q = r.request
        if set(q.figures) >= set(figures) or not len(rows):
            return
        at = np.asarray(rows, dtype=np.int64)
        preds = r.cands.predict(r.pos[at], figures)
        for k in figures:
            r.preds[k][at] = preds[k]
        if figures == PREDICTION_COLUMNS:
            every = replace(q, figures=PREDICTION_COLUMNS)
            _, parts = self._utility_scores(every, r.idx[at], preds, take(r.fixed, at))
            for k, v in parts.items():
                r.parts[k][at] = v

    def rank(
        self,
        profile: LearnerProfile | dict,
        prefs: Preferences | dict | None = None,
        weights: Weights | None = None,
        *,
        shortlist: int | None = None,
        timings: dict | None = None,
        k: int = 10,
        complete: bool = True,
    ) -> Ranked:
        """Score the shortlist of eligible candidates; ``shortlist=0`` scores them all.
        Stages: ``_request`` → ``_eligible`` → ``_adaptive`` (shortlist, scored and extended
        while it changes the top ``k``) → ``_utility`` → ``_complete`` (every row's figures;
        ``complete=False``: only those the utility read, for a caller that completes the
        rows it shows)."""
        t0 = time.perf_counter()
        q = self._request(profile, prefs, weights)
        idx = self._eligible(q)
        t1 = time.perf_counter()
        limit = self.shortlist if shortlist is None else shortlist
        part: dict = {"prune_ms": 0.0}
        scored, cands = self._adaptive(q, idx, limit, k, part)
        t3 = time.perf_counter()
        ranked = self._utility(q, scored, cands, len(idx))
        if complete:
            self._complete(ranked, range(len(ranked.idx)))
        if timings is not None:
            timings.update(
                filter_ms=1e3 * (t1 - t0),
                prune_ms=part["prune_ms"],
                model_ms=1e3 * (t3 - t1) - part["prune_ms"],  # with the extension's utility
                utility_ms=1e3 * (time.perf_counter() - t3),
            )
        return ranked

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
        profile, prefs = _profile(profile), _prefs(prefs)
        r = self.rank(
            profile, prefs, weights, shortlist=shortlist, timings=timings, k=k, complete=False
        )
        t1 = time.perf_counter()
        chosen, alts = self._diversify(r, k)
        self._complete(r, chosen)  # the rows shown: items, and alternatives (one figure)
        self._complete(r, [a for j in chosen for a in alts[j]], ("p_job_matches_training",))
        self._with_intervals(r, chosen)
        edu = profile.education_level
        at = np.asarray(chosen, dtype=np.int64)
        projected = self.side.projection(r.fixed.ahead[at], r.idx[at])  # one call
        items = [
            self._item(
                r, j, rank + 1, [self._alt(r, a) for a in alts[j]], explain, edu, projected[rank]
            )
            for rank, j in enumerate(chosen)
        ]
        timings["explain_ms"] = 1e3 * (time.perf_counter() - t1)
        timings["total_ms"] = 1e3 * (time.perf_counter() - t0)
        mappings = profile.province_mappings + prefs.province_mappings
        notes_vi, notes_en = (
            rs.province_notes(mappings, self._province_names()) if mappings else ([], [])
        )
        if self.cat.is_default_area(prefs) and items:
            near = set(self.default_area(profile))
            if not any(it.province_code in near for it in items):
                home = self.cat.home_index(profile)
                vi, en = rs.widened_area_note(
                    str(self.cat.prov_name_vi[home]), str(self.cat.prov_name_en[home])
                )
                notes_vi.append(vi)
                notes_en.append(en)
        return Recommendation.model_construct(
            items=items,
            model_version=self.model_version,
            demand_period=self.demand_period,
            start_period=r.start_period,
            n_eligible=r.n_eligible,
            n_scored=len(r.idx),
            weights=dict(r.request.weights),
            timings_ms=timings,
            notes_vi=notes_vi,
            notes_en=notes_en,
        )

    def _province_names(self) -> dict[str, tuple[str, str]]:
        """2025 province code → (Vietnamese, English) name, as this catalogue names them."""
        cat = self.cat
        return {
            str(c): (str(v), str(e))
            for c, v, e in zip(cat.prov_codes, cat.prov_name_vi, cat.prov_name_en, strict=True)
        }

    def _diversify(self, r: Ranked, k: int) -> tuple[list[int], dict[int, list[int]]]:
        """At most ``max_per_code`` items per programme code; the rest of that code (other
        institutions) become alternatives of the code's first item."""
        code = self.cat.code_id[r.idx]
        taken: dict[int, list[int]] = {}
        chosen: list[int] = []
        alts: dict[int, list[int]] = {}

        def visit(j: int) -> None:
            have = taken.setdefault(int(code[j]), [])
            if len(have) < self.max_per_code:
                if len(chosen) < k:
                    have.append(j)
                    chosen.append(j)
                    alts[j] = []
            elif len(alts[have[0]]) < self.max_alternatives:
                alts[have[0]].append(j)

        n = len(r.idx)
        j = 0
        while j < n and len(chosen) < k:
            visit(j)
            j += 1
        # the k items are chosen: only the rows of a code with all its items taken can
        # still be alternatives
        full = [c for c, have in taken.items() if len(have) >= self.max_per_code]
        for later in j + np.flatnonzero(np.isin(code[j:], full)):
            visit(int(later))
        return chosen, alts

    def _with_intervals(self, r: Ranked, rows: list[int]) -> None:
        """State the intervals of rows ``rows`` of the ranking (one vectorised call, for
        the items shown only: each row's interval is its own)."""
        at = np.asarray(rows, dtype=np.int64)
        i = r.idx[at]
        out, no_model_error = item_intervals(
            self.calibration,
            {k: v[at] for k, v in r.preds.items()},
            self.side.n_grad[i],
            self.n_per_year[i],
        )
        r.intervals = ({k: dict(zip(rows, v, strict=True)) for k, v in out.items()}, no_model_error)

    def _alt(self, r: Ranked, j: int) -> Alternative:
        i = r.idx[j]
        tx = cast(dict[str, list[Any]], self.cat.text)
        return Alternative.model_construct(
            programme_id=str(self.cat.ids[i]),
            institution_name=tx["institution_name"][i],
            province_code=tx["province_code"][i],
            province_name_vi=self._province_name(i, self.cat.prov_name_vi),
            score=float(r.score[j]),
            p_job_matches_training=float(r.preds["p_job_matches_training"][j]),
            distance_km=float(r.request.distance[i]),
            flags=self._evidence_flags(i),
        )

    def _province_name(self, i: int, names: np.ndarray) -> str:
        """Offering ``i``'s province as ``names`` (``cat.prov_name_vi`` or ``_en``) names it;
        its code when the catalogue's provinces do not hold it."""
        p = self.cat.prov[i]
        return str(names[p]) if p >= 0 else cast(str, self.cat.text["province_code"][i])

    def _evidence_flags(self, i: int) -> list[str]:
        """``new_programme`` (cold start: no graduates of its own, or a predecessor's) and
        ``small_sample`` (0 < graduates < ``MIN_CELL``), for every view of an offering."""
        side = self.side
        return (["new_programme"] if side.cold_start[i] else []) + (
            ["small_sample"] if side.small_cell[i] else []
        )

    def _item(
        self,
        r: Ranked,
        j: int,
        rank: int,
        alts: list[Alternative],
        explain: bool,
        education_level: int | None = None,
        projected: float | None = None,
    ) -> Item:
        """Item ``rank`` from row ``j`` of the ranking (``projected``: its vacancies per
        seeker at graduation, when already computed)."""
        cat, side = self.cat, self.side
        i = int(r.idx[j])
        tx = cast(dict[str, list[Any]], cat.text)  # required contract columns: never None
        if r.intervals is None or j not in r.intervals[0]["employed_12m"]:
            self._with_intervals(r, [j])
        assert r.intervals is not None
        intervals, no_model_error = r.intervals
        observed: dict[str, Any] = {f"observed_{t}": side.shown(t, i) for t in side.observed}
        figures: dict[str, Any] = {k: float(r.preds[k][j]) for k in PREDICTION_COLUMNS}
        basis = Basis.model_construct(
            n_graduates=int(side.n_grad[i]),
            first_cohort=side.first_cohort[i],
            last_cohort=side.last_cohort[i],
            **observed,
            small_cell=bool(side.small_cell[i]),
            cold_start=bool(side.cold_start[i]),
            cold_start_method=str(side.cold_method[i]) or None,  # "" unless a cold start
            n_employed_12m_known=int(side.n_known["employed_12m"][i]),
            n_cohort_years=int(side.n_cohort_years[i]),
            n_employed_6m_known=int(side.n_known["employed_6m"][i]),
        )
        basis.headline = "observed" if basis.observed_employed_12m is not None else "estimate"
        occ = side.first_target[i]
        proj = (
            side.projection(r.fixed.ahead[[j]], r.idx[[j]])[0] if projected is None else projected
        )
        demand = DemandFigures.model_construct(
            occupation_code=occ or None,
            occupation_name_vi=side.occ_name_vi.get(occ),
            occupation_name_en=side.occ_name_en.get(occ),
            province_code=tx["province_code"][i],
            vacancies=float(side.vacancies[i]),
            vacancies_per_seeker=_finite(side.vps[i]),
            trend_12m=_finite(side.trend[i]),
            projected_per_seeker=_finite(proj),
        )
        flags = self._evidence_flags(i)  # (basis.cold_start / small_cell say the same)
        if no_model_error:
            flags.append("interval_without_model_error")
        if demand.vacancies_per_seeker is None and demand.trend_12m is None:
            flags.append("no_demand_data")
        age_flags, age_rules = cat.age_notes(i, r.request.profile.age, r.request.lead)
        flags += age_flags
        item = Item.model_construct(
            rank=rank,
            programme_id=str(cat.ids[i]),
            programme_code=str(cat.code[i]),
            name_vi=tx["name_vi"][i],
            name_en=tx["name_en"][i] if "name_en" in tx else None,
            level=str(cat.level[i]),
            institution_id=tx["institution_id"][i],
            institution_name=tx["institution_name"][i],
            province_code=tx["province_code"][i],
            province_name_vi=self._province_name(i, cat.prov_name_vi),
            province_name_en=self._province_name(i, cat.prov_name_en),
            duration_months=int(cat.duration[i]),
            tuition_vnd_per_year=int(cat.tuition[i]),
            distance_km=float(r.request.distance[i]),
            graduation_period=period_label(month_of(r.start_period) + int(cat.duration[i])),
            score=float(r.score[j]),
            components={k: float(v[j]) for k, v in r.parts.items()},
            **figures,
            p_employed_12m_interval=list(intervals["employed_12m"][j]),
            intervals={k: list(v[j]) for k, v in intervals.items()},
            interval_level=INTERVAL_LEVEL,
            interest_fit=_finite(r.fixed.interest[j]),
            total_tuition_vnd=float(cat.total_tuition[i]),
            tuition_exemption=tuition.exemption(
                str(cat.level[i]), education_level, int(cat.tuition[i]), float(cat.total_tuition[i])
            ),
            demand=demand,
            basis=basis,
            flags=flags,
            reasons_vi=[],
            reasons_en=[],
            alternatives=alts,
            age_rules=age_rules,
        )
        for target in self.missing:
            for name in MISSING_FIELDS.get(target, ()):
                setattr(item, name, None)
            if target == "employed_12m":
                item.p_employed_12m_interval = [None, None]
            item.flags.append(f"missing_{target}")
        if explain:
            no_demand = self.models.features.demand_.vac.shape[2] == 0
            item.reasons_vi, item.reasons_en = rs.build(
                item, self.model_version, None if no_demand else self.demand_period
            )
        return item


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _profile(profile: LearnerProfile | dict) -> LearnerProfile:
    return (
        profile if isinstance(profile, LearnerProfile) else LearnerProfile.model_validate(profile)
    )


def _prefs(prefs: Preferences | dict | None) -> Preferences:
    return prefs if isinstance(prefs, Preferences) else Preferences.model_validate(prefs or {})

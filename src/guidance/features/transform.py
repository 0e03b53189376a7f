"""``ContextFeatures``: raw pair columns → the model matrix, as two public blocks.

``offering_block``: every column that depends only on the offering, the demand snapshot and
the graduation month (serving computes it once per catalogue × snapshot and caches it), plus
the keys the learner side needs. ``learner_columns``: the ``columns.LEARNER_SIDE`` columns,
vectorised over rows. ``transform`` is their composition; the fast scorer calls the same two.
Provinces, occupations and the offering history are learned at ``fit``; demand is a swappable
snapshot (``set_demand``). Protected attributes (``sex``, ``ethnic_minority``) are never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from guidance import demand_figures as dfig
from guidance.features.columns import (
    CATEGORICAL,
    DERIVED,
    INPUT_COLUMNS,
    LEARNER_COLUMNS,
    LEARNER_NUMERIC,
    LEARNER_SIDE,
    NUMERIC_RAW,
    OFFERING_COLUMNS,
    RIASEC,
    SKILL,
    text,
)
from guidance.features.demand import FEATURES as DEMAND_FEATURES
from guidance.features.demand import DemandIndex, SetDemand
from guidance.features.history import OfferingHistory, lineage_ids
from guidance.features.interest import (
    interest_correlation,
    interest_fit,
    occupation_vectors,
    offering_vectors,
)
from guidance.features.skill import occupation_skill, skill_gap, target_skill
from guidance.geo import haversine_km
from guidance.periods import period_index


@dataclass
class _Lookups:
    lat: dict
    lon: dict
    region: dict
    occ_vec: dict
    skill: dict | None = None  # occupation → ISCO skill level (None in bundles saved before)


@dataclass
class OfferingKeys:
    """What the learner side needs to know of each offering row (aligned with the block)."""

    set_of: np.ndarray  # row → target-occupation set (position in ``demand.sets``)
    study_of: np.ndarray  # row → study province (position in ``study_codes``)
    study_codes: np.ndarray  # distinct study province codes (object; NaN = missing)
    study_lat: np.ndarray
    study_lon: np.ndarray
    min_education: np.ndarray
    duration: np.ndarray
    occ_sets: np.ndarray  # RIASEC vector per target set
    demand: SetDemand

    def take(self, idx: np.ndarray) -> OfferingKeys:
        return replace(
            self,
            set_of=self.set_of[idx],
            study_of=self.study_of[idx],
            min_education=self.min_education[idx],
            duration=self.duration[idx],
        )


@dataclass
class OfferingBlock:
    """The offering-side columns (learner-side ones NaN) and the offering keys."""

    matrix: np.ndarray
    keys: OfferingKeys


def _numeric(v: Any) -> Any:
    """A learner value: one number (None/unparseable → NaN) or a float array."""
    if np.ndim(v) == 0:
        if v is None:
            return np.nan
        try:
            return float(v)
        except (TypeError, ValueError):
            return np.nan
    return pd.to_numeric(pd.Series(v), errors="coerce").astype("float64").to_numpy()


def _code(v: Any) -> Any:
    """A province code: one string (missing → NaN) or an object array of them."""
    if np.ndim(v) == 0:
        return np.nan if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
    return text(pd.Series(v, dtype=object)).to_numpy()


class ContextFeatures(TransformerMixin, BaseEstimator):
    """Raw pair columns → numeric matrix (categoricals as integer codes, NaN = unknown).

    Args:
        max_categories: levels kept per categorical column (rarer ones share one code),
            so HistGradientBoosting's native categorical support (≤ 255 bins) applies.
        demand_window: months averaged up to the graduation month
            (``demand_figures.WINDOW`` by default).
        priors: prior strengths of the history shrinkage (see ``OfferingHistory``).
    """

    lookups_: _Lookups
    lineage_: dict[str, str]
    cat_levels_: dict[str, list]
    history_: OfferingHistory
    demand_: DemandIndex
    feature_names_out_: np.ndarray
    categorical_mask_: np.ndarray

    def __init__(
        self,
        max_categories: int = 250,
        demand_window: int = dfig.WINDOW,
        priors: dict | None = None,
    ) -> None:
        self.max_categories = max_categories
        self.demand_window = demand_window
        self.priors = priors

    # -- fitting -----------------------------------------------------------------
    def fit(
        self,
        X: pd.DataFrame,
        y: Any = None,
        *,
        provinces: pd.DataFrame,
        occupations: pd.DataFrame,
        demand: pd.DataFrame,
        programmes: pd.DataFrame | None = None,
    ) -> ContextFeatures:
        prov = provinces.set_index("province_code")
        self.lookups_ = _Lookups(
            prov["lat"].to_dict(),
            prov["lon"].to_dict(),
            prov["region"].to_dict(),
            occupation_vectors(occupations),
            occupation_skill(occupations),
        )
        self.lineage_ = lineage_ids(programmes if programmes is not None else X)
        region = self.lookups_.region
        base = {
            "level": text(X["level"]),
            "mode": text(X["mode"]),
            "region_study": text(X["province_code"]).map(region),
            "region_home": text(X["home_province_code"]).map(region),
        }
        self.cat_levels_ = {
            col: list(base[col].value_counts(dropna=True).index[: self.max_categories - 1])
            for col in CATEGORICAL
        }
        keys = self._history_keys(X, period_index(X["cohort"]))
        self.history_ = OfferingHistory(priors=self.priors).fit(keys, X)
        self.set_demand(demand)
        self.feature_names_in_ = np.array(INPUT_COLUMNS, dtype=object)
        self.n_features_in_ = len(INPUT_COLUMNS)
        names = [*CATEGORICAL, *NUMERIC_RAW, *DERIVED, *DEMAND_FEATURES]
        names += [*self.history_.feature_names(), *SKILL]
        self.feature_names_out_ = np.array(names, dtype=object)
        self.categorical_mask_ = np.array([n in CATEGORICAL for n in names])
        return self

    def fit_transform(self, X: pd.DataFrame, y: Any = None, **context: Any) -> np.ndarray:
        """Fit, then transform the training rows with time-respecting history."""
        self.fit(X, **context)
        return self._transform(X, training=True)

    def set_demand(self, demand: pd.DataFrame | DemandIndex) -> ContextFeatures:
        """Swap the demand snapshot (serving passes the newest one)."""
        self.demand_ = demand if isinstance(demand, DemandIndex) else DemandIndex.from_frame(demand)
        return self

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return self.feature_names_out_

    def learner_side(self) -> list[int]:
        """Positions of the output columns the learner block fills."""
        return [i for i, n in enumerate(self.feature_names_out_) if n in LEARNER_SIDE]

    def categorical_sizes(self) -> dict[int, int]:
        """Output position of each categorical column → its number of kept levels."""
        names = self.feature_names_out_
        return {
            int(j): len(self.cat_levels_[str(names[j])])
            for j in np.flatnonzero(self.categorical_mask_)
        }

    # -- offering side -------------------------------------------------------------
    def lineage(self, offerings: pd.DataFrame) -> pd.Series:
        """Each row's offering lineage: the oldest offering of its predecessor chain."""
        pid = offerings["programme_id"].astype("str")
        pred = text(offerings["predecessor_id"])
        lin = self.lineage_
        return pid.map(lin).fillna(pred.map(lin).fillna(pred)).fillna(pid)

    def _history_keys(self, rows: pd.DataFrame, cohort_t: Any) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "lineage": self.lineage(rows),
                "programme_code": text(rows["programme_code"]),
                "field_code": text(rows["field_code"]),
                "region": text(rows["province_code"]).map(self.lookups_.region).fillna("?"),
                "institution_id": text(rows["institution_id"]),
                "cohort_t": np.broadcast_to(np.asarray(cohort_t, dtype="int64"), len(rows)),
            },
            index=rows.index,
        )

    def offering_history(self, offerings: pd.DataFrame) -> pd.DataFrame:
        """For the recommender: per offering its raw n, cohort span, observed rate (hidden
        below ``MIN_CELL`` graduates) and shrunk rate for every history target."""
        rows = offerings.reset_index(drop=True)
        out = self.history_.summary(self._history_keys(rows, 0))
        out.insert(0, "programme_id", rows["programme_id"].astype("str").to_numpy())
        return out

    def _codes(self, col: str, values: pd.Series) -> np.ndarray:
        levels = self.cat_levels_[col]
        codes = pd.Categorical(values, categories=levels).codes.astype("float64")
        known = values.notna().to_numpy()
        codes[(codes < 0) & known] = len(levels)  # rare level
        codes[~known] = np.nan
        return np.asarray(codes)

    def offering_block(
        self,
        offerings: pd.DataFrame,
        cohort_t: Any,
        *,
        history_values: pd.DataFrame | None = None,
    ) -> OfferingBlock:
        """The offering-side columns of ``offerings`` graduating in month ``cohort_t`` (one
        or per row). With ``history_values`` (training rows) each row's history rates see
        only earlier cohorts."""
        missing = [c for c in OFFERING_COLUMNS if c not in offerings.columns]
        if missing:
            raise KeyError(f"offerings lack columns: {missing}")
        lk, n = self.lookups_, len(offerings)
        cohort = np.broadcast_to(np.asarray(cohort_t, dtype="int64"), n)
        study = text(offerings["province_code"])
        cols: dict[str, np.ndarray] = {
            "level": self._codes("level", text(offerings["level"])),
            "mode": self._codes("mode", text(offerings["mode"])),
            "region_study": self._codes("region_study", study.map(lk.region)),
        }
        for col in NUMERIC_RAW:
            if col not in LEARNER_NUMERIC:
                cols[col] = _numeric(offerings[col])
        targets = offerings["target_occupations"].astype("str").to_numpy()
        sets, set_of = np.unique(targets, return_inverse=True)
        agg = self.demand_.aggregate(sets, window=self.demand_window, region_of=lk.region)
        cols.update(agg.lookup("study", set_of, study.to_numpy(), cohort))
        skill = target_skill(sets, lk.skill or {})[set_of]
        cols["target_skill"] = skill
        cols["skill_gap"] = skill_gap(skill, text(offerings["level"]))
        hist_keys = self._history_keys(offerings, cohort)
        cols.update(self.history_.features(hist_keys, values=history_values))
        names = [str(x) for x in self.feature_names_out_]
        matrix = np.full((n, len(names)), np.nan)
        for j, name in enumerate(names):
            if name not in LEARNER_SIDE:
                matrix[:, j] = cols[name]
        study_of, study_codes = pd.factorize(study, use_na_sentinel=False)
        study_codes = np.asarray(study_codes, dtype=object)
        keys = OfferingKeys(
            set_of=np.asarray(set_of),
            study_of=np.asarray(study_of),
            study_codes=study_codes,
            study_lat=pd.Series(study_codes).map(lk.lat).astype("float64").to_numpy(),
            study_lon=pd.Series(study_codes).map(lk.lon).astype("float64").to_numpy(),
            min_education=_numeric(offerings["min_education"]),
            duration=_numeric(offerings["duration_months"]),
            occ_sets=offering_vectors(sets, lk.occ_vec),
            demand=agg,
        )
        return OfferingBlock(matrix, keys)

    # -- learner side --------------------------------------------------------------
    def learner_columns(
        self, learners: Mapping[str, Any], keys: OfferingKeys, cohort_t: Any
    ) -> dict[int, Any]:
        """The learner-side columns for the rows of ``keys``: output position → values (one
        number for every row, or one per row). ``learners`` maps each learner column to one
        value or one per row; ``cohort_t`` is the graduation month (one or per row)."""
        lk = self.lookups_
        pos = {str(n): i for i, n in enumerate(self.feature_names_out_)}
        out: dict[int, Any] = {}
        for c in LEARNER_NUMERIC:
            out[pos[c]] = _numeric(learners.get(c))
        home = _code(learners.get("home_province_code"))
        one = np.ndim(home) == 0
        if one:  # one learner: no pandas on the request path
            region, levels = lk.region.get(home), self.cat_levels_["region_home"]
            known = isinstance(region, str)
            code = levels.index(region) if known and region in levels else len(levels)
            out[pos["region_home"]] = float(code) if known else np.nan
        else:
            region = pd.Series(home, dtype=object).map(lk.region)
            out[pos["region_home"]] = self._codes("region_home", region)
        out[pos["cohort_t"]] = np.asarray(cohort_t, dtype="float64")
        out[pos["edu_gap"]] = out[pos["education_level"]] - keys.min_education
        # same province: a missing code (NaN) equals no code, so it is never the same
        if one:  # per distinct study province, then per row
            h_lat, h_lon = lk.lat.get(home, np.nan), lk.lon.get(home, np.nan)
            km = haversine_km(keys.study_lat, keys.study_lon, h_lat, h_lon)
            out[pos["distance_km"]] = km[keys.study_of]
            same = keys.study_codes == home
            out[pos["same_province"]] = same[keys.study_of].astype("float64")
        else:
            hs = pd.Series(home, dtype=object)
            h_lat = hs.map(lk.lat).astype("float64").to_numpy()
            h_lon = hs.map(lk.lon).astype("float64").to_numpy()
            w = keys.study_of
            out[pos["distance_km"]] = haversine_km(
                keys.study_lat[w], keys.study_lon[w], h_lat, h_lon
            )
            out[pos["same_province"]] = (keys.study_codes[w] == home).astype("float64")
        r = [_numeric(learners.get(c)) for c in RIASEC]
        per_row: Any
        if all(np.ndim(v) == 0 for v in r):  # one profile: per target set, then per row
            profile, occ, per_row = np.array(r, dtype="float64"), keys.occ_sets, keys.set_of
        else:
            profile = np.column_stack([np.broadcast_to(v, len(keys.set_of)) for v in r])
            occ, per_row = keys.occ_sets[keys.set_of], slice(None)
        out[pos["interest_fit"]] = interest_fit(profile, occ)[per_row]
        corr = pos.get("interest_corr")  # absent from bundles saved before it existed
        if corr is not None:
            out[corr] = interest_correlation(profile, occ)[per_row]
        dem = keys.demand.lookup("home", keys.set_of, home, np.asarray(cohort_t))
        for name, v in dem.items():
            out[pos[name]] = v
        return out

    # -- transforming --------------------------------------------------------------
    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return self._transform(X, training=False)

    def _transform(self, X: pd.DataFrame, *, training: bool) -> np.ndarray:
        missing = [c for c in INPUT_COLUMNS if c not in X.columns]
        if missing:
            raise KeyError(f"pairs lack input columns: {missing}")
        cohort = period_index(X["cohort"])
        values = OfferingHistory.values(X) if training else None
        block = self.offering_block(X, cohort, history_values=values)
        learners = {c: X[c].to_numpy() for c in LEARNER_COLUMNS}
        for j, v in self.learner_columns(learners, block.keys, cohort).items():
            block.matrix[:, j] = v
        return block.matrix

"""Learner × offering × demand features: one transformer shared by training and serving.

``ContextFeatures`` turns raw contract columns (learner columns of ``outcomes``, the
offering's ``programmes`` columns and the graduation period ``cohort``) into the model
matrix. Context enters as fitted or explicitly swapped state, never through code outside
the pipeline:

- provinces (lat/lon/region) and occupations (Holland letters) are learned at ``fit``;
- the offering history (``OfferingHistory``: shrunk outcome rates, formula in
  docs/training.md) is learned at ``fit`` from the training rows;
- demand is a swappable snapshot: ``set_demand(df)`` replaces it, and the same code turns
  it into features at training, evaluation and serving time. A period later than the
  snapshot's newest month uses the newest month (the "current" demand).

Protected attributes (``sex``, ``ethnic_minority``) are never read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from guidance.geo import haversine_km
from guidance.stats.definitions import rate as observed_rate

PROTECTED = ("sex", "ethnic_minority")
RIASEC = ("riasec_r", "riasec_i", "riasec_a", "riasec_s", "riasec_e", "riasec_c")
LEARNER_COLUMNS = (
    "age",
    "home_province_code",
    "education_level",
    "gpa",
    "math_score",
    "literature_score",
    "english_score",
    *RIASEC,
    "prior_work_months",
)
OFFERING_COLUMNS = (
    "programme_id",
    "programme_code",
    "field_code",
    "level",
    "duration_months",
    "province_code",
    "institution_id",
    "tuition_vnd_per_year",
    "mode",
    "min_education",
    "target_occupations",
    "predecessor_id",
)
INPUT_COLUMNS = (*LEARNER_COLUMNS, *OFFERING_COLUMNS, "cohort")
# Low-cardinality categoricals go to the trees as native categories. Programme code, field,
# province and institution enter through the shrunk history rates and the demand/distance
# features instead: as raw categories (hundreds of levels) they overfitted and cost ~0.03 AUC
# on the demo world's test split (docs/training.md).
CATEGORICAL = ("level", "mode", "region_study", "region_home")
NUMERIC_RAW = (
    "age",
    "education_level",
    "gpa",
    "math_score",
    "literature_score",
    "english_score",
    *RIASEC,
    "prior_work_months",
    "duration_months",
    "tuition_vnd_per_year",
    "min_education",
)
_LETTER_WEIGHTS = (1.0, 0.6, 0.3)  # strongest Holland letter counts most


def training_pairs(outcomes: pd.DataFrame, programmes: pd.DataFrame) -> pd.DataFrame:
    """Join each tracer record to its offering: one learner × offering row per record."""
    offer = programmes[list(OFFERING_COLUMNS)]
    rows = outcomes.merge(offer, on="programme_id", how="inner", validate="many_to_one")
    return rows.reset_index(drop=True)


def serving_pairs(learner: dict, offerings: pd.DataFrame, start_period: str) -> pd.DataFrame:
    """One row per candidate offering for one learner; graduation = start + duration."""
    rows = offerings[list(OFFERING_COLUMNS)].reset_index(drop=True).copy()
    for col in LEARNER_COLUMNS:
        rows[col] = learner.get(col, np.nan)
    start = period_index(pd.Series([start_period]))[0]
    end = start + rows["duration_months"].astype("float64").fillna(0).to_numpy().astype(int)
    rows["cohort"] = [f"{p // 12:04d}-{p % 12 + 1:02d}" for p in end]
    return rows


def _text(s: pd.Series) -> pd.Series:
    """Codes as strings with missing values kept missing (pandas 2 would write "nan")."""
    return s.astype("str").where(s.notna())


def riasec_vector(letters: object) -> np.ndarray:
    """Holland letters (e.g. ``"RIC"``) → a 6-vector in R, I, A, S, E, C order."""
    vec = np.zeros(6)
    if isinstance(letters, str):
        for w, ch in zip(_LETTER_WEIGHTS, letters.strip().upper(), strict=False):
            if ch in "RIASEC":
                vec["RIASEC".index(ch)] += w
    return vec


@dataclass
class _Lookups:
    lat: dict
    lon: dict
    region: dict
    occ_vec: dict


class ContextFeatures(TransformerMixin, BaseEstimator):
    """Raw pair columns → numeric matrix (categoricals as integer codes, NaN = unknown).

    Args:
        max_categories: levels kept per categorical column (rarer ones share one code),
            so HistGradientBoosting's native categorical support (≤ 255 bins) applies.
        demand_window: months averaged up to the graduation month.
        priors: prior strengths of the history shrinkage (see ``OfferingHistory``).
    """

    def __init__(
        self, max_categories: int = 250, demand_window: int = 3, priors: dict | None = None
    ):
        self.max_categories = max_categories
        self.demand_window = demand_window
        self.priors = priors

    # -- fitting -----------------------------------------------------------------
    def fit(
        self,
        X: pd.DataFrame,
        y=None,
        *,
        provinces: pd.DataFrame,
        occupations: pd.DataFrame,
        demand: pd.DataFrame,
        programmes=None,
    ):
        self._fit(X, provinces, occupations, demand, programmes)
        return self

    def fit_transform(
        self,
        X: pd.DataFrame,
        y=None,
        *,
        provinces: pd.DataFrame,
        occupations: pd.DataFrame,
        demand: pd.DataFrame,
        programmes=None,
    ):
        """Fit, then transform the training rows with time-respecting history."""
        self._fit(X, provinces, occupations, demand, programmes)
        return self._transform(X, training=True)

    def _fit(self, X, provinces, occupations, demand, programmes) -> None:
        prov = provinces.set_index("province_code")
        occ_vec = {
            code: riasec_vector(r)
            for code, r in zip(occupations["occupation_code"], occupations["riasec"], strict=True)
            if isinstance(r, str)
        }
        self.lookups_ = _Lookups(
            prov["lat"].to_dict(), prov["lon"].to_dict(), prov["region"].to_dict(), occ_vec
        )
        self.lineage_ = lineage_ids(programmes if programmes is not None else X)
        base = self._base_frame(X)
        self.cat_levels_ = {}
        for col in CATEGORICAL:
            counts = base[col].value_counts(dropna=True)
            self.cat_levels_[col] = list(counts.index[: self.max_categories - 1])
        self.history_ = OfferingHistory(priors=self.priors).fit(self._history_keys(X, base), X)
        self.set_demand(demand)
        self.feature_names_in_ = np.array(INPUT_COLUMNS, dtype=object)
        self.n_features_in_ = len(INPUT_COLUMNS)
        names = [
            *CATEGORICAL,
            *NUMERIC_RAW,
            "cohort_t",
            "edu_gap",
            "distance_km",
            "same_province",
            "interest_fit",
            *DemandIndex.FEATURES,
            *self.history_.feature_names(),
        ]
        self.feature_names_out_ = np.array(names, dtype=object)
        self.categorical_mask_ = np.array([n in CATEGORICAL for n in names])

    def set_demand(self, demand: pd.DataFrame | DemandIndex) -> ContextFeatures:
        """Swap the demand snapshot (serving passes the newest one)."""
        self.demand_ = demand if isinstance(demand, DemandIndex) else DemandIndex.from_frame(demand)
        return self

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return self.feature_names_out_

    def offering_history(self, offerings: pd.DataFrame) -> pd.DataFrame:
        """For the recommender: per offering its raw n, cohort span, observed rate (hidden
        below ``MIN_CELL`` graduates) and shrunk rate for every history target."""
        rows = offerings.reset_index(drop=True)
        base = pd.DataFrame(
            {
                "programme_code": _text(rows["programme_code"]),
                "field_code": _text(rows["field_code"]),
                "region_study": _text(rows["province_code"]).map(self.lookups_.region),
            }
        )
        fake = rows.assign(cohort="2000-01")
        out = self.history_.summary(self._history_keys(fake, base))
        out.insert(0, "programme_id", rows["programme_id"].astype("str").to_numpy())
        return out

    # -- transforming --------------------------------------------------------------
    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return self._transform(X, training=False)

    def _base_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        lk = self.lookups_
        missing = [c for c in INPUT_COLUMNS if c not in X.columns]
        if missing:
            raise KeyError(f"pairs lack input columns: {missing}")
        base = pd.DataFrame(index=X.index)
        for col in (
            "level",
            "mode",
            "field_code",
            "programme_code",
            "province_code",
            "home_province_code",
        ):
            base[col] = _text(X[col])
        base["region_study"] = base["province_code"].map(lk.region)
        base["region_home"] = base["home_province_code"].map(lk.region)
        return base

    def _history_keys(self, X: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
        pid = X["programme_id"].astype("str")
        pred = _text(X["predecessor_id"])
        lineage = pid.map(self.lineage_).fillna(pred.map(self.lineage_).fillna(pred)).fillna(pid)
        return pd.DataFrame(
            {
                "lineage": lineage,
                "programme_code": base["programme_code"],
                "field_code": base["field_code"],
                "region": base["region_study"].fillna("?"),
                "institution_id": _text(X["institution_id"]),
                "cohort_t": period_index(X["cohort"]),
            },
            index=X.index,
        )

    def _transform(self, X: pd.DataFrame, *, training: bool) -> np.ndarray:
        lk = self.lookups_
        base = self._base_frame(X)
        n = len(X)
        cols: list[np.ndarray] = []
        for col in CATEGORICAL:
            codes = pd.Categorical(base[col], categories=self.cat_levels_[col]).codes
            codes = codes.astype("float64")
            known = base[col].notna().to_numpy()
            codes[(codes < 0) & known] = len(self.cat_levels_[col])  # rare level
            codes[~known] = np.nan
            cols.append(codes)
        for col in NUMERIC_RAW:
            cols.append(pd.to_numeric(X[col], errors="coerce").astype("float64").to_numpy())
        cohort_t = period_index(X["cohort"]).astype("float64")
        cols.append(cohort_t)
        edu = pd.to_numeric(X["education_level"], errors="coerce").astype("float64")
        mined = pd.to_numeric(X["min_education"], errors="coerce").astype("float64")
        cols.append((edu - mined).to_numpy())
        study, home = base["province_code"], base["home_province_code"]
        dist = haversine_km(
            study.map(lk.lat).astype("float64"),
            study.map(lk.lon).astype("float64"),
            home.map(lk.lat).astype("float64"),
            home.map(lk.lon).astype("float64"),
        )
        cols.append(np.asarray(dist, dtype="float64"))
        cols.append((study == home).to_numpy().astype("float64"))
        cols.append(self._interest_fit(X))
        targets = X["target_occupations"].astype("str").to_numpy()
        dem = self.demand_.features(
            targets,
            study.to_numpy(),
            home.to_numpy(),
            cohort_t.astype(int),
            window=self.demand_window,
            region_of=lk.region,
        )
        cols.extend(dem[name] for name in DemandIndex.FEATURES)
        keys = self._history_keys(X, base)
        values = OfferingHistory.values(X) if training else None
        hist = self.history_.features(keys, values=values)
        cols.extend(hist[name] for name in self.history_.feature_names())
        out = np.column_stack(cols) if n else np.empty((0, len(self.feature_names_out_)))
        return out.astype("float64", copy=False)

    def _interest_fit(self, X: pd.DataFrame) -> np.ndarray:
        """Cosine similarity of the learner's RIASEC vector and the offering's occupations."""
        learner = np.column_stack(
            [pd.to_numeric(X[c], errors="coerce").astype("float64").to_numpy() for c in RIASEC]
        )
        targets = X["target_occupations"].astype("str")
        uniq, inv = np.unique(targets.to_numpy(), return_inverse=True)
        occ_vec = self.lookups_.occ_vec
        offer = np.zeros((len(uniq), 6))
        for i, t in enumerate(uniq):
            vecs = [occ_vec[c] for c in str(t).split(";") if c in occ_vec]
            if vecs:
                offer[i] = np.mean(vecs, axis=0)
        o = offer[inv]
        num = np.sum(learner * o, axis=1)
        den = np.linalg.norm(learner, axis=1) * np.linalg.norm(o, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            fit = num / den
        fit[~np.isfinite(fit)] = np.nan
        return fit


# -- periods and offering lineage --------------------------------------------------------
def period_index(periods) -> np.ndarray:
    """``YYYY-MM`` → months since year 0 (vectorised through the unique values)."""
    s = pd.Series(periods).astype("str")
    uniq, inv = np.unique(s.to_numpy(), return_inverse=True)
    out = np.empty(len(uniq), dtype="int64")
    for i, p in enumerate(uniq):
        out[i] = int(p[:4]) * 12 + int(p[5:7]) - 1
    return out[inv]


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


# -- demand --------------------------------------------------------------------------------
class DemandIndex:
    """Vacancies and job seekers as dense arrays [occupation, province, month] for fast lookup."""

    FEATURES = (
        "dem_vac_study",
        "dem_vps_study",
        "dem_trend_study",
        "dem_vac_home",
        "dem_vps_home",
        "dem_trend_home",
        "dem_lratio_region_study",
        "dem_lratio_region_home",
    )

    def __init__(self, occupations, provinces, p0, vac, seek, seek_known):
        self.occupations, self.provinces, self.p0 = list(occupations), list(provinces), int(p0)
        self.vac, self.seek, self.seek_known = vac, seek, seek_known

    @classmethod
    def from_frame(cls, demand: pd.DataFrame) -> DemandIndex:
        occ_codes, occ = np.unique(
            demand["occupation_code"].astype("str").to_numpy(), return_inverse=True
        )
        prov_codes, prov = np.unique(
            demand["province_code"].astype("str").to_numpy(), return_inverse=True
        )
        t = period_index(demand["period"]) if len(demand) else np.zeros(0, dtype=int)
        # no demand rows: no months; ``last_period`` is then the current month (what
        # serving treats as "now"), and every demand feature is missing
        p0 = int(t.min()) if len(t) else _this_month() + 1
        shape = (len(occ_codes), len(prov_codes), int(t.max()) - p0 + 1 if len(t) else 0)
        flat = np.ravel_multi_index((occ, prov, t - p0), shape) if len(t) else t
        size = int(np.prod(shape))
        seekers = pd.to_numeric(demand["job_seekers"], errors="coerce").astype("float64")

        def acc(w):
            return np.bincount(flat, weights=w, minlength=size).reshape(shape)

        vac = acc(pd.to_numeric(demand["vacancies"]).astype("float64").to_numpy())
        seek = acc(seekers.fillna(0).to_numpy())
        known = acc(seekers.notna().to_numpy().astype("float64"))
        return cls(occ_codes, prov_codes, p0, vac, seek, known)

    @property
    def last_period(self) -> str:
        p = self.p0 + self.vac.shape[2] - 1
        return f"{p // 12:04d}-{p % 12 + 1:02d}"

    def compact(self, months: int = 15) -> DemandIndex:
        """Keep only the newest months (enough for windows and the 12-month trend)."""
        k = max(0, self.vac.shape[2] - months)
        return DemandIndex(
            self.occupations,
            self.provinces,
            self.p0 + k,
            self.vac[:, :, k:].copy(),
            self.seek[:, :, k:].copy(),
            self.seek_known[:, :, k:].copy(),
        )

    def features(
        self, targets, study, home, period, *, window: int = 3, region_of: dict | None = None
    ) -> dict:
        """Demand for each row's target occupations around its graduation month, in the study
        and home provinces and (with ``region_of``) their regions' labour markets."""
        from scipy import sparse

        n = len(targets)
        nan = np.full(n, np.nan)
        n_per = self.vac.shape[2]
        if n == 0 or n_per == 0:
            return {f: nan.copy() for f in self.FEATURES}
        uniq, inv = np.unique(np.asarray(targets, dtype=object).astype(str), return_inverse=True)
        occ_pos = {c: i for i, c in enumerate(self.occupations)}
        r, c = [], []
        for i, t in enumerate(uniq):
            for code in set(t.split(";")):
                if code in occ_pos:
                    r.append(i)
                    c.append(occ_pos[code])
        m = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(uniq), len(self.occupations)))
        shape = (len(uniq), len(self.provinces), n_per)
        v, s, k = (
            np.asarray(m @ a.reshape(len(self.occupations), -1)).reshape(shape)
            for a in (self.vac, self.seek, self.seek_known)
        )
        vw, sw, kw = (_trailing_mean(a, window) for a in (v, s, k))
        t = np.minimum(np.asarray(period, dtype=int) - self.p0, n_per - 1)
        ok_t = t >= 0
        t_safe = np.where(ok_t, t, 0)
        prov_pos = {c: i for i, c in enumerate(self.provinces)}
        out = {}
        for where, codes in (("study", study), ("home", home)):
            p = (
                np.array([prov_pos.get(x, -1) for x in codes])
                if len(prov_pos) < 100
                else pd.Series(codes).map(prov_pos).fillna(-1).astype(int).to_numpy()
            )
            ok = ok_t & (p >= 0)
            ps = np.where(ok, p, 0)
            vac = vw[inv, ps, t_safe]
            seek, known = sw[inv, ps, t_safe], kw[inv, ps, t_safe]
            lag = t_safe - 12
            vac_lag = vw[inv, ps, np.maximum(lag, 0)]
            with np.errstate(divide="ignore", invalid="ignore"):
                vps = np.where((known > 0) & (seek > 0), vac / seek, np.nan)
                trend = np.where(lag >= 0, np.log((vac + 1) / (vac_lag + 1)), np.nan)
            out[f"dem_vac_{where}"] = np.where(ok, np.log1p(vac), np.nan)
            out[f"dem_vps_{where}"] = np.where(ok, vps, np.nan)
            out[f"dem_trend_{where}"] = np.where(ok, trend, np.nan)
        regions = sorted({r for r in (region_of or {}).values() if isinstance(r, str)})
        if not regions:
            out["dem_lratio_region_study"] = out["dem_lratio_region_home"] = nan.copy()
            return out
        reg_pos = {r: i for i, r in enumerate(regions)}
        of_prov = np.array([reg_pos.get(region_of.get(c), -1) for c in self.provinces])
        rv = np.zeros((len(uniq), len(regions), n_per))
        rs = np.zeros_like(rv)
        for j in range(len(regions)):
            cols = of_prov == j
            rv[:, j] = vw[:, cols].sum(axis=1)
            rs[:, j] = sw[:, cols].sum(axis=1)
        for where, codes in (("study", study), ("home", home)):
            r = np.array([reg_pos.get(region_of.get(x), -1) for x in codes])
            ok = ok_t & (r >= 0)
            rr = np.where(ok, r, 0)
            v, s_ = rv[inv, rr, t_safe], rs[inv, rr, t_safe]
            with np.errstate(divide="ignore", invalid="ignore"):
                lr = np.log((v + 1) / (s_ + 1))
            out[f"dem_lratio_region_{where}"] = np.where(ok & (s_ > 0), lr, np.nan)
        return out


def _this_month() -> int:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return now.year * 12 + now.month - 1


def _trailing_mean(a: np.ndarray, window: int) -> np.ndarray:
    """Mean over the last ``window`` months (fewer at the start) along the last axis."""
    c = np.cumsum(a, axis=-1)
    out = c.copy()
    out[..., window:] = c[..., window:] - c[..., :-window]
    counts = np.minimum(np.arange(1, a.shape[-1] + 1), window)
    return out / counts


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
        self.global_ = sums[list(self._sn())].sum()
        self.totals_ = {
            name: sums.groupby(list(cols), observed=True)[list(self._sn())].sum()
            for name, cols in (*HISTORY_LEVELS, ("institution", ("institution_id",)))
        }
        span = keys.groupby("lineage")["cohort_t"].agg(["min", "max"])
        self.span_ = span
        return self

    @staticmethod
    def _sn() -> list[str]:
        return [f"{p}_{t}" for t in HISTORY_TARGETS for p in ("s", "n")]

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
        sn = self._sn()
        if values is not None:
            sums = self._sums(keys, values)
            level_sn = {
                name: self._prior_cumulative(
                    sums, ["cohort_t"] if not cols else [*cols, "cohort_t"]
                )
                for name, cols in (
                    ("global", ()),
                    *HISTORY_LEVELS,
                    ("institution", ("institution_id",)),
                )
            }
        else:
            level_sn = {"global": np.tile(self.global_.to_numpy(), (len(keys), 1))}
            for name, cols in (*HISTORY_LEVELS, ("institution", ("institution_id",))):
                tot = self.totals_[name]
                if len(cols) == 1:
                    got = tot.reindex(keys[cols[0]].to_numpy())
                else:
                    got = tot.reindex(pd.MultiIndex.from_frame(keys[list(cols)]))
                level_sn[name] = got.fillna(0.0).to_numpy()
        out = {}
        overall = self.global_.to_numpy()
        for t in HISTORY_TARGETS:
            s_i, n_i = sn.index(f"s_{t}"), sn.index(f"n_{t}")
            g = level_sn["global"]
            fallback = overall[s_i] / max(overall[n_i], 1.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                p = np.where(g[:, n_i] > 0, g[:, s_i] / g[:, n_i], fallback)
            base = p
            for name, _ in HISTORY_LEVELS:
                k, a = self.priors[name], level_sn[name]
                p = (a[:, s_i] + k * p) / (a[:, n_i] + k)
            out[f"hist_{t}"] = p
            k, a = self.priors["institution"], level_sn["institution"]
            out[f"hist_inst_{t}"] = (a[:, s_i] + k * base) / (a[:, n_i] + k)
            if t == "completed":  # graduates seen (every record has ``completed``)
                out["hist_n"] = level_sn["offering"][:, n_i].astype("float64")
        return out

    @staticmethod
    def _prior_cumulative(sums: pd.DataFrame, by: list[str]) -> np.ndarray:
        """Sums over strictly earlier cohorts of the same group, aligned to ``sums`` rows."""
        sn = OfferingHistory._sn()
        g = sums.groupby(by, observed=True, sort=True)[sn].sum()
        group_cols = by[:-1]
        if group_cols:
            cum = g.groupby(level=list(range(len(group_cols))), observed=True).cumsum() - g
        else:
            cum = g.cumsum() - g
        idx = pd.MultiIndex.from_frame(sums[by]) if len(by) > 1 else sums[by[0]].to_numpy()
        return cum.reindex(idx).to_numpy()

    def summary(self, keys: pd.DataFrame) -> pd.DataFrame:
        """Per row: raw n, cohort span, observed and shrunk rates (small cells hidden)."""
        feats = self.features(keys)
        tot = self.totals_["offering"].reindex(keys["lineage"].to_numpy()).fillna(0.0)
        out = pd.DataFrame({"lineage": keys["lineage"].to_numpy()}, index=keys.index)
        # every record counts as a graduate (``completed`` is never empty); an observed rate
        # counts only the records with that outcome known (v1.1: a one-wave graduate has no
        # 12-month outcomes) and is shown from ``MIN_CELL`` of them
        n = tot["n_completed"].to_numpy()
        out["n_graduates"] = n.astype("int64")
        span = self.span_.reindex(keys["lineage"].to_numpy())
        for end in ("min", "max"):
            v = span[end].to_numpy()
            out[f"{'first' if end == 'min' else 'last'}_cohort"] = [
                f"{int(p) // 12:04d}-{int(p) % 12 + 1:02d}" if np.isfinite(p) else None for p in v
            ]
        for t in HISTORY_TARGETS:
            s, m = tot[f"s_{t}"].to_numpy(), tot[f"n_{t}"].to_numpy()
            # gated on graduates with this outcome known (v1.1: a wave may be unanswered)
            obs = np.where((n >= MIN_CELL) & (m >= MIN_CELL), observed_rate(s, m), np.nan)
            out[f"n_{t}"] = m.astype("int64")
            out[f"observed_{t}"] = obs
            out[f"shrunk_{t}"] = feats[f"hist_{t}"]
        return out

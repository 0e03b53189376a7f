"""Fast scoring of a shortlist with the SAME fitted models, without the per-call overheads.

Two costs dominate ``OutcomeModels.predict`` on a few hundred rows (measured in
docs/recommend.md): building the feature matrix from pandas pair rows (the demand
features re-aggregate the whole snapshot on every call), and scikit-learn walking each
tree in a Python loop (hundreds of calls per target). Here:

- the offering side of the feature matrix is computed ONCE with the models' own
  ``ContextFeatures.transform``; a request only fills the learner-dependent columns
  (learner values, education gap, distance, same province, home region, interest fit,
  demand around home, graduation month) from small precomputed tables;
- every tree of every target is flattened into node arrays and evaluated for all rows and
  trees at once, one numpy step per tree level (categorical splits via bitset tables),
  followed by the fitted calibrators (isotonic → ``np.interp``, sigmoid → logistic).

At construction the fast path is checked against the pipeline on probe learners; any
difference (or an estimator it does not know) raises ``TypeError`` and the recommender
falls back to ``PipelineScorer``.
"""

from __future__ import annotations

import inspect

import numpy as np

from guidance.features import LEARNER_COLUMNS, RIASEC, period_index, serving_pairs
from guidance.model import CLASSIFIER_TARGETS, PREDICTION_COLUMNS, WAGE_QUANTILES
from guidance.recommend.candidates import Catalogue
from guidance.recommend.forest import Compiler, FlatForest, expit

_TEMPLATE = {
    "age": 20,
    "home_province_code": None,
    "education_level": 12,
    "gpa": 7.0,
    "math_score": 7.0,
    "literature_score": 7.0,
    "english_score": 7.0,
    "riasec_r": 0.5,
    "riasec_i": 0.5,
    "riasec_a": 0.5,
    "riasec_s": 0.5,
    "riasec_e": 0.5,
    "riasec_c": 0.5,
    "prior_work_months": 0,
}


def _month(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


PROXY_TREES = 10  # booster trees used by the shortlist proxy when there is no linear part


# -- the scorer ---------------------------------------------------------------------------
class FastScorer:
    """Same predictions as ``PipelineScorer`` (checked at construction), much cheaper."""

    name = "fast"

    def __init__(self, models, cat: Catalogue, check: bool = True):
        self.models = models
        self.cat = cat
        ft = models.features
        self.names = [str(n) for n in ft.get_feature_names_out()]
        self.col = {n: i for i, n in enumerate(self.names)}
        mask = np.asarray(ft.categorical_mask_)
        cat_max = {int(j): len(ft.cat_levels_[self.names[j]]) for j in np.flatnonzero(mask)}
        comp = Compiler(cat_max)
        self.classifiers = []
        for t in CLASSIFIER_TARGETS:
            n_lin, n_boost = len(comp.linear), len(comp.boosters)
            self.classifiers.append(comp.proba(models.pipelines[t][-1]))
            if t == "job_matches_training":
                self._proxy_linear = comp.linear[n_lin:]
                self._proxy_boost = comp.boosters[n_boost:]
        self.n_boost = len(comp.boosters)
        regs = [models.pipelines[f"wage_q{int(q * 100)}"][-1] for q in WAGE_QUANTILES]
        self.forest = FlatForest(comp.boosters + regs)
        # a cheap stand-in for P(job matches training), to choose the shortlist: the
        # blend's logistic part if it has one, else the first trees of its booster
        self.proxy_forest = (
            None
            if self._proxy_linear or not self._proxy_boost
            else FlatForest(self._proxy_boost[:1], max_trees=PROXY_TREES)
        )
        for needed in ("distance_km", "same_province", "interest_fit", "edu_gap"):
            if needed not in self.col:
                raise TypeError(f"feature {needed!r} not found: fast path disabled")
        self.refresh()
        if check:
            self._check()

    def refresh(self) -> None:
        """Recompute the offering side (call after the demand snapshot changes)."""
        from guidance.geo import haversine_km

        ft, cat = self.models.features, self.cat
        self.demand_t = period_index([ft.demand_.last_period])[0]
        start = ft.demand_.last_period
        tmpl = dict(_TEMPLATE, home_province_code=str(cat.prov_codes[0]))
        self.base = (
            ft.transform(serving_pairs(tmpl, cat.frame, start))
            if len(cat)
            else np.empty((0, len(self.names)))
        )
        self.duration = np.nan_to_num(cat.duration)
        targets = cat.frame["target_occupations"].astype("str").to_numpy()
        self.sets, self.set_of = np.unique(targets, return_inverse=True)
        n_s, n_p = len(self.sets), len(cat.prov_codes)
        # home-dependent demand: one row per (target set, province) through the models' index
        home_cols = [n for n in self.names if n.startswith("dem_") and n.endswith("_home")]
        self.home_dem = {}
        if home_cols and n_s:
            tt = np.repeat(self.sets, n_p)
            hh = np.tile(cat.prov_codes, n_s)
            far = np.full(len(tt), 10**7)  # later than the snapshot: its newest month
            kw = {"window": ft.demand_window}
            if "region_of" in inspect.signature(ft.demand_.features).parameters:
                kw["region_of"] = ft.lookups_.region
            dem = ft.demand_.features(tt, hh, hh, far, **kw)
            self.home_dem = {n: dem[n].reshape(n_s, n_p) for n in home_cols}
        lk = ft.lookups_
        self.prov_lat = np.array([lk.lat.get(c, np.nan) for c in cat.prov_codes], float)
        self.prov_lon = np.array([lk.lon.get(c, np.nan) for c in cat.prov_codes], float)
        self.region_code = self._cat_codes(
            "region_home", [lk.region.get(c) for c in cat.prov_codes]
        )
        self.home_code = self._cat_codes("home_province_code", list(cat.prov_codes))
        vecs = np.zeros((n_s, 6))
        for i, t in enumerate(self.sets):
            vs = [lk.occ_vec[c] for c in str(t).split(";") if c in lk.occ_vec]
            if vs:
                vecs[i] = np.mean(vs, axis=0)
        self.occ_vecs = vecs
        self.occ_norm = np.linalg.norm(vecs, axis=1)
        # study provinces: distance from every home province, computed once per pair
        study = cat.frame["province_code"].astype("str").to_numpy()
        codes, self.study_of = np.unique(study, return_inverse=True)
        lat = np.array([lk.lat.get(c, np.nan) for c in codes], float)
        lon = np.array([lk.lon.get(c, np.nan) for c in codes], float)
        self.study_km = [
            np.asarray(haversine_km(lat, lon, self.prov_lat[h], self.prov_lon[h]), dtype=np.float64)
            for h in range(n_p)
        ]
        pos = {c: k for k, c in enumerate(codes)}
        self.home_study = np.array([pos.get(str(c), -1) for c in cat.prov_codes])
        if self._proxy_linear and len(cat):
            lin = self._proxy_linear[0]
            probe = dict(_TEMPLATE, home_province_code=str(cat.prov_codes[0]))
            moving = set(self.dependent(probe, np.arange(1), start))
            fixed = [j for j in range(len(self.names)) if j not in moving]
            self._proxy_fixed = lin.d0 + lin.terms(self.base, fixed)

    def _cat_codes(self, name: str, values: list) -> np.ndarray | None:
        if name not in self.col:
            return None
        levels = self.models.features.cat_levels_[name]
        pos = {v: i for i, v in enumerate(levels)}
        return np.array([np.nan if v is None else float(pos.get(v, len(levels))) for v in values])

    def dependent(
        self, learner: dict, idx: np.ndarray, start_period: str
    ) -> dict[int, np.ndarray | float]:
        """The learner-dependent columns for offerings ``idx``: column → one value for all
        rows, or one per row. Every other column is the offering's own (``self.base``)."""
        c = self.col
        out: dict[int, np.ndarray | float] = {}
        vals = {k: learner.get(k) for k in LEARNER_COLUMNS}
        for k, v in vals.items():
            if k in c and k != "home_province_code":
                out[c[k]] = np.nan if v is None else float(v)
        home_code = str(learner["home_province_code"])
        h = self.cat.prov_pos[home_code]
        if self.region_code is not None:
            out[c["region_home"]] = float(self.region_code[h])
        if self.home_code is not None:
            out[c["home_province_code"]] = float(self.home_code[h])
        edu = vals.get("education_level")
        out[c["edu_gap"]] = (np.nan if edu is None else float(edu)) - self.cat.min_edu_raw[idx]
        # per (home, study province) and per target set: small tables, then one lookup
        where = self.study_of[idx]
        out[c["distance_km"]] = self.study_km[h][where]
        out[c["same_province"]] = (where == self.home_study[h]).astype(np.float64)
        sets = self.set_of[idx]
        r = np.array([np.nan if vals.get(k) is None else float(vals[k]) for k in RIASEC])
        with np.errstate(invalid="ignore", divide="ignore"):
            fit = (self.occ_vecs @ r) / (np.linalg.norm(r) * self.occ_norm)
        fit[~np.isfinite(fit)] = np.nan
        out[c["interest_fit"]] = fit[sets]
        for n, tab in self.home_dem.items():
            out[c[n]] = tab[sets, h]
        if "cohort_t" in c:
            out[c["cohort_t"]] = _month(start_period) + self.duration[idx]
        return out

    def matrix(self, learner: dict, idx: np.ndarray, start_period: str) -> np.ndarray:
        """The models' feature matrix for the learner × offerings ``idx``."""
        X = self.base[idx].copy()
        for j, v in self.dependent(learner, idx, start_period).items():
            X[:, j] = v
        return X

    def predict(self, learner: dict, idx: np.ndarray, start_period: str) -> dict[str, np.ndarray]:
        if len(idx) == 0:
            return {k: np.zeros(0) for k in PREDICTION_COLUMNS}
        if _month(start_period) < self.demand_t:
            # a start before the snapshot's end moves the demand window: use the pipeline
            from guidance.recommend.scorer import PipelineScorer

            return PipelineScorer(self.models, self.cat).predict(learner, idx, start_period)
        return self.predict_matrix(self.matrix(learner, idx, start_period))

    def proxy_match(self, learner: dict, idx: np.ndarray, start_period: str) -> np.ndarray:
        """Approximate P(job matches training) for many candidates (ranking only). A linear
        proxy adds the learner-dependent terms to the offerings' own, summed at refresh."""
        if self._proxy_linear:
            lin = self._proxy_linear[0]
            z = self._proxy_fixed[idx].copy()
            for j, v in self.dependent(learner, idx, start_period).items():
                z += lin.term(j, v)
            return expit(z)
        X = self.matrix(learner, idx, start_period)
        if self.proxy_forest is not None:
            return expit(self.proxy_forest.raw(X)[:, 0])
        return np.full(len(idx), np.nan)

    def predict_matrix(self, X: np.ndarray) -> dict[str, np.ndarray]:
        raw = self.forest.raw(X)
        out = {
            f"p_{t}": f(X, raw) for t, f in zip(CLASSIFIER_TARGETS, self.classifiers, strict=True)
        }
        qs = np.sort(raw[:, self.n_boost :], axis=1)
        for j, q in enumerate(WAGE_QUANTILES):
            out[f"wage_q{int(q * 100)}"] = np.exp(qs[:, j])
        return out

    def _check(self, n: int = 200) -> None:
        """Refuse the fast path unless it reproduces the pipeline on probe learners."""
        from guidance.recommend.scorer import PipelineScorer

        cat = self.cat
        if len(cat) == 0:
            return
        rng = np.random.default_rng(0)
        idx = np.sort(rng.choice(len(cat), size=min(n, len(cat)), replace=False))
        ref = PipelineScorer(self.models, cat)
        start = self.models.features.demand_.last_period
        mid = str(cat.prov_codes[len(cat.prov_codes) // 2])
        probes = [
            dict(
                _TEMPLATE,
                home_province_code=str(cat.prov_codes[-1]),
                gpa=8.5,
                riasec_r=0.9,
                riasec_c=0.1,
                age=30,
                prior_work_months=24,
            ),
            {"age": 16, "home_province_code": mid, "education_level": 9},
        ]
        for p in probes:
            full = {k: p.get(k) for k in LEARNER_COLUMNS}
            want = ref.predict(full, idx, start)
            got = self.predict_matrix(self.matrix(full, idx, start))
            for k in PREDICTION_COLUMNS:
                if not np.allclose(got[k], want[k], rtol=1e-9, atol=1e-9, equal_nan=True):
                    raise TypeError(f"fast path differs from the pipeline on {k}")

"""Learners who enrolled in an offering: who they are at enrolment.

Only the hidden mobility trait is not written out; everything the outcome
model uses is a column of the contract (rounded as written), so the oracle can
recompute the same probabilities from the data alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.geo import distance_matrix_km
from guidance.world.demand import occupation_cluster
from guidance.world.outcomes import RIASEC, WorldContext
from guidance.world.params import (
    LEVELS,
    MINORITY_SHARE_PROVINCE,
    MINORITY_SHARE_REGION,
    POPULATION_M,
)

# Share of women by the offering's industry cluster (selection into fields;
# sex has no effect on outcomes except through the discrimination terms).
_FEMALE = {
    "garments": 0.8,
    "health_care": 0.75,
    "tourism": 0.6,
    "business": 0.65,
    "it": 0.25,
    "electronics": 0.4,
    "manufacturing": 0.12,
    "construction": 0.08,
    "transport": 0.1,
    "agriculture": 0.35,
    "other": 0.4,
}
P_LOCAL = 0.55  # learners who study in their home province
DISTANCE_SCALE_KM = 250.0


def home_matrix(ctx: WorldContext) -> np.ndarray:
    """P(home province | study province) for learners who came from elsewhere:
    population-weighted with exponential distance decay."""
    lat, lon = ctx.lat, ctx.lon
    d = distance_matrix_km(lat, lon)
    pop = np.array([POPULATION_M.get(c, 2.0) for c in ctx.prov_codes])
    w = pop[None, :] * np.exp(-d / DISTANCE_SCALE_KM)
    return w / w.sum(axis=1, keepdims=True)


def sample_learners(
    offerings: pd.DataFrame, ctx: WorldContext, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """One learner per offering row; returns (contract learner columns, mobile)."""
    n = len(offerings)
    level = offerings["level"].astype(str).map({lv: i for i, lv in enumerate(LEVELS)})
    level = level.to_numpy(dtype=int)
    study = offerings["province_code"].astype(str).map(ctx.prov_idx).to_numpy(int)

    home = study.copy()
    away = rng.random(n) >= P_LOCAL
    hm = home_matrix(ctx)
    cdf = np.cumsum(hm, axis=1)
    u = rng.random(n)
    idx = (u[:, None] > cdf[study]).sum(axis=1)
    home[away] = np.minimum(idx[away], len(ctx.prov_codes) - 1)
    home_codes = ctx.prov_codes[home]

    region_names = ctx.provinces["region"].astype(str).to_numpy()
    minority_p = np.array(
        [
            MINORITY_SHARE_PROVINCE.get(c, MINORITY_SHARE_REGION.get(r, 0.05))
            for c, r in zip(ctx.prov_codes, region_names, strict=False)
        ]
    )[home]
    minority = rng.random(n) < minority_p

    codes = offerings["target_occupations"].fillna("").astype(str).to_numpy()
    uniq, inv = np.unique(codes, return_inverse=True)
    p_f = np.array([_FEMALE.get(occupation_cluster(c.split(";")[0]), 0.4) for c in uniq])[inv]
    us = rng.random(n)
    sex = np.where(us < 0.003, "X", np.where(us < 0.003 + p_f * 0.997, "F", "M"))

    young = rng.random(n) < np.array([0.45, 0.85, 0.85])[level]
    age_young = np.select(
        [level == 0, level == 1],
        [rng.integers(15, 23, n), 15 + rng.poisson(0.6, n)],
        18 + rng.poisson(0.7, n),
    )
    age_adult = np.select(
        [level == 0, level == 1],
        [rng.integers(23, 51, n), rng.integers(20, 36, n)],
        rng.integers(22, 36, n),
    )
    age = np.where(young, age_young, age_adult)

    ue = rng.random(n)
    edu_so = np.where(
        age < 18, np.where(ue < 0.1, 5, 9), np.where(ue < 0.15, 5, np.where(ue < 0.6, 9, 12))
    )
    edu_tc = np.where(age <= 16, 9, np.where(ue < 0.5, 9, 12))
    edu_cd = np.where(ue < 0.05, 13, 12)
    edu = np.select([level == 0, level == 1], [edu_so, edu_tc], edu_cd)

    work = np.where(
        age >= 20,
        rng.poisson(np.clip(age - 18, 0, 20) * 3.6),
        np.where(rng.random(n) < 0.2, rng.poisson(2.0, n), 0),
    )

    mu = 0.15 * (level - 1)
    if ctx.params.i_sorting:  # ``institution`` variant: able learners sort into good schools
        q = offerings["institution_id"].astype(str).map(ctx.quality).fillna(0.0).to_numpy(float)
        mu = mu + ctx.params.i_sorting * q
    z = rng.normal(mu, 1.0)

    def score(mu, b, sd):
        return np.clip(np.round(mu + b * z + rng.normal(0, sd, n), 1), 0, 10)

    gpa, math = score(6.8, 0.9, 0.45), score(6.3, 1.2, 0.9)
    lit, eng = score(6.6, 0.7, 0.8), score(5.4, 1.0, 1.1)
    no_scores = (age >= 25) & (rng.random(n) < 0.3)
    for a in (gpa, math, lit, eng):
        a[no_scores] = np.nan

    prof = np.array([ctx.targets(c)[1] for c in uniq])[inv] if n else np.zeros((0, 6))
    k = rng.uniform(0.0, 1.4, n)[:, None]
    ria = np.clip(
        np.round(
            0.4
            + k * 0.55 * (prof - prof.mean(axis=1, keepdims=True))
            + rng.normal(0, 0.17, (n, 6)),
            2,
        ),
        0,
        1,
    )
    mobile = rng.random(n) < ctx.params.p_mobile

    df = pd.DataFrame(
        {
            "age": age.astype(np.int64),
            "home_province_code": home_codes,
            "education_level": edu.astype(np.int64),
            "gpa": gpa,
            "math_score": math,
            "literature_score": lit,
            "english_score": eng,
        }
    )
    for j, key in enumerate(RIASEC):
        df[f"riasec_{key}"] = ria[:, j]
    df["prior_work_months"] = np.minimum(work, 360).astype(np.int64)
    df["sex"] = sex
    df["ethnic_minority"] = minority
    return df, mobile

"""Parameters of the demo world's structural model, drawn from the seed.

Every number that shapes outcomes lives here, so ``docs/demo_world.md`` can
name it and the generator and the oracle read the same values. Centre values
are calibrated to the published figures cited in the docs; the seed jitters
them slightly so that different seeds give different (but plausible) worlds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from guidance.periods import month_of, period_label

GENERATOR_VERSION = "1.0"

# Random streams: each part of the world draws from its own stream, so adding
# draws to one part never shifts another (and chunks are independent).
STREAM_PARAMS, STREAM_CATALOGUE, STREAM_DEMAND, STREAM_OUTCOMES = 1, 2, 3, 4

FIRST_PERIOD = "2019-01"  # index 0 of every monthly axis
LAST_COHORT = "2025-12"
LAST_DEMAND = "2026-10"
LEVELS = ("so_cap", "trung_cap", "cao_dang")


def world_month(period: str) -> int:
    """Months since ``FIRST_PERIOD`` (``"2019-01"`` → 0): the world's own month axis,
    ``periods.month_of`` shifted to the world's epoch."""
    return month_of(period) - month_of(FIRST_PERIOD)


def world_label(index: int) -> str:
    """The inverse of ``world_month``."""
    return period_label(int(index) + month_of(FIRST_PERIOD))


N_COHORT_MONTHS = world_month(LAST_COHORT) + 1  # 84
N_DEMAND_MONTHS = world_month(LAST_DEMAND) + 1  # 94


@dataclass(frozen=True)
class Scale:
    """How big a world is."""

    name: str
    institutions: int
    offerings: int
    outcomes: int
    extra_occupations: int  # demand rows for occupations no programme targets
    max_demand_occupations: int | None  # cap (tiny worlds keep demand small)
    chunk_rows: int = 250_000


SCALES = {
    "tiny": Scale("tiny", 8, 60, 3_000, 4, 40),
    "demo": Scale("demo", 60, 600, 30_000, 10, None),
    "national": Scale("national", 1_900, 40_000, 5_000_000, 20, None),
}

# Approximate 2024 populations (millions) of the 34 provinces in force since
# 2025-07-01, summed from the merged provinces' GSO figures and rounded; used
# only as weights (where schools are, where learners live, how big demand is).
POPULATION_M = {
    "01": 8.7,
    "04": 0.57,
    "08": 1.87,
    "11": 0.64,
    "12": 0.49,
    "14": 1.3,
    "15": 1.78,
    "19": 1.8,
    "20": 0.8,
    "22": 1.4,
    "24": 3.6,
    "25": 4.0,
    "31": 4.7,
    "33": 3.6,
    "37": 4.4,
    "38": 4.3,
    "40": 3.8,
    "42": 1.6,
    "44": 1.9,
    "46": 1.2,
    "48": 3.1,
    "51": 2.2,
    "52": 3.6,
    "56": 2.2,
    "66": 3.3,
    "68": 3.9,
    "75": 4.5,
    "79": 14.0,
    "80": 3.3,
    "82": 4.4,
    "86": 4.3,
    "91": 4.9,
    "92": 4.2,
    "96": 2.6,
}

# Provinces where vocational schools and jobs concentrate (weight multipliers).
HUB_WEIGHT = {"01": 2.5, "79": 2.5, "31": 1.6, "48": 1.6, "92": 1.5, "24": 1.5, "75": 1.5}
# Where mobile graduates go to look for work, with shares.
JOB_HUBS = {"79": 0.45, "01": 0.30, "24": 0.10, "75": 0.08, "31": 0.07}

# Share of ethnic-minority learners by home region (approximation of the 2019
# census pattern: minorities ≈ 14.7 % nationally, most in the northern
# mountains and Central Highlands), with province overrides.
MINORITY_SHARE_REGION = {
    "red_river_delta": 0.02,
    "northern_midlands_mountains": 0.55,
    "north_central_and_central_coast": 0.08,
    "central_highlands": 0.33,
    "southeast": 0.04,
    "mekong_delta": 0.08,
}
MINORITY_SHARE_PROVINCE = {
    "04": 0.9,
    "11": 0.8,
    "12": 0.85,
    "14": 0.8,
    "08": 0.75,
    "15": 0.6,
    "20": 0.8,
    "19": 0.3,
    "25": 0.25,
    "92": 0.18,
    "86": 0.12,
}

# Log-wage premium of the job's region, and of the two metropolises.
REGION_WAGE = {
    "red_river_delta": 0.05,
    "northern_midlands_mountains": -0.12,
    "north_central_and_central_coast": -0.06,
    "central_highlands": -0.08,
    "southeast": 0.12,
    "mekong_delta": -0.08,
}
CITY_WAGE = {"01": 0.08, "79": 0.08}


def pandemic_shift(index: np.ndarray) -> np.ndarray:
    """Logit shift of employment for cohorts whose first year after the
    programme fell in the COVID-19 period (ending 2020-01 … 2021-06 hit
    hardest; the 2021 Delta-wave lockdowns in the south are in that window)."""
    t = np.asarray(index, dtype=float)
    hit = np.exp(-0.5 * ((t - world_month("2020-09")) / 6.0) ** 2)
    return -hit


@dataclass(frozen=True)
class WorldParams:
    """Coefficients of the structural model (logit scale unless noted)."""

    # completion
    c0: dict = field(default_factory=lambda: {"so_cap": 2.2, "trung_cap": 1.15, "cao_dang": 1.45})
    c_ability: float = 0.55
    c_fit: float = 0.6
    c_adult: float = -0.3
    # employment at 12 months
    e0: dict = field(default_factory=lambda: {"so_cap": 0.2, "trung_cap": 0.6, "cao_dang": 0.7})
    e_ability: dict = field(
        default_factory=lambda: {"so_cap": 0.1, "trung_cap": 0.25, "cao_dang": 0.55}
    )
    e_fit: float = 0.5
    e_demand: float = 0.45  # per log(vacancies / job seeker)
    e_completed: float = 1.0  # non-completers fare worse
    e_distance: float = -0.35  # per 500 km home↔study, for the immobile
    e_mobile: float = 0.25
    e_work: float = 0.012  # per month of prior work, capped at 36
    e_pandemic: float = 0.7  # times pandemic_shift()
    quality_sd: float = 0.35  # institution effect (hidden), shared by all stages
    # in-trade employment (given employed)
    m0: dict = field(default_factory=lambda: {"so_cap": 0.0, "trung_cap": 0.35, "cao_dang": 0.55})
    m_fit: float = 0.9
    m_demand: float = 0.5
    m_completed: float = 0.9
    # formal employment (given employed)
    f0: dict = field(default_factory=lambda: {"so_cap": -1.1, "trung_cap": -0.15, "cao_dang": 0.3})
    f_ability: float = 0.25
    f_completed: float = 0.6
    f_quality: float = 1.0
    self_employed_share: float = 0.35  # of non-formal work
    # discrimination (the ONLY route for sex and ethnicity)
    d_female_formal: float = -0.35
    d_minority_formal: float = -0.45
    d_female_wage: float = -0.08
    d_minority_wage: float = -0.10
    # wages (log VND/month at 12 months)
    w_base: dict = field(
        default_factory=lambda: {"so_cap": 4.0e6, "trung_cap": 4.6e6, "cao_dang": 4.75e6}
    )  # 2018.5, reference case
    w_growth: float = 0.055  # per year, nominal
    w_skill: float = 0.12  # per ISCO skill level above 2
    w_ability: float = 0.06
    w_completed: float = 0.10
    w_in_trade: float = 0.08
    w_informal: float = -0.18
    w_self: float = -0.05
    w_quality: float = 0.08
    w_pandemic: float = 0.04  # times pandemic_shift()
    w_sigma: float = 0.30
    off_trade_skill: float = 1.6
    # hidden mobility trait
    p_mobile: float = 0.35
    loc_home: dict = field(default_factory=lambda: {0: 0.50, 1: 0.25})
    loc_hub: dict = field(default_factory=lambda: {0: 0.05, 1: 0.30})
    # 6-month employment given 12-month status
    p6_given_12: float = 0.88
    p6_given_not12: float = 0.20
    fit_default: float = 0.58  # mean interest fit of generated learners (for missing RIASEC)
    # -- structural variants (docs/demo_world.md "Variants"); 0 in the base world -----------
    variant: str = "base"
    # institution: sorting of able learners into good schools, quality × ability, employer links
    i_sorting: float = 0.0  # latent ability shift per unit of quality
    i_quality_ability: float = 0.0  # extra employment logit per quality × ability
    i_links: float = 0.0  # in-trade logit per unit of quality (placements, employer ties)
    # credential: screening by completion, level against the job's skill level, ability cutoff
    k_gap: float = 0.0  # in-trade and formal logit per skill level the credential falls short
    k_screen: float = 0.0  # in-trade logit × (sigmoid(3 (ability − cutoff)) − 0.5)
    k_cutoff: float = 0.0
    # local: the study and home provinces' own demand, distance for everyone
    l_demand: float = 0.0  # employment logit per log(V/S) of the provinces (not regions)
    l_trade_demand: float = 0.0  # in-trade logit per log(V/S) of the provinces
    l_distance: float = 0.0  # in-trade logit per 500 km home↔study (networks stay home)


_JITTER_SKIP = {
    "p_mobile",
    "loc_home",
    "loc_hub",
    "p6_given_12",
    "p6_given_not12",
    "fit_default",
    "self_employed_share",
    "w_base",
    "variant",
}

# Structural variants: what changes against the base world (centre values; each is then
# jittered by the seed like the rest). Keys are ``WorldParams`` fields.
VARIANTS: dict[str, dict] = {
    "base": {},
    "institution": {
        "quality_sd": 0.8,
        "i_sorting": 0.6,
        "i_quality_ability": 0.5,
        "i_links": 1.2,
        "m_fit": 0.4,
        "m_demand": 0.2,
        "e_demand": 0.2,
    },
    "credential": {
        "m_completed": 2.6,
        "m0": {"so_cap": 0.6, "trung_cap": 0.7, "cao_dang": 0.6},
        "k_gap": -1.4,
        "k_screen": 2.0,
        "k_cutoff": 0.2,
        "m_fit": 0.3,
        "m_demand": 0.2,
    },
    "local": {
        "e_demand": 0.0,
        "m_demand": 0.0,
        "l_demand": 0.6,
        "l_trade_demand": 1.3,
        "e_distance": -0.9,
        "l_distance": -1.0,
        "m_fit": 0.5,
    },
}


def draw_params(seed: int, variant: str = "base") -> WorldParams:
    """Centre values (of ``variant``) jittered by the seed (±8 % on slopes, ±0.08 on
    intercepts). Variant fields come after the base ones, so the base world's draws never
    move."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {sorted(VARIANTS)}")
    rng = np.random.default_rng([seed, STREAM_PARAMS])
    base = replace(WorldParams(), variant=variant, **VARIANTS[variant])
    changes = {}
    for f in fields(base):
        if f.name in _JITTER_SKIP:
            continue
        v = getattr(base, f.name)
        if isinstance(v, dict):
            changes[f.name] = {
                k: round(float(x + rng.uniform(-0.08, 0.08)), 4) for k, x in v.items()
            }
        else:
            changes[f.name] = round(float(v * (1 + rng.uniform(-0.08, 0.08))), 5)
    return replace(base, **changes)

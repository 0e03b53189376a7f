"""The structural outcome model: ONE function computes every probability, and
both the generator (which samples from it) and the oracle (which averages it)
call it.

Stages, given learner × offering × graduation month (see docs/demo_world.md):
completion → employment at 12 months (given completion and the hidden
mobility trait) → in-trade job, formal / informal / self-employment and job
location (given employment) → wage (log-normal, additive on the log scale).
Sex and ethnic minority status enter only through the discrimination terms of
the formal-work and wage stages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from guidance.geo import haversine_km
from guidance.world.demand import DemandIndex
from guidance.world.params import (
    CITY_WAGE,
    JOB_HUBS,
    LEVELS,
    REGION_WAGE,
    WorldParams,
    pandemic_shift,
)

RIASEC = ("r", "i", "a", "s", "e", "c")
_LETTER_W = (1.0, 0.6, 0.35)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def riasec_profile(codes: str, riasec_of: dict[str, str]) -> np.ndarray:
    """6-vector of an offering's target occupations' Holland letters
    (strongest letter 1, then 0.6, 0.35), averaged over the occupations."""
    vecs = []
    for c in str(codes).split(";"):
        letters = riasec_of.get(c.strip(), "")
        if not letters:
            continue
        v = np.zeros(6)
        for w, ch in zip(_LETTER_W, letters.lower(), strict=False):
            if ch in RIASEC:
                v[RIASEC.index(ch)] = w
        vecs.append(v)
    return np.mean(vecs, axis=0) if vecs else np.zeros(6)


@dataclass
class WorldContext:
    """What the model needs besides learner and offering rows."""

    params: WorldParams
    provinces: pd.DataFrame
    occupations: pd.DataFrame
    demand: DemandIndex
    quality: dict[str, float]
    # demand of single provinces (the ``local`` variant only; None elsewhere)
    local_demand: DemandIndex | None = None

    def __post_init__(self):
        p = self.provinces
        codes = p["province_code"].astype(str).tolist()
        self.prov_idx = {c: i for i, c in enumerate(codes)}
        self.prov_codes = np.array(codes)
        self.lat = p["lat"].to_numpy(float)
        self.lon = p["lon"].to_numpy(float)
        regions = p["region"].astype(str).tolist()
        self.region_of_prov = np.array([self.demand.region_idx.get(r, 0) for r in regions])
        self.wage_of_prov = np.array(
            [
                REGION_WAGE.get(r, 0.0) + CITY_WAGE.get(c, 0.0)
                for c, r in zip(codes, regions, strict=False)
            ]
        )
        hubs = [h for h in JOB_HUBS if h in self.prov_idx]
        self.hub_idx = np.array([self.prov_idx[h] for h in hubs])
        hw = np.array([JOB_HUBS[h] for h in hubs])
        self.hub_p = hw / hw.sum()
        self.hub_exp_wage = float(np.sum(self.hub_p * np.exp(self.wage_of_prov[self.hub_idx])))
        occ = self.occupations
        self.riasec_of = dict(
            zip(
                occ["occupation_code"].astype(str),
                occ["riasec"].fillna("").astype(str),
                strict=False,
            )
        )
        self.skill_of = dict(
            zip(
                occ["occupation_code"].astype(str),
                pd.to_numeric(occ["skill_level"], errors="coerce"),
                strict=False,
            )
        )
        self._targets: dict[str, tuple] = {}

    def targets(self, codes: str) -> tuple[tuple[str, ...], np.ndarray, float]:
        """(target codes, RIASEC profile, mean skill level) of a target list."""
        if codes not in self._targets:
            t = tuple(c.strip() for c in str(codes).split(";") if c.strip())
            sk = [self.skill_of.get(c) for c in t]
            sk = [float(s) for s in sk if s is not None and not pd.isna(s)]
            self._targets[codes] = (
                t,
                riasec_profile(codes, self.riasec_of),
                float(np.mean(sk)) if sk else 2.0,
            )
        return self._targets[codes]


def _num(df: pd.DataFrame, col: str, n: int) -> np.ndarray:
    if col not in df:
        return np.full(n, np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _flag(df: pd.DataFrame, col: str, n: int, true_values, default: float) -> np.ndarray:
    """0/1 per row, or ``default`` (population share) where missing."""
    if col not in df:
        return np.full(n, default)
    s = df[col]
    truth = {str(v).lower() for v in true_values}
    codes, uniq = pd.factorize(s)
    table = np.array([float(str(u).lower() in truth) for u in uniq] + [default])
    return table[codes]


def _lookup(values: pd.Series, mapping: dict, default) -> np.ndarray:
    """``mapping[v]`` per row, hashing each distinct value once (fast on strings)."""
    codes, uniq = pd.factorize(values.astype(str))
    table = np.array([mapping.get(u, default) for u in uniq] + [default])
    return table[codes]  # code -1 (missing) picks the trailing default


@dataclass
class Design:
    """Model inputs per aligned row (learner i with offering i, month t_i)."""

    level: np.ndarray  # 0 so_cap, 1 trung_cap, 2 cao_dang
    ability: np.ndarray
    fit: np.ndarray
    log_ratio: np.ndarray
    dist_km: np.ndarray
    adult: np.ndarray
    work: np.ndarray
    quality: np.ndarray
    t: np.ndarray
    female: np.ndarray  # probability the learner is a woman (0/1 when known)
    minority: np.ndarray
    skill: np.ndarray  # mean ISCO skill level of the target occupations
    study_prov: np.ndarray
    home_prov: np.ndarray
    set_idx: np.ndarray
    target_sets: list
    has_targets: np.ndarray  # 1.0 if the offering names any target occupation
    # log(V/S) of the study and home provinces themselves (``local`` variant; else 0)
    local_ratio: np.ndarray | None = None


POP_FEMALE, POP_MINORITY = 0.41, 0.15  # learner shares (generated worlds) used when unknown


def design(
    learners: pd.DataFrame, offerings: pd.DataFrame, t: np.ndarray, ctx: WorldContext
) -> Design:
    """Turn aligned learner and offering rows into model inputs."""
    n = len(learners)
    level = _lookup(offerings["level"], {lv: i for i, lv in enumerate(LEVELS)}, 1).astype(int)
    gpa, math = _num(learners, "gpa", n), _num(learners, "math_score", n)
    ability = np.clip(
        0.6 * np.nan_to_num((gpa - 6.8) / 1.0) + 0.4 * np.nan_to_num((math - 6.3) / 1.5), -3, 3
    )
    inv, uniq = pd.factorize(offerings["target_occupations"].fillna("").astype(str))
    info = [ctx.targets(u) for u in uniq]
    prof = np.array([i[1] for i in info])[inv] if n else np.zeros((0, 6))
    skill = np.array([i[2] for i in info])[inv] if n else np.zeros(0)
    r = np.column_stack([_num(learners, f"riasec_{k}", n) for k in RIASEC])
    rc = r - r.mean(axis=1, keepdims=True)
    pc = prof - prof.mean(axis=1, keepdims=True)
    den = np.sqrt((rc**2).sum(axis=1) * (pc**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = np.where(den > 0, (rc * pc).sum(axis=1) / np.where(den > 0, den, 1), 0.0)
    fit = np.where(np.isnan(r).any(axis=1), ctx.params.fit_default, fit)
    study = _lookup(offerings["province_code"], ctx.prov_idx, 0).astype(int)
    home = _lookup(learners["home_province_code"], ctx.prov_idx, -1).astype(int)
    home = np.where(home < 0, study, home)
    dist = haversine_km(ctx.lat[study], ctx.lon[study], ctx.lat[home], ctx.lon[home])
    t = np.asarray(t, dtype=int)
    sets = [i[0] for i in info]
    log_ratio = ctx.demand.log_ratio(
        sets, inv, ctx.region_of_prov[study], ctx.region_of_prov[home], t
    )
    age = _num(learners, "age", n)
    q = _lookup(offerings["institution_id"], ctx.quality, 0.0).astype(float)
    local = None
    if ctx.local_demand is not None:
        pidx = ctx.local_demand.region_idx
        own = np.array([pidx.get(c, 0) for c in ctx.prov_codes])
        local = ctx.local_demand.log_ratio(sets, inv, own[study], own[home], t)
    return Design(
        level=level,
        ability=ability,
        fit=fit,
        log_ratio=log_ratio,
        dist_km=np.asarray(dist),
        adult=(np.nan_to_num(age, nan=18) >= 25).astype(float),
        work=np.minimum(np.nan_to_num(_num(learners, "prior_work_months", n)), 36),
        quality=q,
        t=t,
        female=_flag(learners, "sex", n, ["F"], POP_FEMALE),
        minority=_flag(learners, "ethnic_minority", n, ["true", "1"], POP_MINORITY),
        skill=skill,
        study_prov=study,
        home_prov=home,
        set_idx=inv,
        target_sets=sets,
        has_targets=np.array([float(len(t) > 0) for t in sets])[inv] if n else np.zeros(0),
        local_ratio=local,
    )


@dataclass
class Probabilities:
    """Every probability of the model for each row (conditionals kept)."""

    completed: np.ndarray  # (n,)
    employed: np.ndarray  # (2 completed, 2 mobile, n)
    in_trade: np.ndarray  # (2, n) given employed
    formal: np.ndarray  # (2, n) given employed (sex/minority mixture if unknown)
    log_wage: np.ndarray  # (2, n) log-wage of the reference case (informal=0 …)
    wage_trade: np.ndarray  # (2, n) log premium if in trade, (off trade in wage_off)
    wage_off: np.ndarray  # (n,)
    loc_p: np.ndarray  # (2 mobile, 3 study/home/hub)
    # per (sex, minority) combination: weight, P(formal | employed, c), wage term
    combos: list


# ISCO skill level a credential qualifies for (sơ cấp, trung cấp, cao đẳng): the
# ``credential`` variant penalises jobs whose skill level the credential falls short of.
CREDENTIAL_SKILL = np.array([1.5, 2.0, 3.0])


def credential_gap(x: Design) -> np.ndarray:
    """Skill levels (0–2) by which the offering's credential falls short of its targets'."""
    return np.clip(x.skill - CREDENTIAL_SKILL[x.level], 0.0, 2.0)


def _variant_employment(x: Design, p: WorldParams) -> np.ndarray:
    """Employment-logit terms of the structural variants (all 0 in the base world)."""
    out = p.i_quality_ability * x.quality * x.ability
    if x.local_ratio is not None:
        out = out + p.l_demand * x.local_ratio
    return out


def _variant_trade(x: Design, p: WorldParams) -> np.ndarray:
    """In-trade-logit terms of the structural variants (all 0 in the base world):
    employer links of good institutions, a credential's gap and the employers' ability
    screen, and the provinces' own demand with networks that stay at home."""
    out = (
        p.i_links * x.quality
        + p.k_gap * credential_gap(x)
        + p.k_screen * (_sigmoid(3.0 * (x.ability - p.k_cutoff)) - 0.5)
        + p.l_distance * x.dist_km / 500.0
    )
    if x.local_ratio is not None:
        out = out + p.l_trade_demand * x.local_ratio
    return out


def structural_probabilities(
    x: Design, p: WorldParams, *, discrimination: bool = True
) -> Probabilities:
    """THE model. ``discrimination=False`` removes the discrimination terms
    (the world without historical bias)."""
    lv = x.level
    c0 = np.array([p.c0[k] for k in LEVELS])[lv]
    z_c = c0 + p.c_ability * x.ability + p.c_fit * x.fit + p.c_adult * x.adult + x.quality
    pc = _sigmoid(z_c)

    e_ab = np.array([p.e_ability[k] for k in LEVELS])[lv]
    base_e = (
        np.array([p.e0[k] for k in LEVELS])[lv]
        + e_ab * x.ability
        + p.e_fit * x.fit
        + p.e_demand * x.log_ratio
        + p.e_work * x.work
        + p.e_pandemic * pandemic_shift(x.t)
        + x.quality
    )
    if p.variant != "base":
        base_e = base_e + _variant_employment(x, p)
    emp = np.empty((2, 2, len(lv)))
    for c in (0, 1):
        for m in (0, 1):
            z = (
                base_e
                + p.e_completed * c
                + (p.e_mobile * m if m else p.e_distance * x.dist_km / 500.0)
            )
            emp[c, m] = _sigmoid(z)

    m0 = np.array([p.m0[k] for k in LEVELS])[lv]
    if p.variant != "base":
        m0 = m0 + _variant_trade(x, p)
    trade = (
        np.stack(
            [
                _sigmoid(m0 + p.m_fit * x.fit + p.m_demand * x.log_ratio + p.m_completed * c)
                for c in (0, 1)
            ]
        )
        * x.has_targets
    )

    f0 = np.array([p.f0[k] for k in LEVELS])[lv] + p.f_ability * x.ability + p.f_quality * x.quality
    if p.variant != "base":
        f0 = f0 + p.k_gap * credential_gap(x)
    combos = []
    formal = np.zeros((2, len(lv)))
    for s in (0, 1):
        for e in (0, 1):
            w = (x.female if s else 1 - x.female) * (x.minority if e else 1 - x.minority)
            d_f = (p.d_female_formal * s + p.d_minority_formal * e) if discrimination else 0.0
            d_w = (p.d_female_wage * s + p.d_minority_wage * e) if discrimination else 0.0
            pf = np.stack([_sigmoid(f0 + p.f_completed * c + d_f) for c in (0, 1)])
            formal += w * pf
            combos.append((s, e, w, pf, d_w))

    years = (x.t + 12) / 12.0 + 2019 - 2018.5
    wbase = np.log(np.array([p.w_base[k] for k in LEVELS]))[lv]
    ref = (
        wbase
        + p.w_growth * years
        + p.w_ability * x.ability
        + p.w_quality * x.quality
        + p.w_pandemic * pandemic_shift(x.t)
    )
    log_wage = np.stack([ref + p.w_completed * c for c in (0, 1)])
    wage_trade = p.w_in_trade + p.w_skill * (x.skill - 2)
    wage_off = np.full(len(lv), p.w_skill * (p.off_trade_skill - 2))
    loc = np.array(
        [[1 - p.loc_home[m] - p.loc_hub[m], p.loc_home[m], p.loc_hub[m]] for m in (0, 1)]
    )
    return Probabilities(
        pc, emp, trade, formal, log_wage, np.stack([wage_trade, wage_trade]), wage_off, loc, combos
    )


def expected_outcomes(
    x: Design, pr: Probabilities, p: WorldParams, wage_of_prov: np.ndarray, hub_exp_wage: float
) -> pd.DataFrame:
    """Marginal expectations over completion, mobility, sex/minority mixture,
    job type, in-trade status and location (the oracle's answer)."""
    pi = np.array([1 - p.p_mobile, p.p_mobile])
    pcs = np.stack([1 - pr.completed, pr.completed])  # P(c)
    p_emp_c = np.einsum("m,cmn->cn", pi, pr.employed)  # P(emp | c)
    p_emp = (pcs * p_emp_c).sum(axis=0)
    p_trade = (pcs * p_emp_c * pr.in_trade).sum(axis=0)
    p_formal = (pcs * p_emp_c * pr.formal).sum(axis=0)

    ws, wi = p.self_employed_share, 1 - p.self_employed_share
    type_disc = np.zeros_like(pr.log_wage)  # E[exp(type + discrimination) | emp, c]
    for _s, _e, w, pf, d_w in pr.combos:
        type_disc += (
            w * np.exp(d_w) * (pf + (1 - pf) * (wi * np.exp(p.w_informal) + ws * np.exp(p.w_self)))
        )
    trade_f = pr.in_trade * np.exp(pr.wage_trade) + (1 - pr.in_trade) * np.exp(pr.wage_off)
    w_study = np.exp(wage_of_prov[x.study_prov])
    w_home = np.exp(wage_of_prov[x.home_prov])
    loc_f = np.stack(
        [
            pr.loc_p[m, 0] * w_study + pr.loc_p[m, 1] * w_home + pr.loc_p[m, 2] * hub_exp_wage
            for m in (0, 1)
        ]
    )  # (m, n)
    base = np.exp(pr.log_wage + p.w_sigma**2 / 2) * type_disc * trade_f  # (c, n)
    num = np.einsum("m,cmn,mn->cn", pi, pr.employed, loc_f)  # Σ_m π P(emp|c,m) E[loc|m]
    ew = (pcs * base * num).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        wage = np.where(p_emp > 0, ew / p_emp, np.nan)
    return pd.DataFrame(
        {
            "p_completed": pr.completed,
            "p_employed_12m": p_emp,
            "p_in_trade_12m": p_trade,
            "p_formal_12m": p_formal,
            "expected_wage_vnd": wage,
        }
    )


# Jobs taken outside one's trade (common entry jobs in Vietnam), ISCO-08.
OFF_TRADE = ("5223", "9329", "8322", "5131", "9313", "5221", "9412", "4110", "5120", "7531")


def sample_outcomes(
    x: Design, pr: Probabilities, mobile: np.ndarray, ctx: WorldContext, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw each row's outcome from the model's probabilities (the generator)."""
    p = ctx.params
    n = len(x.level)
    i = np.arange(n)
    m = mobile.astype(int)
    c = (rng.random(n) < pr.completed).astype(int)
    e12 = rng.random(n) < pr.employed[c, m, i]
    e6 = rng.random(n) < np.where(e12, p.p6_given_12, p.p6_given_not12)
    trade = e12 & (rng.random(n) < pr.in_trade[c, i])
    u = rng.random(n)
    pf = pr.formal[c, i]
    formal = u < pf
    self_emp = ~formal & (rng.random(n) < p.self_employed_share)
    etype = np.where(formal, "formal", np.where(self_emp, "self_employed", "informal"))
    etype = np.where(e12, etype, "none")

    loc_u = rng.random(n)
    lp = pr.loc_p[m]  # (n, 3)
    where = np.where(loc_u < lp[:, 0], 0, np.where(loc_u < lp[:, 0] + lp[:, 1], 1, 2))
    hub = ctx.hub_idx[rng.choice(len(ctx.hub_idx), size=n, p=ctx.hub_p)]
    job_prov = np.where(where == 0, x.study_prov, np.where(where == 1, x.home_prov, hub))

    known = set(ctx.skill_of)
    off = [o for o in OFF_TRADE if o in known] or list(OFF_TRADE)
    occ = np.empty(n, dtype=object)
    pick = rng.integers(0, 1 << 30, n)
    for k in np.unique(x.set_idx[e12]):
        targets = x.target_sets[k]
        rows = np.flatnonzero(e12 & (x.set_idx == k))
        choices = np.array([o for o in off if o not in targets] or off, dtype=object)
        tr = trade[rows]
        if len(targets):
            tgt = np.array(targets, dtype=object)
            occ[rows[tr]] = tgt[pick[rows[tr]] % len(tgt)]
        occ[rows[~tr]] = choices[pick[rows[~tr]] % len(choices)]

    d_w = p.d_female_wage * x.female + p.d_minority_wage * x.minority
    type_w = np.where(formal, 0.0, np.where(self_emp, p.w_self, p.w_informal))
    log_w = (
        pr.log_wage[c, i]
        + np.where(trade, pr.wage_trade[c, i], pr.wage_off)
        + type_w
        + ctx.wage_of_prov[job_prov]
        + d_w
        + rng.normal(0.0, p.w_sigma, n)
    )
    wage = (np.round(np.exp(log_w) / 10_000) * 10_000).astype(np.int64)
    return pd.DataFrame(
        {
            "completed": c.astype(bool),
            "employed_6m": e6,
            "employed_12m": e12,
            "employment_type": etype,
            "occupation_code": pd.array(np.where(e12, occ, None), dtype="string"),
            "job_province_code": pd.array(
                np.where(e12, ctx.prov_codes[job_prov], None), dtype="string"
            ),
            "monthly_wage_vnd": pd.array(np.where(e12, wage, None), dtype="Int64"),
            "job_matches_training": trade,
        }
    )

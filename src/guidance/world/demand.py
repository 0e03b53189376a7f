"""Monthly labour demand (province × occupation) and the demand index that
turns it into the vacancies-per-job-seeker signal the outcome model uses.

The same ``DemandIndex`` serves the generator (built from the table it is about
to write) and the oracle (built from the table read back), so both see exactly
the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.world.params import (
    CITY_WAGE,
    HUB_WEIGHT,
    N_DEMAND_MONTHS,
    POPULATION_M,
    REGION_WAGE,
    world_label,
    world_month,
)

# Industry clusters by ISCO-08 prefix (longest prefix wins).
_CLUSTER_PREFIXES = {
    "electronics": ("3114", "7421", "7422", "8212", "3113", "741"),
    "manufacturing": ("72", "81", "82", "3115", "3117", "932", "3122"),
    "garments": ("753", "815", "7318"),
    "tourism": ("512", "513", "4221", "4224", "5113", "5151", "3434", "9412", "5111"),
    "agriculture": ("6", "3142", "3143", "921", "7511", "7514", "816", "3141"),
    "it": ("25", "35"),
    "construction": ("71", "3112", "931", "8342"),
    "transport": ("83", "4321", "933", "3151", "3152", "7231", "7232"),
    "health_care": ("32", "53", "2221"),
    "business": ("33", "41", "42", "43", "52", "24"),
}


def occupation_cluster(code: str) -> str:
    """Industry cluster of an ISCO code (``"other"`` when none matches)."""
    best, best_len = "other", 0
    for cluster, prefixes in _CLUSTER_PREFIXES.items():
        for p in prefixes:
            if code.startswith(p) and len(p) > best_len:
                best, best_len = cluster, len(p)
    return best


# Regional industry mix: multiplier of demand by cluster and province
# (default 1; see docs/demo_world.md for the reasoning behind each).
_MIX = {
    "electronics": (
        {"24": 7.0, "19": 6.0, "31": 3.5, "79": 2.5, "75": 2.5, "25": 2.5, "33": 1.8, "01": 1.5},
        0.35,
    ),
    "manufacturing": (
        {
            "24": 2.5,
            "19": 2.0,
            "31": 2.5,
            "79": 2.0,
            "75": 2.5,
            "80": 1.8,
            "25": 1.8,
            "33": 1.6,
            "01": 1.3,
        },
        0.6,
    ),
    "garments": (
        {
            "33": 2.5,
            "37": 2.5,
            "31": 2.0,
            "24": 1.8,
            "01": 1.5,
            "79": 2.2,
            "75": 2.5,
            "80": 2.2,
            "38": 1.6,
            "40": 1.5,
        },
        0.5,
    ),
    "tourism": (
        {"56": 4.5, "48": 4.5, "22": 3.5, "46": 2.5, "68": 2.2, "15": 2.0, "79": 1.6, "01": 1.6},
        0.6,
    ),
    "agriculture": (
        {
            "92": 4.0,
            "91": 4.0,
            "96": 4.0,
            "82": 4.0,
            "86": 4.0,
            "52": 2.5,
            "66": 2.5,
            "68": 2.0,
            "14": 1.5,
            "79": 0.2,
            "01": 0.3,
        },
        1.0,
    ),
    "it": ({"01": 6.0, "79": 6.0, "48": 3.0}, 0.25),
}

# Tết (lunar new year) months: hiring dips in Tết month and peaks just after.
_TET = {2019: 2, 2020: 1, 2021: 2, 2022: 2, 2023: 1, 2024: 2, 2025: 1, 2026: 2}


def cluster_multiplier(cluster: str, province_code: str) -> float:
    if cluster not in _MIX:
        return 1.0
    table, default = _MIX[cluster]
    return table.get(province_code, default)


def _season(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seasonal factors (vacancies, job seekers) per month index."""
    vac = np.ones(len(t))
    seek = np.ones(len(t))
    for i, ti in enumerate(t):
        y, m = 2019 + ti // 12, ti % 12 + 1
        tet = _TET.get(int(y), 2)
        if m == tet:
            vac[i], seek[i] = 0.6, 0.8
        elif m == tet + 1:
            vac[i], seek[i] = 1.55, 1.35
        elif m == tet + 2:
            vac[i], seek[i] = 1.2, 1.1
    return vac, seek


def _pandemic_loss(t: np.ndarray, south: bool) -> np.ndarray:
    """Share of vacancies lost: the 2020 lockdown and the 2021 Delta wave
    (much harder in the south, where Hồ Chí Minh City closed for months)."""
    t = np.asarray(t, dtype=float)
    first = 0.35 * np.exp(-0.5 * ((t - world_month("2020-04")) / 2.0) ** 2)
    delta = (0.6 if south else 0.3) * np.exp(-0.5 * ((t - world_month("2021-08")) / 2.5) ** 2)
    return np.clip(first + delta, 0, 0.9)


def build_demand(
    provinces: pd.DataFrame,
    occupations: pd.DataFrame,
    occ_codes: list[str],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Monthly demand rows 2019-01 … 2026-10 for every province × ``occ_codes``."""
    occ = occupations.set_index("occupation_code")
    codes = sorted(set(occ_codes))
    skill = np.array(
        [
            float(occ.loc[c, "skill_level"])
            if c in occ.index and pd.notna(occ.loc[c, "skill_level"])
            else 2.0
            for c in codes
        ]
    )
    clusters = [occupation_cluster(c) for c in codes]
    prov = provinces.sort_values("province_code")
    pcodes = prov["province_code"].astype(str).tolist()
    regions = prov["region"].astype(str).tolist()
    t = np.arange(N_DEMAND_MONTHS)
    n_p, n_o, n_t = len(pcodes), len(codes), len(t)

    occ_base = np.exp(rng.normal(0.0, 0.6, n_o)) * np.where(skill >= 3, 0.6, 1.0)
    tight = np.exp(rng.normal(0.0, 0.3, n_o))  # occupation-specific tightness
    mix = np.array([[cluster_multiplier(c, p) for c in clusters] for p in pcodes])
    pop = np.array([POPULATION_M.get(p, 2.0) * HUB_WEIGHT.get(p, 1.0) for p in pcodes])
    south = np.array([r in ("southeast", "mekong_delta") for r in regions])
    sv, ss = _season(t)
    trend = np.exp(0.03 * t / 12)
    loss = np.stack([_pandemic_loss(t, s) for s in south])  # (p, t)

    lam_v = (
        3.0
        * pop[:, None, None]
        * mix[:, :, None]
        * occ_base[None, :, None]
        * (trend * sv)[None, None, :]
        * (1 - loss)[:, None, :]
        * tight[None, :, None]
    )
    lam_s = (
        3.0
        * pop[:, None, None]
        * np.sqrt(mix)[:, :, None]
        * occ_base[None, :, None]
        * ss[None, None, :]
        * (1 + 0.8 * loss)[:, None, :]
    )
    vac = rng.poisson(lam_v)
    seek = rng.poisson(lam_s)

    reg_w = np.array(
        [REGION_WAGE[r] + CITY_WAGE.get(p, 0.0) for p, r in zip(pcodes, regions, strict=True)]
    )
    occ_w = rng.normal(0.0, 0.08, n_o)
    years = 2019 + t / 12 - 2018.5
    log_w = (
        (np.log(6.0e6) + 0.15 * (skill - 2) + occ_w)[None, :, None]
        + reg_w[:, None, None]
        + (0.055 * years)[None, None, :]
    )
    log_w = log_w + rng.normal(0.0, 0.03, (n_p, n_o, n_t))
    wage = (np.round(np.exp(log_w) / 50_000) * 50_000).astype(np.int64)

    # rows ordered by period, province, occupation
    vac_t = np.transpose(vac, (2, 0, 1)).reshape(-1)
    seek_t = np.transpose(seek, (2, 0, 1)).reshape(-1)
    wage_t = np.transpose(wage, (2, 0, 1)).reshape(-1)
    labels = [world_label(i) for i in t]
    return pd.DataFrame(
        {
            "period": np.repeat(labels, n_p * n_o),
            "province_code": np.tile(np.repeat(pcodes, n_o), n_t),
            "occupation_code": np.tile(codes, n_p * n_t),
            "vacancies": vac_t.astype(np.int64),
            "job_seekers": seek_t.astype(np.int64),
            "median_wage_vnd": wage_t,
            "source": "employment_service_centre",
        }
    )


class DemandIndex:
    """Vacancies per job seeker for a set of target occupations, in a pair of
    regions (study and home), smoothed over the three months up to a period."""

    def __init__(self, demand: pd.DataFrame, provinces: pd.DataFrame):
        region_of = dict(
            zip(
                provinces["province_code"].astype(str),
                provinces["region"].astype(str),
                strict=False,
            )
        )
        self.regions = sorted(set(region_of.values()))
        r_idx = {r: i for i, r in enumerate(self.regions)}
        o, occ_codes = pd.factorize(demand["occupation_code"].astype(str), sort=True)
        codes = [str(c) for c in occ_codes]
        self.occ_idx = {c: i for i, c in enumerate(codes)}
        p_inv, periods = pd.factorize(demand["period"].astype(str))
        t = np.array([world_month(p) for p in periods], dtype=int)[p_inv]
        self.n_t = max(int(t.max()) + 1, 1) if len(t) else 1
        pr_inv, provs = pd.factorize(demand["province_code"].astype(str))
        r_of = np.array([r_idx.get(region_of.get(pc), -1) for pc in provs], dtype=int)
        r = r_of[pr_inv] if len(provs) else np.zeros(0, dtype=int)
        ok = (r >= 0) & (t >= 0)
        r, o, tt = r[ok], o[ok], t[ok]
        shape = (len(self.regions), len(codes), self.n_t)
        v = np.zeros(shape)
        s = np.zeros(shape)
        vac = pd.to_numeric(demand["vacancies"], errors="coerce").fillna(0).to_numpy()[ok]
        seek = pd.to_numeric(demand["job_seekers"], errors="coerce").fillna(0).to_numpy()[ok]
        np.add.at(v, (r, o, tt), vac)
        np.add.at(s, (r, o, tt), seek)
        self._v = self._trailing(v)
        self._s = self._trailing(s)
        self.region_idx = r_idx
        self._cache: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def _trailing(a: np.ndarray, k: int = 3) -> np.ndarray:
        c = np.cumsum(a, axis=2)
        out = c.copy()
        out[:, :, k:] = c[:, :, k:] - c[:, :, :-k]
        return out

    def _set_totals(self, targets: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        if targets not in self._cache:
            idx = [self.occ_idx[c] for c in targets if c in self.occ_idx]
            if idx:
                self._cache[targets] = (
                    self._v[:, idx, :].sum(axis=1),
                    self._s[:, idx, :].sum(axis=1),
                )
            else:
                z = np.zeros((len(self.regions), self.n_t))
                self._cache[targets] = (z, z)
        return self._cache[targets]

    def log_ratio(
        self,
        target_sets: list[tuple[str, ...]],
        set_idx: np.ndarray,
        region_a: np.ndarray,
        region_b: np.ndarray,
        t: np.ndarray,
    ) -> np.ndarray:
        """log((V+1)/(S+1)) over both regions; periods beyond the table use its
        last month. ``set_idx`` indexes ``target_sets``; regions are indices."""
        t = np.clip(np.asarray(t, dtype=int), 0, self.n_t - 1)
        out = np.zeros(len(t))
        set_idx = np.asarray(set_idx)
        for k in np.unique(set_idx):
            rows = np.flatnonzero(set_idx == k)
            v, s = self._set_totals(target_sets[k])
            ra, rb, tk = region_a[rows], region_b[rows], t[rows]
            same = ra == rb
            vv = v[ra, tk] + np.where(same, 0.0, v[rb, tk])
            ss = s[ra, tk] + np.where(same, 0.0, s[rb, tk])
            out[rows] = np.log((vv + 1.0) / (ss + 1.0))
        return np.clip(out, -2.0, 2.0)

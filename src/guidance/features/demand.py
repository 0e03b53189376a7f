"""Demand as model input: vacancies and job seekers as dense arrays [occupation, province,
month], aggregated per set of target occupations and looked up around graduation months.

The windowed mean and the yearly ratio are ``guidance.demand_figures``'s (one definition);
the trend input is ``log(yearly_ratio(v + 1, lag + 1))``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from guidance import demand_figures as dfig
from guidance.periods import period_index, period_label, this_month

FEATURES = (
    *(f"dem_{k}_{where}" for where in ("study", "home") for k in ("vac", "vps", "trend")),
    "dem_lratio_region_study",
    "dem_lratio_region_home",
)


def _positions(codes: Any, pos: Mapping[Any, int]) -> np.ndarray:
    """Codes (one or an array) → positions in ``pos`` (-1 when unknown)."""
    if np.ndim(codes) == 0:
        return np.asarray(pos.get(codes, -1))
    if len(pos) < 100:
        return np.array([pos.get(x, -1) for x in codes], dtype=int)
    return np.asarray(pd.Series(codes).map(pos).fillna(-1).astype(int).to_numpy())


class SetDemand:
    """Windowed demand of a list of target-occupation sets in every province and region
    (computed once per snapshot × sets; a lookup is then a few array reads)."""

    def __init__(
        self,
        index: DemandIndex,
        sets: np.ndarray,
        window: int,
        region_of: Mapping[str, Any],
    ) -> None:
        self.sets, self.p0, self.n_per = sets, index.p0, index.vac.shape[2]
        self.grid_cache: dict[int, tuple[np.ndarray, ...]] = {}
        self.prov_pos = {c: i for i, c in enumerate(index.provinces)}
        occ_pos = {c: i for i, c in enumerate(index.occupations)}
        r, c = [], []
        for i, t in enumerate(sets):
            for code in set(str(t).split(";")):
                if code in occ_pos:
                    r.append(i)
                    c.append(occ_pos[code])
        n_occ = len(index.occupations)
        m = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(sets), n_occ))
        shape = (len(sets), len(index.provinces), self.n_per)
        if n_occ and self.n_per and len(index.provinces):
            self.vw, self.sw, self.kw = (
                dfig.trailing_mean(np.asarray(m @ a.reshape(n_occ, -1)).reshape(shape), window)
                for a in (index.vac, index.seek, index.seek_known)
            )
        else:
            self.vw, self.sw, self.kw = (np.zeros(shape) for _ in range(3))
        regions = sorted({g for g in region_of.values() if isinstance(g, str)})
        self.reg_pos: dict[Any, int] = {g: i for i, g in enumerate(regions)}
        # province code → position of its region
        self.prov_reg = {c: self.reg_pos[g] for c, g in region_of.items() if g in self.reg_pos}
        of_prov = np.array([self.prov_reg.get(p, -1) for p in index.provinces])
        self.rv = np.zeros((len(sets), len(regions), self.n_per))
        self.rs = np.zeros_like(self.rv)
        for j in range(len(regions)):
            cols = of_prov == j
            self.rv[:, j] = self.vw[:, cols].sum(axis=1)
            self.rs[:, j] = self.sw[:, cols].sum(axis=1)

    def newest(self, months: int) -> SetDemand:
        """A copy keeping the newest ``months`` months only: lookups at those months (and
        later ones) are unchanged, earlier ones are missing."""
        k = max(0, self.n_per - months)
        out = copy.copy(self)
        out.p0, out.n_per, out.grid_cache = self.p0 + k, self.n_per - k, {}
        for name in ("vw", "sw", "kw", "rv", "rs"):
            setattr(out, name, getattr(self, name)[:, :, k:].copy())
        return out

    def _values(self, s: Any, p: Any, t: Any) -> tuple[np.ndarray, ...]:
        """Log vacancies, vacancies per seeker and trend at (set, province, month)."""
        vac = self.vw[s, p, t]
        lag = t - dfig.LAG
        vac_lag = self.vw[s, p, np.maximum(lag, 0)]
        with np.errstate(divide="ignore", invalid="ignore"):
            trend = np.where(lag >= 0, np.log(dfig.yearly_ratio(vac + 1, vac_lag + 1)), np.nan)
        return np.log1p(vac), dfig.per_seeker(vac, self.sw[s, p, t], self.kw[s, p, t]), trend

    def _region_values(self, s: Any, r: Any, t: Any) -> np.ndarray:
        """Log (vacancies + 1) / (seekers + 1) of the region's labour market."""
        v, s_ = self.rv[s, r, t], self.rs[s, r, t]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.where(s_ > 0, np.log((v + 1) / (s_ + 1)), np.nan))

    def _grid(self, t: int) -> tuple[np.ndarray, ...]:
        """Every (set, province) and (set, region) value at month ``t``, computed once."""
        if t not in self.grid_cache:
            s = np.arange(len(self.sets))[:, None]
            self.grid_cache[t] = (
                *self._values(s, np.arange(len(self.prov_pos))[None, :], t),
                self._region_values(s, np.arange(len(self.reg_pos))[None, :], t),
            )
        return self.grid_cache[t]

    def lookup(self, where: str, set_idx: np.ndarray, codes: Any, period: Any) -> dict:
        """The four ``dem_*_{where}`` features of rows (set, province ``codes``, graduation
        month ``period``); a month after the snapshot's newest uses the newest."""
        n = len(set_idx)
        names = (f"dem_vac_{where}", f"dem_vps_{where}", f"dem_trend_{where}")
        reg = f"dem_lratio_region_{where}"
        if n == 0 or self.n_per == 0:
            return {f: np.full(n, np.nan) for f in (*names, reg)}
        t = np.minimum(np.asarray(period, dtype=int) - self.p0, self.n_per - 1)
        ok_t = t >= 0
        t_safe = np.broadcast_to(np.where(ok_t, t, 0), n)
        # rows graduating in one month (serving): read the cached (set, province) grid
        grid = self._grid(int(t_safe[0])) if (t_safe == t_safe[0]).all() else None
        p = _positions(codes, self.prov_pos)
        ok = ok_t & (p >= 0)
        ps = np.where(ok, p, 0)
        vals: Any
        if grid and np.ndim(p) == 0:  # one province too (a learner's home): one column
            vals = [g[:, max(int(p), 0)][set_idx] for g in grid[:3]]
        else:
            vals = [g[set_idx, ps] for g in grid[:3]] if grid else self._values(set_idx, ps, t_safe)
        out = {name: np.where(ok, v, np.nan) for name, v in zip(names, vals, strict=True)}
        if not self.reg_pos:
            out[reg] = np.full(n, np.nan)
            return out
        r = _positions(codes, self.prov_reg)
        okr = ok_t & (r >= 0)
        rr = np.where(okr, r, 0)
        if grid:
            lr = grid[3][:, max(int(r), 0)][set_idx] if np.ndim(r) == 0 else grid[3][set_idx, rr]
        else:
            lr = self._region_values(set_idx, rr, t_safe)
        out[reg] = np.where(okr, lr, np.nan)
        return out


class DemandIndex:
    """Vacancies and job seekers as dense arrays [occupation, province, month]."""

    def __init__(
        self,
        occupations: Any,
        provinces: Any,
        p0: int,
        vac: np.ndarray,
        seek: np.ndarray,
        seek_known: np.ndarray,
    ) -> None:
        self.occupations, self.provinces, self.p0 = list(occupations), list(provinces), int(p0)
        self.vac, self.seek, self.seek_known = vac, seek, seek_known

    @classmethod
    def from_frame(cls, demand: pd.DataFrame) -> DemandIndex:
        # sorted codes and each row's position among them (hashing: faster than np.unique)
        occ, occ_codes = pd.factorize(demand["occupation_code"].astype("str"), sort=True)
        prov, prov_codes = pd.factorize(demand["province_code"].astype("str"), sort=True)
        t = period_index(demand["period"]) if len(demand) else np.zeros(0, dtype=int)
        # no demand rows: no months; ``last_period`` is then the current month (what
        # serving treats as "now"), and every demand feature is missing
        p0 = int(t.min()) if len(t) else this_month() + 1
        shape = (len(occ_codes), len(prov_codes), int(t.max()) - p0 + 1 if len(t) else 0)
        flat = np.ravel_multi_index((occ, prov, t - p0), shape) if len(t) else t
        size = int(np.prod(shape))
        seekers = pd.to_numeric(demand["job_seekers"], errors="coerce").astype("float64")

        def acc(w: np.ndarray) -> np.ndarray:
            return np.bincount(flat, weights=w, minlength=size).reshape(shape)

        vac = acc(pd.to_numeric(demand["vacancies"]).astype("float64").to_numpy())
        seek = acc(seekers.fillna(0).to_numpy())
        known = acc(seekers.notna().to_numpy().astype("float64"))
        return cls(occ_codes, prov_codes, p0, vac, seek, known)

    @property
    def last_period(self) -> str:
        return period_label(self.p0 + self.vac.shape[2] - 1)

    def compact(self, months: int = 15) -> DemandIndex:
        """Keep only the newest months (enough for windows and the 12-month trend)."""
        k = max(0, self.vac.shape[2] - months)
        newest = (a[:, :, k:].copy() for a in (self.vac, self.seek, self.seek_known))
        return DemandIndex(self.occupations, self.provinces, self.p0 + k, *newest)

    def aggregate(
        self,
        target_sets: np.ndarray,
        *,
        window: int = dfig.WINDOW,
        region_of: Mapping[str, Any] | None = None,
    ) -> SetDemand:
        """Windowed demand of each set of target occupations (``"7212;5120"``)."""
        return SetDemand(self, np.asarray(target_sets), window, region_of or {})

"""Headline figures of a generated world, checked against published bands
(see docs/demo_world.md and tests/world/test_headline.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.world.params import LEVELS, world_month

# Bands that the headline figures must fall in (sources in docs/demo_world.md).
BANDS = {
    "employment_12m_completers.trung_cap": (0.78, 0.92),
    "employment_12m_completers.cao_dang": (0.78, 0.92),
    "employment_12m_completers.so_cap": (0.65, 0.92),
    "employment_6m_completers.all": (0.65, 0.88),
    "completion_rate.all": (0.72, 0.90),
    "informal_share.all": (0.40, 0.70),
    "mean_wage_earliest.trung_cap": (5.2e6, 7.0e6),
    "mean_wage_earliest.cao_dang": (5.7e6, 7.6e6),
    "wage_growth_newest_vs_earliest": (1.15, 1.60),
    "pandemic_dip_pp": (3.0, 15.0),
}
EARLIEST = ("2019-01", "2019-12")  # the "2018-ish" cohorts: first in the data
NEWEST = ("2024-01", "2025-12")
PANDEMIC = ("2020-03", "2021-03")  # cohorts whose first year met the lockdowns
BASELINE = ("2022-07", "2025-12")


class HeadlineAccumulator:
    """Collects a compact copy of the columns the figures need, chunk by chunk."""

    def __init__(self):
        self._parts: list[pd.DataFrame] = []

    def add(self, df: pd.DataFrame, levels: np.ndarray) -> None:
        self._parts.append(
            pd.DataFrame(
                {
                    "level": pd.Categorical(levels, categories=LEVELS),
                    "t": _period_indices(df["cohort"]),
                    "completed": df["completed"].to_numpy(bool),
                    "e6": df["employed_6m"].to_numpy(bool),
                    "e12": df["employed_12m"].to_numpy(bool),
                    "informal": df["employment_type"]
                    .isin(["informal", "self_employed"])
                    .to_numpy(),
                    "self": (df["employment_type"] == "self_employed").to_numpy(bool),
                    "wage": df["monthly_wage_vnd"].astype("float64").to_numpy(),
                }
            )
        )

    @property
    def n(self) -> int:
        return int(sum(len(p) for p in self._parts))

    def headline(self) -> dict:
        return headline_figures(pd.concat(self._parts, ignore_index=True))


def _period_indices(periods: pd.Series) -> np.ndarray:
    codes, uniq = pd.factorize(periods.astype(str))
    return np.array([world_month(p) for p in uniq], dtype=np.int16)[codes]


def _window(d: pd.DataFrame, w: tuple[str, str]) -> pd.DataFrame:
    return d[(d["t"] >= world_month(w[0])) & (d["t"] <= world_month(w[1]))]


def _r(x: float, nd: int = 4) -> float | None:
    return None if pd.isna(x) else round(float(x), nd)


def headline_figures(d: pd.DataFrame) -> dict:
    """Figures by level: employment, completion, informality, wages, pandemic dip.
    Informal share = informal + self-employed among those employed at 12 months."""
    comp = d[d["completed"]]
    emp = comp[comp["e12"]]
    out: dict = {"n": len(d)}
    for name, frame, col in (
        ("employment_12m_completers", comp, "e12"),
        ("employment_6m_completers", comp, "e6"),
        ("employment_12m_all", d, "e12"),
        ("completion_rate", d, "completed"),
        ("informal_share", d[d["e12"]], "informal"),
    ):
        g = frame.groupby("level", observed=False)[col].mean()
        out[name] = {lv: _r(g.get(lv)) for lv in LEVELS} | {"all": _r(frame[col].mean())}
    employed = d[d["e12"]]
    out["employment_type_shares"] = {
        "formal": _r(1 - employed["informal"].mean()),
        "informal": _r((employed["informal"] & ~employed["self"]).mean()),
        "self_employed": _r(employed["self"].mean()),
    }
    for name, w in (("earliest", EARLIEST), ("newest", NEWEST)):
        e = _window(emp, w)
        g = e.groupby("level", observed=False)["wage"]
        out[f"mean_wage_{name}"] = {lv: _r(g.mean().get(lv), 0) for lv in LEVELS}
        out[f"median_wage_{name}"] = {lv: _r(g.median().get(lv), 0) for lv in LEVELS}
    early, new = _window(emp, EARLIEST)["wage"].mean(), _window(emp, NEWEST)["wage"].mean()
    out["wage_growth_newest_vs_earliest"] = _r(new / early)
    pand = _window(comp, PANDEMIC)["e12"].mean()
    base = _window(comp, BASELINE)["e12"].mean()
    out["employment_12m_pandemic_cohorts"] = _r(pand)
    out["employment_12m_baseline_cohorts"] = _r(base)
    out["pandemic_dip_pp"] = _r(100 * (base - pand), 2)
    out["windows"] = {
        "earliest": EARLIEST,
        "newest": NEWEST,
        "pandemic": PANDEMIC,
        "baseline": BASELINE,
    }
    return out


def lookup(headline: dict, key: str):
    """``"a.b"`` → headline["a"]["b"]."""
    v = headline
    for part in key.split("."):
        v = v[part]
    return v

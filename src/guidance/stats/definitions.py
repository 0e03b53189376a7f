"""One definition of every published outcome quantity, written once.

Everything downstream (``stats.tables``, ``stats.value_added``, the recommender's observed
rate and its interval) calls these functions; none re-derives a rate on its own.

Who counts where (the denominators):

- **graduates** — every outcome record of the cell (the tracer's "graduates known": with
  tracer v1.1 survey status, responded or not; in a v1 directory every record is a
  respondent, so graduates = respondents);
- **surveyed** — graduates whose survey status is not ``unreachable``;
- **respondents** — graduates whose survey status is ``responded`` or ``administrative``
  (a v1 record is a respondent);
- **response rate** = respondents / **graduates**;
- **answered 6m / answered 12m** — respondents whose record has that wave's employment
  status (tracer v1.1 lets a graduate answer one wave only: the newest cohort has its
  6-month wave long before its 12-month one); in a v1 directory both equal respondents;
- every outcome rate = count / its wave's respondents, never / graduates: employment at 6
  months / **answered 6m**; employment at 12 months, its formal / informal / self-employed
  split and employment in the trained occupation / **answered 12m**; completion /
  **respondents**. A non-respondent's outcome is unknown, not "unemployed", and so is the
  12-month outcome of a graduate who has answered only the 6-month wave;
- wages: monthly wages of respondents employed at 12 months who gave a wage.

The contract's ``employment_type``, ``job_matches_training`` and ``monthly_wage_vnd`` describe
the 12-month situation, so the formal / informal / self-employed split, the in-occupation
rate and the wages are 12-month figures; at 6 months only the employment rate exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z90 = 1.6448536269514722  # two-sided 90 %
Z95 = 1.959963984540054  # two-sided 95 %: the published statistics' intervals

RESPONDED = ("responded", "administrative")
NOT_SURVEYED = ("unreachable",)


def rate(count, denominator) -> np.ndarray:
    """``count / denominator`` elementwise; NaN where the denominator is 0 (no evidence),
    never an infinity. The one division every published rate goes through."""
    c = np.asarray(count, dtype="float64")
    d = np.asarray(denominator, dtype="float64")
    out = np.full(np.broadcast(c, d).shape, np.nan)
    np.divide(c, d, out=out, where=d > 0)
    return out


def response_rate(respondents, graduates) -> np.ndarray:
    """Respondents / **graduates** (all graduates known for the cell, responded or not)."""
    return rate(respondents, graduates)


def employment_rate(employed, respondents) -> np.ndarray:
    """Employed / **respondents**, at 6 or 12 months; with ``employed`` the count of one
    employment type (formal, informal, self-employed at 12 months) it is that type's share
    of respondents, so the three shares add up to the 12-month employment rate."""
    return rate(employed, respondents)


def in_occupation_rate(in_occupation, respondents) -> np.ndarray:
    """Respondents employed at 12 months in the occupation they trained for
    (``job_matches_training``) / **respondents** (not / employed)."""
    return rate(in_occupation, respondents)


def completion_rate(completed, respondents) -> np.ndarray:
    """Respondents who completed the programme / **respondents**."""
    return rate(completed, respondents)


def wilson_interval(p, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``p`` observed on ``n`` trials (elementwise).

    ``centre = (p + z²/2n) / (1 + z²/n)``, ``half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)``;
    bounds clipped to [0, 1]. With ``n == 0`` (or ``p`` NaN) the interval is (0, 1): no
    evidence. The published statistics use 95 % (``Z95``); the recommender calls it with
    90 % and its pseudo-graduates (``recommend.score.wilson_interval``)."""
    n = np.asarray(n, dtype="float64")
    p = np.clip(np.asarray(p, dtype="float64"), 0.0, 1.0)
    p, n = np.broadcast_arrays(p, n)
    ok = (n > 0) & np.isfinite(p)
    nn = np.where(ok, n, 1.0)
    pp = np.where(ok, p, 0.5)
    z2 = z * z
    centre = (pp + z2 / (2 * nn)) / (1 + z2 / nn)
    half = z * np.sqrt(pp * (1 - pp) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn)
    lo = np.where(ok, np.clip(centre - half, 0.0, 1.0), 0.0)
    hi = np.where(ok, np.clip(centre + half, 0.0, 1.0), 1.0)
    return lo, hi


def quantile_sorted(values: np.ndarray, q: float) -> float:
    """Quantile ``q`` of already sorted values, linear interpolation between order
    statistics (numpy's default, "type 7"): position ``h = (n - 1)·q``. NaN when empty."""
    n = len(values)
    if n == 0:
        return float("nan")
    h = (n - 1) * q
    lo = int(np.floor(h))
    hi = min(lo + 1, n - 1)
    return float(values[lo] + (h - lo) * (values[hi] - values[lo]))


def wage_quartiles(wages) -> tuple[float, float, float]:
    """(p25, median, p75) of monthly wages (VND) of respondents employed at 12 months with a
    wage (missing wages dropped), by ``quantile_sorted``."""
    v = np.sort(pd.Series(wages, dtype="float64").dropna().to_numpy())
    p25, p50, p75 = (quantile_sorted(v, q) for q in (0.25, 0.5, 0.75))
    return p25, p50, p75


def stable_order(codes: np.ndarray) -> np.ndarray:
    """``np.argsort(codes, kind="stable")`` for non-negative integer codes below 2**32, by
    16-bit radix passes (numpy's radix sort, several times faster than its 64-bit sort)."""
    codes = np.asarray(codes)
    if not len(codes) or codes.max() < 2**16:
        return np.argsort(codes.astype("uint16"), kind="stable")
    if codes.max() >= 2**32:
        return np.argsort(codes, kind="stable")
    o1 = np.argsort((codes & 0xFFFF).astype("uint16"), kind="stable")
    o2 = np.argsort((codes[o1] >> 16).astype("uint16"), kind="stable")
    return o1[o2]


def grouped_quantiles(
    codes: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    qs=(0.25, 0.5, 0.75),
    presorted: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """``wage_quartiles`` for many groups at once: ``codes`` (int, 0..n_groups-1) per value;
    returns (count per group, array n_groups × len(qs)); NaN for empty groups. The same
    type-7 interpolation as ``quantile_sorted`` (tested against it). ``presorted``: the
    values are already ascending (then one stable integer sort of the codes suffices)."""
    ok = np.isfinite(values)
    codes, values = np.asarray(codes)[ok], np.asarray(values, dtype="float64")[ok]
    order = stable_order(codes) if presorted else np.lexsort((values, codes))
    v = values[order]
    counts = np.bincount(codes, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = np.full((n_groups, len(qs)), np.nan)
    has = counts > 0
    for j, q in enumerate(qs):
        h = (counts[has] - 1) * q
        lo = np.floor(h).astype("int64")
        hi = np.minimum(lo + 1, counts[has] - 1)
        a, b = v[starts[has] + lo], v[starts[has] + hi]
        out[has, j] = a + (h - lo) * (b - a)
    return counts, out


# -- per-record indicators: what each record contributes to the counts ---------------------

INDICATORS = (
    "graduates",
    "surveyed",
    "respondents",
    "answered_6m",
    "answered_12m",
    "completed",
    "employed_6m",
    "employed_12m",
    "formal",
    "informal",
    "self_employed",
    "in_occupation",
)


def _flag(s: pd.Series) -> np.ndarray:
    return s.astype("boolean").fillna(False).to_numpy(dtype=bool)


def indicators(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per outcome record, 0/1 indicators of ``INDICATORS`` (int8) and ``wage`` (float VND,
    NaN unless the respondent is employed at 12 months with a wage).

    Without a ``survey_status`` column every record is a respondent (contract v1). With it
    (tracer v1.1): respondent = ``responded`` or ``administrative``; surveyed = anything but
    ``unreachable``; a non-respondent counts only in graduates (and surveyed), its outcome
    cells are ignored."""
    n = len(outcomes)
    if "survey_status" in outcomes.columns:
        st = outcomes["survey_status"].astype("string")
        resp = st.isin(RESPONDED).fillna(False).to_numpy(dtype=bool)
        surv = (~st.isin(NOT_SURVEYED)).fillna(True).to_numpy(dtype=bool)
    else:
        resp = np.ones(n, bool)
        surv = np.ones(n, bool)
    et_codes, et_names = pd.factorize(outcomes["employment_type"])
    et_names = list(et_names)

    def is_type(name: str) -> np.ndarray:
        return et_codes == et_names.index(name) if name in et_names else np.zeros(n, bool)

    emp12 = _flag(outcomes["employed_12m"]) & resp
    out = pd.DataFrame(
        {
            "graduates": np.ones(n, "int8"),
            "surveyed": surv.astype("int8"),
            "respondents": resp.astype("int8"),
            "answered_6m": (outcomes["employed_6m"].notna().to_numpy(dtype=bool) & resp).astype(
                "int8"
            ),
            "answered_12m": (outcomes["employed_12m"].notna().to_numpy(dtype=bool) & resp).astype(
                "int8"
            ),
            "completed": (_flag(outcomes["completed"]) & resp).astype("int8"),
            "employed_6m": (_flag(outcomes["employed_6m"]) & resp).astype("int8"),
            "employed_12m": emp12.astype("int8"),
            "formal": (emp12 & is_type("formal")).astype("int8"),
            "informal": (emp12 & is_type("informal")).astype("int8"),
            "self_employed": (emp12 & is_type("self_employed")).astype("int8"),
            "in_occupation": (emp12 & _flag(outcomes["job_matches_training"])).astype("int8"),
        },
        index=outcomes.index,
    )
    wage = pd.to_numeric(outcomes["monthly_wage_vnd"], errors="coerce").astype("float64")
    out["wage"] = np.where(emp12, wage.to_numpy(dtype="float64", na_value=np.nan), np.nan)
    return out


# -- the published rates: name -> (function, numerator count, denominator count) -----------

RATES: dict[str, tuple] = {
    "response_rate": (response_rate, "respondents", "graduates"),
    "employment_6m": (employment_rate, "employed_6m", "answered_6m"),
    "employment_12m": (employment_rate, "employed_12m", "answered_12m"),
    "formal_12m": (employment_rate, "formal", "answered_12m"),
    "informal_12m": (employment_rate, "informal", "answered_12m"),
    "self_employed_12m": (employment_rate, "self_employed", "answered_12m"),
    "in_occupation_12m": (in_occupation_rate, "in_occupation", "answered_12m"),
    "completion": (completion_rate, "completed", "respondents"),
}
"""Every published rate, its defining function and its numerator / denominator counts."""


def add_rates(counts: pd.DataFrame, z: float = Z95) -> pd.DataFrame:
    """Add every rate of ``RATES`` with its Wilson interval (``<rate>_lo``, ``<rate>_hi``;
    none for the response rate, which is a census figure, not an estimate) to a frame of
    counts."""
    out = counts.copy()
    for name, (fn, num, den) in RATES.items():
        out[name] = fn(out[num].to_numpy(), out[den].to_numpy())
        if name != "response_rate":
            lo, hi = wilson_interval(out[name].to_numpy(), out[den].to_numpy(), z)
            out[f"{name}_lo"], out[f"{name}_hi"] = lo, hi
    return out

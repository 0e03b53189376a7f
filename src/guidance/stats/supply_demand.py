"""Supply against demand for planners (issue 12 §4), from PUBLISHED cells only (pure core).

Per trade (ISCO-08 2-digit ``isco2``, or the training occupation ``trade4``) × province:

- **expected graduates next year** = Σ over the active offerings of the trade in the
  province of ``capacity × completion rate``; the completion rate is the offering's
  published headline rate, else its trade × province × level cell's, else the province's,
  else the nation's (``completion_source`` lists which, with the number of offerings);
  rounded to the disclosure setting's count step (5);
- **vacancies**, **job seekers** (registered), **vacancies per job seeker**, the **yearly
  trend** of vacancies and the **projection** of vacancies per job seeker ``months_ahead``
  months after the newest demand month: the one definition of ``guidance.demand_figures``
  (3-month means at the newest month, trend against the same window a year earlier,
  half the trend carried forward, clipped);
- **graduates per vacancy** = expected graduates / current vacancies;
- the **shortage / surplus indicator** (in the spirit of OECD Skills for Jobs): components
  (1) vacancy tension ``log(vacancies per job seeker)``, (2) graduates' employment-rate
  change at 12 months between the two latest published single-year cohorts (percentage
  points), (3) graduates' median-wage change between the same cohorts (%); the graduates'
  changes are averaged over the cell's levels weighted by published respondents. Each
  component is standardised against the all-trades average of the table (z-score across
  the table's cells: ``(x − mean) / standard deviation``, population SD; 0 when fewer than
  two cells have it or the SD is 0) and combined with ``WEIGHTS`` (0.5, 0.3, 0.2); a
  missing component drops out and the weights of the others are renormalised
  (``components`` = how many were used). Flag: ``shortage`` when the indicator ≥
  ``SHORTAGE_AT`` (+0.5), ``surplus`` when ≤ ``SURPLUS_AT`` (−0.5), else ``balanced``;
  no component → no flag.

The **programme quadrant** (``quadrant``): per offering (headline row, published only), the
employment rate at 12 months and the in-trade rate (employed in the trained occupation),
each against the national headline → four labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance import demand_figures as dfig
from guidance.features import DemandIndex
from guidance.stats.disclosure import headline, round_to
from guidance.stats.tables import offering_frame

MONTHS_AHEAD = 12
"""Projection horizon: next year's graduates, a year after the newest demand month."""
WEIGHTS = {"tension": 0.5, "employment_change": 0.3, "wage_change": 0.2}
SHORTAGE_AT, SURPLUS_AT = 0.5, -0.5
COUNT_STEP = 5
TRADE_COLUMN = {"isco2": "isco2", "trade4": "trade_occupation"}
DETAIL_TABLE = {"isco2": "trade2_province_level", "trade4": "trade4_province_level"}
SOURCES = ("offering", "trade_province", "province", "nation")
METHOD = {
    "expected_graduates": "capacity x completion rate (published: offering, else trade x "
    "province x level, else province, else nation); rounded to 5",
    "demand": "3-month means at the newest month; trend = vacancies / same window a year "
    "earlier - 1; projection = value x (1 + clip(trend, -0.5, 1))^(0.5 m / 12)",
    "months_ahead": MONTHS_AHEAD,
    "indicator": "weighted mean of z-scores across the table's cells: vacancy tension "
    "log(vacancies per job seeker) 0.5, employment-rate change 0.3, wage "
    "change 0.2; missing components dropped and weights renormalised",
    "weights": WEIGHTS,
    "thresholds": {"shortage": SHORTAGE_AT, "surplus": SURPLUS_AT},
    "flags": {
        "shortage": {"en": "shortage", "vi": "thiếu hụt"},
        "balanced": {"en": "balanced", "vi": "cân bằng"},
        "surplus": {"en": "surplus", "vi": "dư thừa"},
    },
    "source": "OECD Skills for Jobs (shortage and surplus indicators), adapted",
}
QUADRANTS = {
    "strong": (
        "employment and in-trade rate at or above the national average",
        "tỷ lệ có việc làm và làm đúng nghề đều từ mức trung bình cả nước trở lên",
    ),
    "employed_outside_trade": (
        "employment at or above, in-trade rate below the national average",
        "tỷ lệ có việc làm từ mức trung bình trở lên, làm đúng nghề dưới mức trung bình cả nước",
    ),
    "in_trade_fewer_jobs": (
        "in-trade rate at or above, employment below the national average",
        "làm đúng nghề từ mức trung bình trở lên, tỷ lệ có việc làm dưới mức trung bình cả nước",
    ),
    "weak": (
        "employment and in-trade rate below the national average",
        "tỷ lệ có việc làm và làm đúng nghề đều dưới mức trung bình cả nước",
    ),
}


def _published(df: pd.DataFrame) -> pd.DataFrame:
    return df[~df["suppressed"].astype(bool)]


def zscore(x) -> np.ndarray:
    """Standardised against the mean of the finite values (population SD); NaN stays NaN;
    all 0 when fewer than two values or no spread."""
    x = np.asarray(x, dtype="float64")
    ok = np.isfinite(x)
    out = np.full(len(x), np.nan)
    if ok.sum() < 2:
        out[ok] = 0.0
        return out
    mu, sd = x[ok].mean(), x[ok].std()
    out[ok] = (x[ok] - mu) / sd if sd > 0 else 0.0
    return out


def indicator(
    components: dict[str, np.ndarray], weights: dict[str, float] = WEIGHTS
) -> tuple[np.ndarray, np.ndarray]:
    """(weighted mean of the components' z-scores with renormalised weights, number of
    components used); NaN where none is available."""
    n = len(next(iter(components.values())))
    num, den, cnt = np.zeros(n), np.zeros(n), np.zeros(n, "int64")
    for name, x in components.items():
        z = zscore(x)
        ok = np.isfinite(z)
        num[ok] += weights[name] * z[ok]
        den[ok] += weights[name]
        cnt += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan), cnt


def flag(ind: np.ndarray) -> np.ndarray:
    """shortage / balanced / surplus by ``SHORTAGE_AT`` / ``SURPLUS_AT``; None without data."""
    ind = np.asarray(ind, dtype="float64")
    out = np.where(
        ind >= SHORTAGE_AT, "shortage", np.where(ind <= SURPLUS_AT, "surplus", "balanced")
    ).astype(object)
    out[~np.isfinite(ind)] = None
    return out


def completion_rates(
    offers: pd.DataFrame, heads: dict[str, pd.DataFrame], trade: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per offering the published completion rate (0–1) and where it came from."""
    rate = np.full(len(offers), np.nan)
    src = np.full(len(offers), None, dtype=object)
    detail = DETAIL_TABLE[trade]
    tcol = TRADE_COLUMN[trade]
    lookups = (
        ("offering", heads.get("offering"), ["programme_id"]),
        ("trade_province", heads.get(detail), [tcol, "province_code", "level"]),
        ("province", heads.get("province"), ["province_code"]),
    )
    for name, table, keys in lookups:
        if table is None or not len(table):
            continue
        pub = _published(table).dropna(subset=["completion_pct"])
        m = offers[keys].merge(
            pub[[*keys, "completion_pct"]].drop_duplicates(keys), on=keys, how="left"
        )["completion_pct"]
        v = pd.to_numeric(m, errors="coerce").to_numpy(dtype="float64", na_value=np.nan) / 100
        take = np.isnan(rate) & np.isfinite(v)
        rate[take], src[take] = v[take], name
    nation = heads.get("nation")
    if nation is not None and len(nation):
        pub = _published(nation).dropna(subset=["completion_pct"])
        if len(pub):
            take = np.isnan(rate)
            rate[take], src[take] = float(pub["completion_pct"].iloc[0]) / 100, "nation"
    return rate, src


def _grad_changes(table: pd.DataFrame, tcol: str) -> pd.DataFrame:
    """Per trade × province: employment-rate change (pp) and median-wage change (%) between
    the two latest published single-year cohorts of each level cell, averaged over levels
    weighted by the latest year's published respondents."""
    cols = [tcol, "province_code"]
    if table is None or not len(table):
        return pd.DataFrame(columns=[*cols, "employment_change_pp", "wage_change_pct"])
    pub = _published(table[~table["pooled"].astype(bool)]).copy()
    pub["year"] = pub["cohort"].astype(int)
    pub = pub.sort_values([*cols, "level", "year"])
    g = pub.groupby([*cols, "level"], sort=False)
    last, prev = g.nth(-1), g.nth(-2)
    both = last.merge(prev, on=[*cols, "level"], suffixes=("", "_prev"))
    emp = both["employment_12m_pct"].astype("float64") - both["employment_12m_pct_prev"].astype(
        "float64"
    )
    w1 = both["wage_median"].astype("float64")
    w0 = both["wage_median_prev"].astype("float64")
    wage = np.where(w0 > 0, (w1 / w0 - 1.0) * 100, np.nan)
    wt = both["respondents"].astype("float64").to_numpy()
    d = pd.DataFrame(
        {
            tcol: both[tcol].to_numpy(),
            "province_code": both["province_code"],
            "e": emp.to_numpy() * wt,
            "ew": np.where(np.isfinite(emp), wt, 0),
            "w": np.nan_to_num(wage) * wt,
            "ww": np.where(np.isfinite(wage), wt, 0),
        }
    )
    d["e"] = np.nan_to_num(d["e"])
    s = d.groupby(cols, as_index=False)[["e", "ew", "w", "ww"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        s["employment_change_pp"] = np.where(s["ew"] > 0, s["e"] / s["ew"], np.nan)
        s["wage_change_pct"] = np.where(s["ww"] > 0, s["w"] / s["ww"], np.nan)
    return s[[*cols, "employment_change_pp", "wage_change_pct"]]


def _demand_cells(demand: pd.DataFrame | None, trade: str, months_ahead: int) -> pd.DataFrame:
    tcol = TRADE_COLUMN[trade]
    cols = [
        tcol,
        "province_code",
        "vacancies",
        "job_seekers",
        "vacancies_per_job_seeker",
        "vacancy_trend_12m",
        "vacancies_projected",
        "vacancies_per_job_seeker_projected",
    ]
    if demand is None or not len(demand):
        return pd.DataFrame(columns=cols)
    idx = DemandIndex.from_frame(demand)
    codes = np.array(idx.occupations, dtype=object)
    keys = np.array([c[:2] for c in codes]) if trade == "isco2" else codes.astype(str)
    uniq, inv = np.unique(keys, return_inverse=True)
    shape = (len(uniq), len(idx.provinces), idx.vac.shape[2])

    def fold(a: np.ndarray) -> np.ndarray:
        out = np.zeros(shape)
        np.add.at(out, inv, a)
        return out

    vac, seek, known = fold(idx.vac), fold(idx.seek), fold(idx.seek_known)
    v_now, s_now, k_now = (dfig.current_mean(a) for a in (vac, seek, known))
    trend = dfig.yearly_trend(v_now, dfig.lagged_mean(vac))
    vps = dfig.per_seeker(v_now, s_now, k_now)
    # a cell with no demand row in the window is not a cell of the demand data
    seen = (vac.sum(axis=-1) > 0) | (known.sum(axis=-1) > 0)
    t, p = np.nonzero(seen)
    return pd.DataFrame(
        {
            tcol: uniq[t],
            "province_code": np.array(idx.provinces, dtype=object)[p],
            "vacancies": v_now[t, p],
            "job_seekers": np.where(k_now[t, p] > 0, s_now[t, p], np.nan),
            "vacancies_per_job_seeker": vps[t, p],
            "vacancy_trend_12m": trend[t, p],
            "vacancies_projected": dfig.projection(v_now[t, p], trend[t, p], months_ahead),
            "vacancies_per_job_seeker_projected": dfig.projection(
                vps[t, p], trend[t, p], months_ahead
            ),
        }
    )


def supply_demand_table(
    published: dict[str, pd.DataFrame],
    programmes: pd.DataFrame,
    demand: pd.DataFrame | None,
    trade: str,
    months_ahead: int = MONTHS_AHEAD,
    heads: dict[str, pd.DataFrame] | None = None,
    count_step: int = COUNT_STEP,
) -> pd.DataFrame:
    """One supply-against-demand table (``trade`` = ``isco2`` | ``trade4``); expected
    graduates rounded to ``count_step`` (the disclosure settings' count rounding)."""

    tcol = TRADE_COLUMN[trade]
    heads = heads if heads is not None else {g: headline(t, g) for g, t in published.items()}
    offers = offering_frame(programmes)
    active = (
        programmes["active"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        if "active" in programmes
        else np.ones(len(offers), bool)
    )
    offers = offers[active].reset_index(drop=True)
    cap = (
        pd.to_numeric(programmes.loc[active, "capacity"], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        if "capacity" in programmes
        else np.full(len(offers), np.nan)
    )
    rate, src = completion_rates(offers, heads, trade)
    offers = offers.assign(_cap=cap, _exp=cap * rate, _src=src)
    keys = [tcol, "province_code"]
    sup = offers.groupby(keys, as_index=False).agg(
        offerings=("programme_id", "size"),
        capacity=("_cap", "sum"),
        expected_graduates=("_exp", lambda x: x.sum(min_count=1)),
    )
    srcs = offers.dropna(subset=["_src"]).groupby([*keys, "_src"]).size()
    label = {
        k: ";".join(f"{s}:{int(srcs[(*k, s)])}" for s in SOURCES if (*k, s) in srcs)
        for k in {tuple(i[:2]) for i in srcs.index}
    }
    sup["completion_source"] = [
        label.get((a, b)) or None for a, b in zip(sup[tcol], sup["province_code"], strict=True)
    ]
    dem = _demand_cells(demand, trade, months_ahead)
    out = sup.merge(dem, on=keys, how="outer")
    ch = _grad_changes(published.get(DETAIL_TABLE[trade]), tcol)
    out = out.merge(ch, on=keys, how="left")
    # graduates' published figures of the trade x province: summed over levels from the
    # headline (respondents rounded already; response rate recomputed from rounded counts)
    det = heads.get(DETAIL_TABLE[trade])
    if det is not None and len(det):
        pub = _published(det)
        agg = pub.groupby(keys, as_index=False)[["respondents", "graduates"]].sum()
        out = out.merge(agg, on=keys, how="left")
    else:
        out["respondents"] = out["graduates"] = np.nan
    exp = round_to(out["expected_graduates"].to_numpy(dtype="float64"), count_step)
    out["expected_graduates"] = pd.array(np.where(np.isfinite(exp), exp, np.nan), dtype="Int64")
    out["capacity"] = pd.array(
        out["capacity"].to_numpy(dtype="float64", na_value=np.nan), dtype="Int64"
    )
    out["offerings"] = pd.array(out["offerings"].fillna(0).astype("int64"), dtype="Int64")
    vac = out["vacancies"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["graduates_per_vacancy"] = np.where(vac > 0, exp / vac, np.nan)
        tension = np.where(
            out["vacancies_per_job_seeker"].to_numpy(dtype="float64") > 0,
            np.log(out["vacancies_per_job_seeker"].to_numpy(dtype="float64")),
            np.nan,
        )
    comps = {
        "tension": tension,
        "employment_change": out["employment_change_pp"].to_numpy(dtype="float64"),
        "wage_change": out["wage_change_pct"].to_numpy(dtype="float64"),
    }
    ind, cnt = indicator(comps)
    for name, x in comps.items():
        out[f"z_{name}"] = zscore(x)
    out["indicator"], out["components"] = ind, cnt
    out["flag"] = flag(ind)
    gr = out[["graduates", "respondents"]].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        rr = np.where(gr[:, 0] > 0, np.rint(gr[:, 1] / gr[:, 0] * 100), np.nan)
    out["response_rate_pct"] = pd.array(rr, dtype="Int64")
    out["respondents"] = pd.array(gr[:, 1], dtype="Int64")
    out = out.drop(columns=["graduates"])
    for c in (
        "vacancies",
        "job_seekers",
        "vacancies_projected",
        "employment_change_pp",
        "wage_change_pct",
    ):
        out[c] = np.round(out[c].to_numpy(dtype="float64"), 1)
    for c in (
        "vacancies_per_job_seeker",
        "vacancies_per_job_seeker_projected",
        "graduates_per_vacancy",
        "indicator",
        "z_tension",
        "z_employment_change",
        "z_wage_change",
        "vacancy_trend_12m",
    ):
        out[c] = np.round(out[c].to_numpy(dtype="float64"), 3)
    out.insert(0, "trade_level", trade)
    out = out.rename(columns={tcol: "trade"})
    return out.sort_values(["trade", "province_code"]).reset_index(drop=True)


def supply_demand(
    published: dict[str, pd.DataFrame],
    programmes: pd.DataFrame,
    demand: pd.DataFrame | None,
    months_ahead: int | None = None,
    heads: dict[str, pd.DataFrame] | None = None,
    count_step: int = COUNT_STEP,
) -> dict[str, pd.DataFrame]:
    """Both tables: ``{"isco2": ..., "trade4": ...}``."""
    m = MONTHS_AHEAD if months_ahead is None else int(months_ahead)
    return {
        t: supply_demand_table(published, programmes, demand, t, m, heads, count_step)
        for t in TRADE_COLUMN
    }


def quadrant(heads: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per published offering headline: employment at 12 months and in-trade rate against
    the national headline → ``quadrant`` (``QUADRANTS``)."""
    off = heads.get("offering")
    nation = heads.get("nation")
    cols = [
        "cohort",
        "cohorts",
        "pooled",
        "programme_id",
        "institution_id",
        "institution_name",
        "programme_code",
        "level",
        "province_code",
        "trade_occupation",
        "isco2",
        "respondents",
        "response_rate_pct",
        "employment_12m_pct",
        "in_occupation_12m_pct",
    ]
    rates = ["employment_12m_pct", "in_occupation_12m_pct"]
    if (
        off is None
        or nation is None
        or not len(off)
        or not len(nation)
        or bool(nation["suppressed"].iloc[0])
        or nation[rates].iloc[0].isna().any()
    ):
        return pd.DataFrame(
            columns=[
                *cols,
                "employment_vs_national_pp",
                "in_trade_vs_national_pp",
                "quadrant",
                "quadrant_en",
                "quadrant_vi",
            ]
        )
    n_emp = float(nation["employment_12m_pct"].iloc[0])
    n_in = float(nation["in_occupation_12m_pct"].iloc[0])
    q = _published(off)[cols]
    # a published offering whose 12-month wave has too few answers has no 12-month rates
    q = q[q[rates].notna().all(axis=1)].copy().reset_index(drop=True)
    de = q["employment_12m_pct"].astype("float64") - n_emp
    di = q["in_occupation_12m_pct"].astype("float64") - n_in
    q["employment_vs_national_pp"] = pd.array(de, dtype="Int64")
    q["in_trade_vs_national_pp"] = pd.array(di, dtype="Int64")
    lab = np.where(
        de >= 0,
        np.where(di >= 0, "strong", "employed_outside_trade"),
        np.where(di >= 0, "in_trade_fewer_jobs", "weak"),
    )
    q["quadrant"] = lab
    q["quadrant_en"] = [QUADRANTS[x][0] for x in lab]
    q["quadrant_vi"] = [QUADRANTS[x][1] for x in lab]
    q.attrs["national"] = {"employment_12m_pct": n_emp, "in_occupation_12m_pct": n_in}
    return q

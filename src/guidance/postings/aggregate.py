"""Deduplication and aggregation of parsed postings into ``demand`` rows."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from guidance.text import fold

# Legal-form words dropped from company names before comparing them.
_COMPANY_NOISE = re.compile(
    r"\b(?:cong ty|cty|tnhh|co phan|cp|mtv|tap doan|tong cong ty|chi nhanh|jsc|ltd|llc|inc|co"
    r"|corp|corporation|company|limited|group|vietnam|viet nam|vn)\b"
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def norm_title(title: object) -> str:
    """Folded title without punctuation or bracketed tags ("[HN]", "(Upto 30M)")."""
    t = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", fold(title))
    return _NON_ALNUM.sub(" ", t).strip()


def norm_company(company: object) -> str:
    c = _NON_ALNUM.sub(" ", fold(company))
    return " ".join(_COMPANY_NOISE.sub(" ", c).split())


def dedupe_key(title: pd.Series, company: pd.Series, places: pd.Series) -> pd.Series:
    """Key = normalised title + normalised company + sorted places (province codes and
    buckets; the raw folded location when nothing was resolved)."""
    return title.map(norm_title) + "|" + company.map(norm_company) + "|" + places


def allocate(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (posting, province) with its share of the vacancies.

    A posting listing n places (provinces plus the nationwide / abroad /
    other-places buckets) gives each place vacancies / n; only province shares
    become demand rows, bucket shares are reported, not written.
    """
    rows = df[df["n_places"] > 0]
    codes = rows["province_codes"]
    lens = np.asarray([len(c) for c in codes], dtype=np.int64)
    out = pd.DataFrame(
        {
            "posting": np.repeat(rows.index.to_numpy(), lens),
            "province_code": [c for cs in codes for c in cs],
        }
    )
    n = np.repeat(rows["n_places"].to_numpy(), lens)
    out["share"] = np.repeat(rows["vacancies"].to_numpy(dtype=float), lens) / n
    out["occupation_code"] = np.repeat(rows["occupation_code"].to_numpy(), lens)
    out["wage"] = np.repeat(rows["wage_mid"].to_numpy(dtype=float), lens)
    return out


def demand_rows(alloc: pd.DataFrame, period: str) -> pd.DataFrame:
    """Aggregate allocated shares into contract ``demand`` rows.

    vacancies: the cell's summed share rounded to the nearest integer, at least
    1 (a cell exists only because a posting named it). median_wage_vnd: median
    of the postings' salary midpoints in the cell (postings without a salary
    skipped), rounded to 1,000 VND.
    """
    a = alloc.dropna(subset=["occupation_code"])
    if a.empty:
        return pd.DataFrame(
            {
                "period": pd.Series(dtype="str"),
                "province_code": pd.Series(dtype="str"),
                "occupation_code": pd.Series(dtype="str"),
                "vacancies": pd.Series(dtype="Int64"),
                "job_seekers": pd.Series(dtype="Int64"),
                "median_wage_vnd": pd.Series(dtype="Int64"),
                "source": pd.Series(dtype="str"),
            }
        )
    g = a.groupby(["province_code", "occupation_code"], sort=True)
    out = g.agg(vacancies=("share", "sum"), median_wage_vnd=("wage", "median")).reset_index()
    out["vacancies"] = np.maximum(1, np.floor(out["vacancies"] + 0.5)).astype("int64")
    wage = (out["median_wage_vnd"] / 1000).round() * 1000
    out["median_wage_vnd"] = wage.astype("Int64")
    out.insert(0, "period", period)
    out["job_seekers"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["source"] = "job_board"
    out["vacancies"] = out["vacancies"].astype("Int64")
    cols = [
        "period",
        "province_code",
        "occupation_code",
        "vacancies",
        "job_seekers",
        "median_wage_vnd",
        "source",
    ]
    return out[cols].astype(
        {"period": "str", "province_code": "str", "occupation_code": "str", "source": "str"}
    )

"""Outcome tables: every grouping adds up to the nation, pools add up their years, and one
cell recomputed directly from the records."""

from __future__ import annotations

import numpy as np
import pytest

from guidance.stats.definitions import INDICATORS
from guidance.stats.tables import GROUPINGS, cohort_labels, outcome_tables


@pytest.fixture(scope="module")
def demo(world_tables):
    tables = world_tables("demo", 1)
    return tables, outcome_tables(tables)


def test_every_grouping_adds_up_to_the_nation(demo):
    _, raw = demo
    nat = raw["nation"].set_index("cohort")[list(INDICATORS)]
    for name in GROUPINGS:
        sums = raw[name].groupby("cohort")[list(INDICATORS)].sum()
        assert (sums.loc[nat.index] == nat).all().all(), name


def test_pools_are_their_years(demo):
    _, raw = demo
    t = raw["institution"]
    years = sorted(t.loc[~t["pooled"], "cohort"].unique())
    assert t.loc[t["pooled"], "cohort"].unique().tolist() == [
        f"{years[-2]}-{years[-1]}",
        f"{years[-3]}-{years[-1]}",
    ]
    keys = list(GROUPINGS["institution"])
    p3 = t[t["cohort"] == f"{years[-3]}-{years[-1]}"].set_index(keys)["respondents"]
    y = t[t["cohort"].isin(years[-3:])].groupby(keys)["respondents"].sum()
    assert (p3.sort_index() == y.sort_index()).all()


def test_one_cell_from_the_records(demo):
    tables, raw = demo
    out = tables["outcomes"].merge(
        tables["programmes"][["programme_id", "province_code"]], on="programme_id"
    )
    prov = out["province_code"].value_counts().index[0]
    rec = out[(out["province_code"] == prov) & (out["cohort"].str[:4] == "2024")]
    row = raw["province"][
        (raw["province"]["province_code"] == prov) & (raw["province"]["cohort"] == "2024")
    ].iloc[0]
    n = len(rec)
    emp = int(rec["employed_12m"].sum())
    assert row["graduates"] == row["respondents"] == n
    assert row["employed_12m"] == emp
    assert row["employment_12m"] == pytest.approx(emp / n)
    assert row["formal"] == int((rec["employment_type"] == "formal").sum())
    assert row["in_occupation"] == int((rec["job_matches_training"] & rec["employed_12m"]).sum())
    w = rec.loc[rec["employed_12m"], "monthly_wage_vnd"].dropna().astype(float)
    assert row["wage_n"] == len(w)
    assert [row["wage_p25"], row["wage_median"], row["wage_p75"]] == pytest.approx(
        np.quantile(w, [0.25, 0.5, 0.75]).tolist()
    )
    assert row["cohorts"] == "2024" and not row["pooled"]


def test_offering_rows_carry_their_trade(demo):
    tables, raw = demo
    off = raw["offering"].drop_duplicates("programme_id").set_index("programme_id")
    p = tables["programmes"].set_index("programme_id")
    first = p.loc[off.index, "target_occupations"].str.split(";").str[0]
    assert (off["trade_occupation"] == first).all()
    assert (off["isco2"] == first.str[:2]).all()


def test_cohort_labels():
    assert cohort_labels([2021, 2023, 2022, 2023]) == [
        ("2021", (2021,), False),
        ("2022", (2022,), False),
        ("2023", (2023,), False),
        ("2022-2023", (2022, 2023), True),
        ("2021-2023", (2021, 2022, 2023), True),
    ]
    assert cohort_labels([2024]) == [("2024", (2024,), False)]


def test_no_records_gives_empty_tables_with_every_column(world_tables):
    from guidance.stats.disclosure import headline, publish

    tables = dict(world_tables("tiny", 1))
    tables["outcomes"] = tables["outcomes"].iloc[:0]
    raw = outcome_tables(tables)
    assert all(len(t) == 0 and "employment_12m_lo" in t.columns for t in raw.values())
    pub = publish(raw)
    assert all(len(t) == 0 and "suppressed_vi" in t.columns for t in pub.tables.values())
    assert len(headline(pub.tables["offering"], "offering")) == 0

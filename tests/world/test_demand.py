"""Demand: regional industry mix, Tết seasonality and the pandemic shock."""

from __future__ import annotations

import pytest

from guidance.world.demand import occupation_cluster


@pytest.fixture(scope="module")
def demand(demo_tables):
    d = demo_tables["demand"].copy()
    d["cluster"] = d["occupation_code"].map(occupation_cluster)
    d["year"] = d["period"].str[:4].astype(int)
    return d


def _share(d, cluster, provinces=None):
    sub = d if provinces is None else d[d["province_code"].isin(provinces)]
    return sub.loc[sub["cluster"] == cluster, "vacancies"].sum() / sub["vacancies"].sum()


def test_columns_and_span(demand):
    assert demand["period"].min() == "2019-01" and demand["period"].max() == "2026-10"
    assert demand["province_code"].nunique() == 34
    assert (demand["source"] == "employment_service_centre").all()
    assert (demand["vacancies"] >= 0).all() and (demand["median_wage_vnd"] > 0).all()


@pytest.mark.parametrize(
    "cluster,provinces,factor",
    [
        ("electronics", ["24"], 3.0),  # Bắc Ninh
        ("electronics", ["19"], 3.0),  # Thái Nguyên
        ("tourism", ["56", "48"], 2.0),  # Khánh Hòa, Đà Nẵng
        ("agriculture", ["92", "91", "96", "82", "86"], 1.8),  # Mekong Delta
        ("it", ["01", "79"], 2.0),  # Hà Nội, Hồ Chí Minh
    ],
)
def test_regional_industry_mix(demand, cluster, provinces, factor):
    if not (demand["cluster"] == cluster).any():
        pytest.fail(f"no {cluster} occupations in demand")
    assert _share(demand, cluster, provinces) > factor * _share(demand, cluster)


def test_pandemic_shock(demand):
    monthly = demand.groupby("period")["vacancies"].sum()
    assert monthly["2020-04"] < 0.8 * monthly["2019-04"]
    assert monthly["2021-08"] < 0.75 * monthly["2022-08"]
    seekers = demand.groupby("period")["job_seekers"].sum()
    assert seekers["2021-08"] > seekers["2022-08"]


def test_south_hit_harder_by_2021_wave(demand):
    south = demand["province_code"].isin(["79", "75", "80", "92", "91"])

    def drop(mask):
        m = demand[mask].groupby("period")["vacancies"].sum()
        return m["2021-08"] / m["2022-08"]

    assert drop(south) < drop(~south)


def test_tet_dip_then_hiring_peak(demand):
    monthly = demand.groupby("period")["vacancies"].sum()
    # Tết fell in February 2024 and January 2025
    assert monthly["2024-02"] < monthly["2024-01"] < monthly["2024-03"]
    assert monthly["2025-01"] < monthly["2025-02"]


def test_demand_grows_outside_the_pandemic(demand):
    yearly = demand.groupby("year")["vacancies"].sum()
    assert yearly[2025] > yearly[2019]

"""Occupation pages' API (``GET /api/v1/occupations/{code}``), the programme details'
additions (total tuition, institution, occupations, ``also_at``) and the result cards'
``GET /api/v1/programme-occupations``: on the real app, SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance import demand_figures as dfig
from guidance.geo import haversine_km
from guidance.reference import isco_groups, provinces


def _active(prog: pd.DataFrame) -> pd.DataFrame:
    return prog[prog["active"].fillna(True).astype(bool)]


def _trained(world: dict) -> dict[str, list[str]]:
    """Occupation code → ids of the active offerings that train for it."""
    out: dict[str, list[str]] = {}
    for pid, t in zip(
        _active(world["programmes"])["programme_id"],
        _active(world["programmes"])["target_occupations"],
        strict=True,
    ):
        for c in str(t).split(";"):
            out.setdefault(c, []).append(str(pid))
    return out


def _centres() -> dict[str, tuple[float, float]]:
    p = provinces()
    return {
        str(c): (float(a), float(o))
        for c, a, o in zip(p["province_code"], p["lat"], p["lon"], strict=True)
    }


def test_occupation_page_data(api, world):
    trained = _trained(world)
    dem = world["demand"]
    with_demand = set(dem.loc[dem["period"].isin(api.seeded.periods), "occupation_code"])
    # the occupation with demand figures and the most offerings
    code = max(set(trained) & with_demand, key=lambda c: (len(trained[c]), c))
    home = str(world["programmes"]["province_code"].iloc[-1])
    r = api.get(f"/api/v1/occupations/{code}", params={"province": home, "limit": 100})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["occupation"]["occupation_code"] == code
    assert body["minor_group"] == code[:3]
    # every active offering that trains for it, nearest first, with the geo distance
    assert sorted(p["programme_id"] for p in body["programmes"]) == sorted(trained[code])
    assert body["programmes_total"] == len(trained[code])
    c = _centres()
    for p in body["programmes"]:
        want = float(haversine_km(*c[home], *c[p["province_code"]]))
        assert p["distance_km"] == pytest.approx(want, abs=0.06)
    d = [p["distance_km"] for p in body["programmes"]]
    assert d == sorted(d)
    # Holland letters explained, strongest first, with the interest fit's weights
    letters = world["occupations"].set_index("occupation_code").loc[code, "riasec"]
    assert [x["letter"] for x in body["riasec"]] == list(letters)
    assert [x["weight"] for x in body["riasec"]] == [1.0, 0.6, 0.3][: len(letters)]
    assert all(
        x["about_vi"] and x["about_en"] and x["about_vi"] != x["about_en"] for x in body["riasec"]
    )
    # demand by province: the published figures of the snapshots the server holds
    dem = dem[(dem["occupation_code"] == code) & dem["period"].isin(api.seeded.periods)]
    assert body["demand_period"] == api.seeded.periods[-1]
    assert {r["province_code"] for r in body["demand"]} == set(dem["province_code"])
    for row in body["demand"]:
        sub = dem[dem["province_code"] == row["province_code"]].sort_values("period")
        vac = sub.set_index("period")["vacancies"].reindex(api.seeded.periods).fillna(0)
        assert row["vacancies"] == pytest.approx(float(dfig.current_mean(vac.to_numpy(float))))
        assert row["trend_12m"] is None  # three months of snapshots: no year-earlier window
    wages = [r["median_wage_vnd"] for r in body["demand"] if r["median_wage_vnd"] is not None]
    if wages:
        assert body["wage_min_vnd"] == min(wages) and body["wage_max_vnd"] == max(wages)
    vacs = [r["vacancies"] for r in body["demand"]]
    assert vacs == sorted(vacs, reverse=True)


def test_occupation_limit_no_province_no_demand(api, world):
    trained = _trained(world)
    dem = world["demand"]
    no_demand = set(trained) - set(
        dem.loc[dem["period"].isin(api.seeded.periods), "occupation_code"]
    )
    code = max(no_demand, key=lambda c: (len(trained[c]), c))
    body = api.get(f"/api/v1/occupations/{code}", params={"limit": 1}).json()
    assert len(body["programmes"]) == 1 and body["programmes_total"] == len(trained[code])
    assert body["programmes"][0]["distance_km"] is None and body["province"] is None
    assert body["demand"] == [] and body["demand_period"] is None
    assert body["wage_min_vnd"] is None


def test_occupation_errors_are_translated(api, world):
    trained = set(_trained(world))
    units = isco_groups()
    untrained = next(c for c in units.loc[units["level"] == 4, "code"] if c not in trained)
    r = api.get(f"/api/v1/occupations/{untrained}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_trained_for"
    assert "chưa có chương trình đào tạo" in r.json()["error"]["message"]
    r = api.get(f"/api/v1/occupations/{untrained}", params={"lang": "en"})
    assert "No programme in the catalogue trains for" in r.json()["error"]["message"]
    for bad in ("0000", "abcd", "12"):
        r = api.get(f"/api/v1/occupations/{bad}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", bad
        assert f"Không có nghề nào có mã “{bad}”" in r.json()["error"]["message"]
    code = sorted(trained)[0]
    assert api.get(f"/api/v1/occupations/{'1' * 17}").status_code == 422
    for params in ({"limit": 0}, {"limit": 101}, {"province": "1"}, {"lang": "fr"}):
        assert api.get(f"/api/v1/occupations/{code}", params=params).status_code == 422, params
    r = api.get(f"/api/v1/occupations/{code}", params={"province": "99"})
    assert r.status_code == 422 and "“99”" in r.json()["error"]["message"]


def test_programme_details_for_its_page(api, world, learner):
    rec = api.post("/api/v1/recommendations", json={"profile": learner, "k": 5}).json()
    item = rec["items"][0]
    body = api.get(f"/api/v1/programmes/{item['programme_id']}").json()
    # the one definition of total tuition: the recommender's
    assert body["total_tuition_vnd"] == pytest.approx(item["total_tuition_vnd"], abs=1)
    prog = body["programme"]
    assert [o["occupation_code"] for o in body["occupations"]] == prog["target_occupations"].split(
        ";"
    )
    assert all(o["name_en"] for o in body["occupations"])
    assert body["institution"]["institution_name"] == prog["institution_name"]
    assert body["institution"]["province_name_vi"] == item["province_name_vi"]
    assert body["stats_url"] == f"/stats/offering/{item['programme_id']}"
    # also at: the same programme code and level at the other institutions (active)
    prog_df = _active(world["programmes"])
    key = prog_df.groupby(["programme_code", "level"])["institution_id"].transform("nunique")
    multi = prog_df[key > 1].iloc[0]
    body = api.get(f"/api/v1/programmes/{multi['programme_id']}").json()
    want = prog_df[
        (prog_df["programme_code"] == multi["programme_code"])
        & (prog_df["level"] == multi["level"])
        & (prog_df["institution_id"] != multi["institution_id"])
    ]
    assert sorted(a["programme_id"] for a in body["also_at"]) == sorted(want["programme_id"])
    assert body["also_at_total"] == len(want)
    assert all(a["distance_km"] is not None for a in body["also_at"])


def test_programme_unknown_is_translated(api):
    r = api.get("/api/v1/programmes/NO-SUCH")
    assert r.status_code == 404 and "“NO-SUCH”" in r.json()["error"]["message"]
    r = api.get("/api/v1/programmes/NO-SUCH", params={"lang": "en"})
    assert r.status_code == 404 and r.json()["error"]["message"].startswith("There is no ")


def test_programme_occupations_for_cards(api, world):
    prog = world["programmes"]
    ids = [str(i) for i in prog["programme_id"].iloc[:3]]
    r = api.get("/api/v1/programme-occupations", params={"id": [*ids, "NO-SUCH", ids[0]]})
    assert r.status_code == 200
    body = r.json()
    assert [b["programme_id"] for b in body] == ids
    for b, t in zip(body, prog["target_occupations"].iloc[:3], strict=True):
        assert [o["occupation_code"] for o in b["occupations"]] == str(t).split(";")
    assert api.get("/api/v1/programme-occupations", params={"id": ["P"] * 51}).status_code == 422
    assert api.get("/api/v1/programme-occupations", params={"id": ["x" * 65]}).status_code == 422
    assert api.get("/api/v1/programme-occupations").status_code == 422


def test_demand_by_province_is_the_published_definition(world):
    """The occupation page's figures on 15 months of the world's demand: the current
    window, the trend and vacancies per job seeker of ``demand_figures``."""
    from guidance.explore import demand_by_province

    dem = world["demand"]
    periods = sorted(dem["period"].unique())[-15:]
    code = dem["occupation_code"].value_counts().index[0]
    sub = dem[(dem["occupation_code"] == code) & dem["period"].isin(periods)]
    out = demand_by_province(sub.to_dict("records"))
    assert out["period"] == periods[-1]
    row = out["rows"][0]
    s = sub[sub["province_code"] == row["province_code"]].set_index("period").reindex(periods)
    vac = s["vacancies"].astype("float64").fillna(0).to_numpy()
    assert row["vacancies"] == pytest.approx(float(dfig.current_mean(vac)))
    trend = float(dfig.yearly_trend(dfig.current_mean(vac), dfig.lagged_mean(vac)))
    assert (row["trend_12m"] is None and not np.isfinite(trend)) or row[
        "trend_12m"
    ] == pytest.approx(trend)
    assert any(r["trend_12m"] is not None for r in out["rows"])  # 15 months reach a year back

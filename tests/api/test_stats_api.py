"""The public statistics API on the real app (SQLite and PostgreSQL), the tiny world's
outcomes loaded into the tracer database as submissions (``tracer.dirs.load_demo``, as
``guidance tracer load-demo`` does)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator

import pandas as pd
import pytest
from tests.api.conftest import make_settings, wait_ready

ROUTES = (
    "/api/v1/stats/outcomes",
    "/api/v1/stats/value-added",
    "/api/v1/stats/supply-demand",
    "/api/v1/stats/quadrant",
)
# raw counts and unrounded values that must never leave through the API
RAW = {
    "employed_12m",
    "employed_6m",
    "formal",
    "informal",
    "self_employed",
    "in_occupation",
    "completed",
    "wage_n",
    "expected_12m",
    "expected_var_12m",
    "employment_12m",
    "response_rate",
    "completion",
    "value_added",
    "observed_12m",
    "employment_12m_lo",
    "employment_12m_hi",
}


@pytest.fixture(scope="session")
def world_dir(tiny_dir):  # noqa: ANN201 - Path
    """The ``world`` fixture's tiny world as a contract directory (tests/conftest.py)."""
    return tiny_dir


@pytest.fixture
def stats_api(seeded, model_path, tmp_path, world_dir) -> Iterator:
    """The started app over a database holding the tiny world's tracer submissions, its
    first statistics bundle built."""
    from fastapi.testclient import TestClient

    from guidance.api.app import create_app
    from guidance.tracer.dirs import load_demo

    load_demo(seeded.engine, world_dir, b"test-secret", "load-demo", catalogue=False)
    app = create_app(make_settings(tmp_path, seeded.url, model_path, stats_check_seconds=0.05))
    with TestClient(app) as client:
        wait_ready(client)
        client.seeded = seeded
        client.stats = app.state.ctx.stats
        client.stats.build()
        yield client


def _keys(node, out: set) -> set:  # noqa: ANN001
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(k)
            _keys(v, out)
    elif isinstance(node, list):
        for v in node:
            _keys(v, out)
    return out


def test_outcomes_filters_paging_and_suppression(stats_api):
    c = stats_api
    meta = c.get("/api/v1/stats").json()
    assert meta["latest_cohort"] == meta["years"][-1] and "2024-2025" in meta["cohorts"]
    assert meta["disclosure"]["min_respondents"] == 20 and meta["model_version"] == "1"
    assert {s["id"] for s in meta["sources"]} >= {"tracer", "catalogue", "demand"}

    r = c.get("/api/v1/stats/outcomes", params={"grouping": "province", "page_size": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    rows = body["items"]
    assert body["total"] == len(rows) > 0 and body["cohort"] == "latest"
    assert len({x["province_code"] for x in rows}) == len(rows)  # one headline row per key
    shown = [x for x in rows if not x["suppressed"]]
    hidden = [x for x in rows if x["suppressed"]]
    assert shown and hidden
    for x in shown:
        assert x["respondents"] >= 20 and x["respondents"] % 5 == 0
        assert x["response_rate_pct"] >= 50 and isinstance(x["employment_12m_pct"], int)
    for x in hidden:  # no figure, the reason in both languages
        assert x["respondents"] is None and x["employment_12m_pct"] is None
        assert x["suppressed_vi"] and x["suppressed_en"]
        assert x["suppressed_reason"] in {"few_respondents", "low_response", "complementary"}
    assert any("người trả lời" in x["suppressed_vi"] for x in hidden)

    # paging: disjoint pages, the same total
    p1 = c.get("/api/v1/stats/outcomes", params={"page_size": 7}).json()
    p2 = c.get("/api/v1/stats/outcomes", params={"page_size": 7, "page": 2}).json()
    assert p1["total"] == p2["total"] > 14 and len(p1["items"]) == len(p2["items"]) == 7
    assert not {x["programme_id"] for x in p1["items"]} & {x["programme_id"] for x in p2["items"]}
    assert p1["pages"] == -(-p1["total"] // 7)

    # filters
    prov = shown[0]["province_code"]
    f = c.get("/api/v1/stats/outcomes", params={"province": prov, "page_size": 500}).json()
    assert f["total"] > 0 and {x["province_code"] for x in f["items"]} == {prov}
    t = c.get(
        "/api/v1/stats/outcomes",
        params={
            "grouping": "trade2_province_level",
            "trade": "72",
            "level": "trung_cap",
            "page_size": 500,
        },
    ).json()
    assert all(x["isco2"] == "72" and x["level"] == "trung_cap" for x in t["items"])
    year = meta["years"][-2]
    y = c.get("/api/v1/stats/outcomes", params={"grouping": "nation", "cohort": year}).json()
    assert [x["cohort"] for x in y["items"]] == [year]
    pooled = c.get(
        "/api/v1/stats/outcomes", params={"grouping": "nation", "cohort": "2023-2025"}
    ).json()
    assert pooled["items"][0]["pooled"] is True
    assert c.get("/api/v1/stats/outcomes", params={"cohort": "1990"}).status_code == 404
    na = c.get("/api/v1/stats/outcomes", params={"grouping": "nation", "province": prov}).json()
    assert na["total"] == 0 and "province" in na["notes"][0]

    # bad filters: 422 naming the parameter, Vietnamese and English
    for param, value in (
        ("grouping", "district"),
        ("province", "99"),
        ("level", "phd"),
        ("cohort", "last"),
        ("trade", "7x"),
        ("page_size", "501"),
        ("format", "xml"),
    ):
        r = c.get("/api/v1/stats/outcomes", params={param: value})
        assert r.status_code == 422, (param, r.text)
        assert param in json.dumps(r.json(), ensure_ascii=False), param
    msg = c.get("/api/v1/stats/outcomes", params={"grouping": "x"}).json()["error"]["message"]
    assert "Tham số 'grouping' không hợp lệ" in msg and "Parameter 'grouping'" in msg


def test_etag_csv_and_no_raw_figure_leaves(stats_api):
    c = stats_api
    r = c.get("/api/v1/stats/outcomes", params={"grouping": "institution"})
    etag = r.headers["etag"]
    assert r.headers["cache-control"] == "public, max-age=300"
    r304 = c.get(
        "/api/v1/stats/outcomes",
        params={"grouping": "institution"},
        headers={"If-None-Match": etag},
    )
    assert r304.status_code == 304 and r304.content == b"" and r304.headers["etag"] == etag
    other = c.get(
        "/api/v1/stats/outcomes", params={"grouping": "province"}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag

    # CSV: the same rows, BOM first, by format=csv or Accept
    js = c.get("/api/v1/stats/outcomes", params={"grouping": "institution", "page_size": 40})
    cs = c.get(
        "/api/v1/stats/outcomes",
        params={"grouping": "institution", "page_size": 40, "format": "csv"},
    )
    acc = c.get(
        "/api/v1/stats/outcomes",
        params={"grouping": "institution", "page_size": 40},
        headers={"Accept": "text/csv"},
    )
    assert cs.headers["content-type"].startswith("text/csv") and cs.content[:3] == b"\xef\xbb\xbf"
    assert acc.content == cs.content and cs.headers["etag"] != js.headers["etag"]
    rows = list(csv.DictReader(io.StringIO(cs.content.decode("utf-8-sig"))))
    items = js.json()["items"]
    assert [r["institution_id"] for r in rows] == [x["institution_id"] for x in items]
    assert [r["respondents"] for r in rows] == [
        "" if x["respondents"] is None else str(x["respondents"]) for x in items
    ]
    assert int(cs.headers["x-total-count"]) == js.json()["total"]

    # no raw count or unrounded value in any answer of any route
    seen = set()
    for route in ROUTES:
        for params in ({}, {"page_size": 500}, {"format": "csv", "page_size": 500}):
            r = c.get(route, params=params)
            assert r.status_code == 200, (route, r.text)
            if params.get("format") == "csv":
                header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
                keys = set(header)
            else:
                keys = _keys(r.json(), set())
                for it in r.json()["items"]:
                    for k, v in it.items():
                        if k in ("employment_change_pp", "wage_change_pct"):
                            continue  # supply-demand: means of published changes (1 decimal)
                        if k.endswith(("_pct", "_pp")) or k in ("respondents", "graduates"):
                            assert v is None or isinstance(v, int), (route, k, v)
            assert not keys & RAW, (route, keys & RAW)
            seen |= keys
    for g in (
        "offering",
        "institution",
        "programme_province",
        "trade2_province_level",
        "trade4_province_level",
        "province",
        "nation",
    ):
        for cohort in ("latest", "2024-2025", "2025"):
            r = c.get(
                "/api/v1/stats/outcomes", params={"grouping": g, "cohort": cohort, "page_size": 500}
            )
            assert not _keys(r.json(), set()) & RAW
            for it in r.json()["items"]:
                for k in ("graduates", "surveyed", "respondents"):
                    assert it[k] is None or it[k] % 5 == 0
                for k in ("wage_p25", "wage_median", "wage_p75"):
                    assert it[k] is None or it[k] % 100_000 == 0
    assert {"value_added_pp", "flag", "quadrant", "expected_graduates"} <= seen

    # the answers are what the OpenAPI schema declares
    from guidance.api import schemas

    for route, model in zip(
        ROUTES,
        (
            schemas.StatsOutcomesPage,
            schemas.StatsValueAddedPage,
            schemas.StatsSupplyDemandPage,
            schemas.StatsQuadrantPage,
        ),
        strict=True,
    ):
        page = model.model_validate(c.get(route, params={"page_size": 500}).json())
        assert page.total >= len(page.items) > 0, route
    schemas.StatsMetaOut.model_validate(c.get("/api/v1/stats").json())
    paths = c.get("/openapi.json").json()["paths"]
    assert {"/api/v1/stats", *ROUTES} <= set(paths)

    va = c.get("/api/v1/stats/value-added", params={"page_size": 500}).json()["items"]
    assert va and all("respondents" in x and "response_rate_pct" in x for x in va)
    assert all((x["value_added_pp"] is None) == x["suppressed"] for x in va)
    sd = c.get(
        "/api/v1/stats/supply-demand", params={"trade_level": "trade4", "page_size": 500}
    ).json()
    assert sd["total"] > 0 and {x["flag"] for x in sd["items"]} <= {
        "shortage",
        "balanced",
        "surplus",
        None,
    }


def test_formula_cells_are_neutralised():
    from guidance.api.routes.stats import _csv_body

    body = _csv_body([{"a": "=HYPERLINK(1)", "b": -5}], ["a", "b"]).decode("utf-8-sig")
    assert body.splitlines()[1] == "'=HYPERLINK(1),-5"


def _new_cohort(world: dict, n: int = 25) -> tuple[str, list[dict]]:
    """A 12-month wave of a cohort the world does not have, for one institution."""
    from guidance.tracer.dirs import _plain
    from guidance.tracer.schema import LEARNER

    o = world["outcomes"]
    inst = world["programmes"].set_index("programme_id")["institution_id"]
    iid = str(inst[o["programme_id"].iloc[0]])
    w12 = [
        "employment_type",
        "occupation_code",
        "job_province_code",
        "monthly_wage_vnd",
        "job_matches_training",
    ]
    recs = []
    for i, (_, r) in enumerate(o[o["programme_id"].map(inst) == iid].head(n).iterrows()):
        if r["employed_12m"] is None or r["employed_12m"] is pd.NA:
            continue
        recs.append(
            {
                "learner_ref": f"NEW-{i}",
                "programme_id": r["programme_id"],
                "survey_wave": "12m",
                "survey_status": "responded",
                "employed": _plain(r["employed_12m"]),
                **{c.name: _plain(r[c.name]) for c in LEARNER},
                **{c: _plain(r[c]) for c in w12},
            }
        )
    return iid, recs


def test_rebuilds_after_a_new_submission_and_serves_the_old_bundle_meanwhile(
    stats_api, world, monkeypatch
):
    from guidance.stats import bundle as bundle_mod
    from guidance.store.tracer import submit

    c, cache = stats_api, stats_api.stats
    before = c.get("/api/v1/stats/outcomes", params={"grouping": "nation"})
    old = cache.current
    assert cache.builds == 1
    release, entered = threading.Event(), threading.Event()
    real = bundle_mod.build_bundle

    def slow(*a, **kw):  # noqa: ANN002, ANN003 - the real build, held until released
        entered.set()
        assert release.wait(60)
        return real(*a, **kw)

    monkeypatch.setattr(bundle_mod, "build_bundle", slow)
    iid, recs = _new_cohort(world)
    submit(c.seeded.engine, iid, "2018-06", "12m", recs, b"test-secret", "test")
    time.sleep(0.1)  # past stats_check_seconds
    during = c.get(
        "/api/v1/stats/outcomes",
        params={"grouping": "nation"},
        headers={"If-None-Match": before.headers["etag"]},
    )
    assert entered.wait(30)
    assert cache.current is old and during.status_code == 304  # the old bundle, unchanged
    release.set()
    cache.wait()
    assert cache.builds == 2 and cache.current is not old
    after = c.get("/api/v1/stats/outcomes", params={"grouping": "nation"})
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["as_of"] >= before.json()["as_of"]
    assert cache.current.meta["tracer"]["versions"] == old.meta["tracer"]["versions"] + 1
    assert "2018" in cache.current.meta["years"] and "2018" not in old.meta["years"]


def test_no_tracer_data_is_a_clear_404(api):
    r = api.get("/api/v1/stats/outcomes")
    assert r.status_code == 404, r.text
    err = r.json()["error"]
    assert err["code"] == "no_statistics" and "Chưa có số liệu" in err["message"]
    assert "No graduate tracer data" in err["message"]
    assert api.get("/api/v1/stats").status_code == 404

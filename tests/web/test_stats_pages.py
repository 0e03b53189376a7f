"""The public statistics pages (``/stats``, ``/stats/offering/{id}``).

Without a browser: the pages rendered by the real router over a real published bundle of the
tiny world (``stats.bundle.build_bundle``), every figure checked against the bundle in both
languages, withheld cells showing their reason and no number, bad parameters answered 400
naming the parameter, unknown offerings 404 in the page's language.

On the real app (TestClient, PostgreSQL) and in Chromium (360 and 1280 px; the real app
under uvicorn on SQLite): a database holding the tiny world's tracer submissions
(``tracer.dirs.load_demo``), its bundle built by ``ctx.stats``; pages = the public API.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from tests.api.conftest import model_path, seeded  # noqa: F401 - fixtures

from guidance.web import install
from guidance.web.charts import fmt_value
from guidance.web.stats_view import province_name

NUMBER = re.compile(r"\d")
MAX_BYTES = 300 * 1024  # /stats: the map (~75 KB) and three tables, server-rendered


class _Cells(HTMLParser):
    """Rows of one table (by id): each a list of (tag, attrs, text) cells."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.depth, self.rows, self._cell = table_id, 0, [], None
        self._in_body = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        if tag == "table" and a.get("id") == self.table_id:
            self.depth = 1
        elif self.depth:
            if tag == "tbody":
                self._in_body = True
            elif tag == "tr" and self._in_body:
                self.rows.append({"attrs": a, "cells": []})
            elif tag in ("td", "th") and self._in_body:
                self._cell = [tag, a, ""]

    def handle_endtag(self, tag):  # noqa: ANN001
        if not self.depth:
            return
        if tag == "table":
            self.depth = 0
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1]["cells"].append(tuple(self._cell))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):  # noqa: ANN001
        if self._cell is not None:
            self._cell[2] += data


def table_rows(html: str, table_id: str) -> list[dict]:
    p = _Cells(table_id)
    p.feed(html)
    return p.rows


@pytest.fixture(scope="module")
def world_dir(tiny_dir):  # noqa: ANN201 - Path
    """The ``world`` fixture's tiny world as a contract directory (tests/conftest.py)."""
    return tiny_dir


@pytest.fixture(scope="module")
def bundle(world):  # noqa: ANN001, F811 - the API tests' tiny world
    from tests.api.conftest import newest_demand

    from guidance.stats.bundle import build_bundle

    # value added needs a probability per outcome row: a fixed 0.8 here (the browser tests
    # below use the served model's, through ctx.stats)
    return build_bundle(
        world, newest_demand(world, 15), expected=np.full(len(world["outcomes"]), 0.8)
    )


def _client(stats):  # noqa: ANN001, ANN202
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    install(app)
    app.state.ctx = SimpleNamespace(stats=stats, engine=None)
    return TestClient(app)


@pytest.fixture
def client(bundle):  # noqa: ANN001, ANN201
    return _client(SimpleNamespace(get=lambda: bundle))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_map_and_its_table_show_the_same_published_figures(client, bundle, lang) -> None:
    html = client.get(f"/stats?lang={lang}").text
    head = {str(r["province_code"]): r for r in bundle.headline["province"].to_dict("records")}
    assert len(re.findall(r'<g data-province="\d\d"', html)) == 34
    rows = {r["attrs"]["data-province"]: r for r in table_rows(html, "map-table")}
    assert len(rows) == 34
    published = withheld = 0
    for code, r in rows.items():
        name, value = r["cells"][0][2], r["cells"][1]
        assert name == province_name(code, lang)
        h = head.get(code)
        if h is None:
            assert value[2] == "—"
            assert f'data-province="{code}" data-value="" data-class="none"' in html
        elif h["suppressed"]:
            withheld += 1
            reason = h["suppressed_vi" if lang == "vi" else "suppressed_en"]
            assert value[2] == reason and value[1].get("class") == "reason"
            # no number for a withheld province, in the table or on the map
            assert not NUMBER.search(reason.replace("20", "").replace("50", ""))
            assert r["cells"][2][2] == "—"
            assert f'data-province="{code}" data-value="" data-class="none"' in html
            title = re.search(rf'data-province="{code}"[^>]*><title>([^<]*)</title>', html)[1]
            assert title == f"{province_name(code, lang)}: {reason}"
        else:
            published += 1
            shown = fmt_value(float(h["employment_12m_pct"]), lang, "%")
            assert value[2] == shown and value[1]["data-sort"] == f"{h['employment_12m_pct']:g}"
            title = re.search(rf'data-province="{code}"[^>]*><title>([^<]*)</title>', html)[1]
            assert title == f"{province_name(code, lang)}: {shown}"
    assert published >= 3 and withheld >= 1  # the tiny world has both
    assert "Talia Cao" in html and "Open Development Vietnam" in html


def test_indicators_switch_the_map(client, bundle) -> None:
    html = client.get("/stats?indicator=response_rate").text
    head = bundle.headline["province"]
    pub = head[~head["suppressed"].astype(bool)].iloc[0]
    row = next(
        r
        for r in table_rows(html, "map-table")
        if r["attrs"]["data-province"] == pub["province_code"]
    )
    assert row["cells"][1][2] == f"{int(pub['response_rate_pct'])}%"
    assert "Tỷ lệ phản hồi khảo sát" in html
    sd = bundle.supply_demand["isco2"]
    html = client.get("/stats?indicator=shortage").text
    n = int(((sd["flag"] == "shortage") & (sd["province_code"] == "79")).sum())
    row = next(r for r in table_rows(html, "map-table") if r["attrs"]["data-province"] == "79")
    assert row["cells"][1][2] == str(n)


def test_trade_table_filters_and_withheld_cells(client, bundle) -> None:
    head = bundle.headline["trade4_province_level"]
    html = client.get("/stats").text
    rows = table_rows(html, "trade-table")
    assert len(rows) == len(head)
    sel = head[head["province_code"] == "79"]
    html = client.get("/stats?province=79&level=").text
    rows = table_rows(html, "trade-table")
    assert len(rows) == len(sel) and all(r["cells"][1][2] == "Hồ Chí Minh" for r in rows)
    assert f"{len(sel)} trên {len(sel)} dòng" in html
    wh = [r for r in rows if r["attrs"].get("class") == "withheld"]
    assert len(wh) == int(sel["suppressed"].sum()) > 0
    for r in wh:  # the reason spans the figures' columns: no figure at all
        reason = r["cells"][3]
        assert reason[1]["colspan"] == "5" and reason[1]["class"] == "reason"
        assert reason[2] in set(sel["suppressed_vi"].dropna())
        assert len(r["cells"]) == 5
    one = sel[~sel["suppressed"].astype(bool)].iloc[0]
    html = client.get(
        f"/stats?province=79&trade={one['trade_occupation']}&level={one['level']}"
    ).text
    rows = table_rows(html, "trade-table")
    assert len(rows) == 1
    assert rows[0]["cells"][3][2] == f"{int(one['employment_12m_pct'])}%"
    assert rows[0]["cells"][6][2] == str(int(one["respondents"]))


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("indicator=wages", "indicator"),
        ("province=99", "province"),
        ("trade=abc", "trade"),
        ("level=dai_hoc", "level"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, query, name) -> None:
    r = client.get(f"/stats?{query}&lang=vi")
    assert r.status_code == 400
    assert f"Tham số “{name}” không hợp lệ" in r.text
    r = client.get(f"/stats?{query}&lang=en")
    assert r.status_code == 400 and f"The parameter “{name}” is not valid" in r.text


def test_quadrant_points_link_to_the_offering_pages(client, bundle) -> None:
    html = client.get("/stats").text
    q = bundle.quadrant
    assert html.count("<circle ") == len(q) > 0
    rows = table_rows(html, "quad-table")
    assert len(rows) == len(q)
    for pid in q["programme_id"]:
        assert f'href="/stats/offering/{pid}"' in html
    nat = q.attrs["national"]
    assert f"có việc làm {int(nat['employment_12m_pct'])}%" in html


def test_offering_page_published(client, bundle) -> None:
    off = bundle.headline["offering"]
    r = off[~off["suppressed"].astype(bool)].iloc[0]
    html = client.get(f"/stats/offering/{r['programme_id']}?lang=vi").text
    assert r["institution_name"] in html
    for col in (
        "employment_12m_pct",
        "employment_6m_pct",
        "in_occupation_12m_pct",
        "formal_12m_pct",
        "informal_12m_pct",
        "self_employed_12m_pct",
    ):
        assert f">{int(r[col])}%<" in html, col
    assert f"khoảng tin cậy 95%: {int(r['employment_12m_lo_pct'])}%–" in html
    assert f"<dd>{int(r['respondents'])}</dd>" in html
    assert "Nguồn số liệu và lần cập nhật" in html and "Cập nhật lần cuối" in html
    if r["pooled"]:
        assert "gộp" in html
    en = client.get(f"/stats/offering/{r['programme_id']}?lang=en").text
    assert "in work 12 months after graduating" in en and f">{int(r['employment_12m_pct'])}%<" in en


def test_offering_page_withheld_shows_the_reason_and_no_figure(client, bundle) -> None:
    off = bundle.headline["offering"]
    r = off[off["suppressed"].astype(bool)].iloc[0]
    html = client.get(f"/stats/offering/{r['programme_id']}?lang=vi").text
    block = re.search(
        r'<div class="notice withheld" id="offering-withheld">(.*?)</div>', html, re.S
    )[1]
    assert r["suppressed_vi"] in block
    assert 'class="stat"' not in html and "offering-stats" not in html


def test_offering_page_of_a_cohort_without_its_12_month_wave(world) -> None:  # noqa: F811
    """Every graduate of one offering answered only the 6-month survey: the page shows the
    6-month rate and, instead of 12-month figures, the reason; the quadrant leaves it out."""
    from guidance.stats.bundle import build_bundle

    tables = dict(world)
    out = tables["outcomes"].copy()
    pid = out["programme_id"].value_counts().index[0]
    mine = (out["programme_id"] == pid).to_numpy()
    for c in ("employed_12m", "job_matches_training"):
        out[c] = out[c].astype("boolean")
        out.loc[mine, c] = pd.NA
    out["monthly_wage_vnd"] = out["monthly_wage_vnd"].astype("Int64")
    out.loc[mine, "monthly_wage_vnd"] = pd.NA
    out["employment_type"] = out["employment_type"].astype("object")
    out.loc[mine, "employment_type"] = None
    tables["outcomes"] = out
    b = build_bundle(tables)
    head = b.headline["offering"].set_index("programme_id").loc[pid]
    assert not head["suppressed"] and pd.isna(head["employment_12m_pct"])
    html = _client(SimpleNamespace(get=lambda: b)).get(f"/stats/offering/{pid}?lang=vi").text
    assert "ít hơn 20 người trả lời khảo sát sau 12 tháng" in html
    assert f">{int(head['employment_6m_pct'])}%<" in html
    assert pid not in set(b.quadrant["programme_id"])


def test_unknown_offering_is_the_sites_404_in_the_users_language(client) -> None:
    r = client.get("/stats/offering/P999999?lang=vi")
    assert r.status_code == 404 and "Không tìm thấy trang này" in r.text
    assert '<html lang="vi">' in r.text and "P999999" in r.text
    r = client.get("/stats/offering/P999999?lang=en")
    assert r.status_code == 404 and "This page was not found" in r.text
    assert client.get("/stats/offering/" + "x" * 70).status_code == 404


def test_pages_without_statistics_or_while_building() -> None:
    from guidance.api.errors import NotFound, ServiceUnavailable

    def raise_(exc):  # noqa: ANN001, ANN202
        def get():  # noqa: ANN202
            raise exc

        return SimpleNamespace(get=get)

    c = _client(raise_(NotFound("no tracer data")))
    r = c.get("/stats")
    assert r.status_code == 200 and 'id="stats-empty"' in r.text and "<svg" not in r.text
    c = _client(raise_(ServiceUnavailable("building")))
    r = c.get("/stats")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert "Số liệu thống kê đang được tính" in r.text
    c = _client(None)  # an app without a statistics service
    assert 'id="stats-empty"' in c.get("/stats").text


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)  # SQLite: the Chromium tests' server below
def test_pages_on_the_real_app(seeded, model_path, tmp_path, world_dir, world) -> None:  # noqa: ANN001, F811
    """The real app on PostgreSQL (SQLite: ``stats_live`` below): the pages read
    ``ctx.stats`` and the catalogue (programme names), and show what the public API
    publishes."""
    from fastapi.testclient import TestClient
    from tests.api.conftest import make_settings, wait_ready

    from guidance.api.app import create_app
    from guidance.tracer.dirs import load_demo

    load_demo(seeded.engine, world_dir, b"test-secret", "load-demo", catalogue=False)
    app = create_app(make_settings(tmp_path, seeded.url, model_path))
    with TestClient(app) as c:
        wait_ready(c)
        app.state.ctx.stats.build()
        prov = c.get(
            "/api/v1/stats/outcomes", params={"grouping": "province", "page_size": 500}
        ).json()["items"]
        html = c.get("/stats?lang=vi").text
        rows = {r["attrs"]["data-province"]: r["cells"] for r in table_rows(html, "map-table")}
        for p in prov:
            cell = rows[p["province_code"]][1][2]
            assert cell == (
                p["suppressed_vi"] if p["suppressed"] else f"{p['employment_12m_pct']}%"
            )
        offs = c.get(
            "/api/v1/stats/outcomes", params={"grouping": "offering", "page_size": 500}
        ).json()["items"]
        pub = next(o for o in offs if not o["suppressed"])
        html = c.get(f"/stats/offering/{pub['programme_id']}").text
        name = world["programmes"].set_index("programme_id").loc[pub["programme_id"], "name_vi"]
        assert f'<h1 id="offering-h">{name}</h1>' in html  # from the catalogue
        assert f">{pub['employment_12m_pct']}%<" in html
        # a catalogue programme without graduates yet: its page, saying so (not a 404)
        new = sorted(set(world["programmes"]["programme_id"]) - {o["programme_id"] for o in offs})
        assert new
        r = c.get(f"/stats/offering/{new[0]}")
        assert r.status_code == 200 and 'id="offering-none"' in r.text
        assert c.get("/stats/offering/NOPE").status_code == 404


# -- in Chromium, on the real app ------------------------------------------------------------


@pytest.fixture(scope="module")
def stats_live(world, artifacts, world_dir, tmp_path_factory):  # noqa: ANN001, ANN201, F811
    """The real app under uvicorn (like ``live``) over its own database: the tiny world's
    catalogue, demand and tracer submissions (``load_demo``), model version 1 served. A
    server of its own so that the tracer data does not change the other pages' tests."""
    from tests.api.conftest import install_model, newest_demand
    from tests.web.conftest import web_server

    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.demand import load_demand
    from guidance.store.migrate import upgrade
    from guidance.tracer.dirs import load_demo

    tmp = tmp_path_factory.mktemp("stats_web")
    url = f"sqlite:///{tmp / 'guidance.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_catalogue(engine, world)
    load_demand(engine, newest_demand(world, 15))
    load_demo(engine, world_dir, b"s", "load-demo", catalogue=False)
    engine.dispose()
    model = tmp / "serving" / "guidance-outcomes-active.joblib"
    install_model(artifacts["1"], model)
    with web_server(
        tmp,
        {"GUIDANCE_DATABASE_URL": url, "GUIDANCE_MODEL_PATH": str(model)},
        ready=("/readyz", "/api/v1/stats"),
        timeout=120,
    ) as base:
        # ready once the model is served and the first statistics bundle is built
        yield SimpleNamespace(url=base, world=world)


def _api(base: str, path: str, **params) -> dict:  # noqa: ANN003
    import httpx

    r = httpx.get(base + path, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _cells(page, selector: str) -> list[list[str]]:  # noqa: ANN001
    return page.eval_on_selector_all(
        selector + " tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))",
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_stats_page_in_chromium(browser, stats_live, width: int) -> None:  # noqa: ANN001
    from tests.web.browser import axe_violations, no_horizontal_scroll, page_weight
    from tests.web.conftest import open_page, shot

    api = _api(stats_live.url, "/api/v1/stats/outcomes", grouping="province", page_size=500)
    by_code = {r["province_code"]: r for r in api["items"]}
    assert any(r["suppressed"] for r in by_code.values())
    with open_page(browser, width, 900) as page:
        page.goto(stats_live.url + "/stats")
        weight = page_weight(page)
        print(
            f"\n/stats at {width} px: {weight['bytes'] / 1024:.1f} KB in "
            f"{weight['requests']} requests; first byte {weight['ttfb_ms']:.0f} ms, "
            f"load {weight['load_ms']:.0f} ms"
        )
        assert weight["bytes"] <= MAX_BYTES, weight
        assert page.get_attribute("html", "lang") == "vi"
        assert page.inner_text("h1") == "Thống kê việc làm sau tốt nghiệp"
        assert page.locator("#map svg g[data-province]").count() == 34
        assert page.locator("#map svg g[data-province] > path:not([data-part])").count() == 34
        titles = dict(
            page.eval_on_selector_all(
                "#map svg g[data-province]",
                "gs => gs.map(g => [g.dataset.province, g.querySelector('title').textContent])",
            )
        )
        codes = page.eval_on_selector_all(
            "#map-table tbody tr", "rs => rs.map(r => r.dataset.province)"
        )
        rows = dict(zip(codes, _cells(page, "#map-table"), strict=True))
        assert len(rows) == 34
        for code, cells in rows.items():  # the table beside the map: the same figures
            assert titles[code] == f"{cells[0]}: {cells[1]}" or cells[1] == "—"
            pub = by_code.get(code)
            if pub is not None and not pub["suppressed"]:
                assert cells[1] == f"{pub['employment_12m_pct']}%"
            elif pub is not None:  # withheld: the reason, no figure
                assert cells[1] == pub["suppressed_vi"] == titles[code].split(": ", 1)[1]
                assert cells[2] == "—"
                assert not re.search(r"\d", re.sub(r"\b(20|50)\b|\d+%", "", cells[1]))
        # sort by the figure: descending after two clicks, withheld and empty last
        btn = page.locator("#map-table thead button[data-sort-col='1']")
        btn.click()
        btn.click()
        assert page.get_attribute("#map-table thead th:nth-child(2)", "aria-sort") == "descending"
        vals = [c[1] for c in _cells(page, "#map-table")]
        nums = [int(v.rstrip("%")) for v in vals if v.endswith("%")]
        assert nums == sorted(nums, reverse=True) and len(nums) >= 3
        assert all(v.endswith("%") for v in vals[: len(nums)])  # figures first
        btn.click()
        nums_up = [
            int(v.rstrip("%"))
            for v in (c[1] for c in _cells(page, "#map-table"))
            if v.endswith("%")
        ]
        assert nums_up == sorted(nums)
        # text columns sort by their text, Vietnamese collation (Đ after D, not after Z)
        name_btn = page.locator("#map-table thead button[data-sort-col='0']")
        name_btn.click()  # no sort on this column since the clicks above: ascending
        assert page.get_attribute("#map-table thead th:nth-child(1)", "aria-sort") == "ascending"
        asc = [c[0] for c in _cells(page, "#map-table")]
        name_btn.click()
        desc = [c[0] for c in _cells(page, "#map-table")]
        assert asc == desc[::-1] and asc[0] == "An Giang" and asc[-1] == "Vĩnh Long"
        # the trade × province table: a withheld row shows the reason and no figure
        wh = page.locator("#trade-table tbody tr.withheld").first
        assert (
            wh.locator("td.reason").inner_text()
            in {
                "ít hơn 20 người trả lời",
                "ẩn để không thể suy ra một số liệu bị ẩn khác bằng phép trừ",
            }
            or "tỷ lệ phản hồi" in wh.locator("td.reason").inner_text()
        )
        # filter by province (a plain GET form)
        page.select_option("#f-province", "79")
        page.click("#trade-form button[type=submit]")
        page.wait_for_url("**province=79**")
        provs = {c[1] for c in _cells(page, "#trade-table")}
        assert provs == {"Hồ Chí Minh"}
        assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        shot(page, f"40-stats-{width}")
        # the quadrant's points link to the offering pages
        href = page.get_attribute("#quadrant svg a", "href")
        assert href.startswith("/stats/offering/")
        # the indicator chooser submits on change (JS), the map follows
        page.select_option("#indicator", "response_rate")
        page.wait_for_url("**indicator=response_rate**")
        assert "Tỷ lệ phản hồi khảo sát" in page.inner_text("#map-table caption")


def test_result_card_links_to_the_offering_page(browser, stats_live) -> None:  # noqa: ANN001
    from tests.web.browser import axe_violations, no_horizontal_scroll
    from tests.web.conftest import open_page, shot
    from tests.web.test_learner import fill_learner, submit

    with open_page(browser, 360, 780) as page:
        page.goto(stats_live.url + "/")
        fill_learner(page, stats_live.world)
        body = submit(page)
        first = body["items"][0]
        link = page.locator("#cards > li").first.locator("a.stats-link")
        assert link.inner_text() == "Xem kết quả việc làm của người đã tốt nghiệp"
        link.click()
        page.wait_for_url(f"**/stats/offering/{first['programme_id']}**")
        assert page.inner_text("h1") == first["name_vi"]
        assert first["institution_name"] in page.inner_text(".where")
        api = _api(
            stats_live.url,
            "/api/v1/stats/outcomes",
            grouping="offering",
            programme_id=first["programme_id"],
        )
        text = page.inner_text("main")
        assert "Nguồn số liệu và lần cập nhật" in text
        rows = api["items"]
        if rows and not rows[0]["suppressed"]:
            assert page.inner_text("#emp-12m .big") == f"{rows[0]['employment_12m_pct']}%"
        elif rows:
            assert page.locator("#offering-withheld .reason").inner_text()
            assert page.locator("#emp-12m").count() == 0
        assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        shot(page, "41-stats-offering-360")


def test_offering_pages_in_chromium(browser, stats_live) -> None:  # noqa: ANN001
    from tests.web.browser import axe_violations
    from tests.web.conftest import open_page, shot

    api = _api(stats_live.url, "/api/v1/stats/outcomes", grouping="offering", page_size=500)
    pub = next(r for r in api["items"] if not r["suppressed"])
    wh = next(r for r in api["items"] if r["suppressed"])
    with open_page(browser, 1280, 900) as page:
        page.goto(f"{stats_live.url}/stats/offering/{pub['programme_id']}")
        assert page.inner_text("#emp-12m .big") == f"{pub['employment_12m_pct']}%"
        assert page.inner_text("#emp-6m .big") == f"{pub['employment_6m_pct']}%"
        assert page.inner_text("#in-trade .big") == f"{pub['in_occupation_12m_pct']}%"
        assert "có việc làm sau 12 tháng" in page.inner_text("#emp-12m")
        assert axe_violations(page) == []
        shot(page, "42-stats-offering-1280")
        page.goto(f"{stats_live.url}/stats/offering/{wh['programme_id']}")
        reason = page.inner_text("#offering-withheld .reason")
        assert reason and not re.search(r"\d", re.sub(r"\b(20|50)\b|\d+%", "", reason))
        assert page.locator(".offering-stats").count() == 0
        r = page.goto(f"{stats_live.url}/stats/offering/P999999?lang=en")
        assert r.status == 404 and page.inner_text("h1") == "This page was not found"


def test_view_memo_is_per_bundle_and_bounded() -> None:
    from guidance.web.pages import _ViewMemo

    memo, calls = _ViewMemo(size=2), []

    def make(v):  # noqa: ANN001, ANN202
        return lambda: calls.append(v) or v

    a, b = object(), object()
    assert memo.get(a, ("k1",), make(1)) == 1 and memo.get(a, ("k1",), make(9)) == 1
    assert memo.get(a, ("k2",), make(2)) == 2 and memo.get(a, ("k3",), make(3)) == 3
    assert memo.get(a, ("k1",), make(4)) == 4  # evicted (size 2): made again
    assert memo.get(b, ("k3",), make(5)) == 5  # another bundle: nothing reused
    assert calls == [1, 2, 3, 4, 5]

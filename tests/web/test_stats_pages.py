"""The public statistics pages (``/stats``, ``/stats/offering/{id}``).

Without a browser: the pages rendered by the real router over a real published bundle of the
tiny world (``stats.bundle.build_bundle``), every figure checked against the bundle in both
languages, withheld cells showing their reason and no number, bad parameters answered 400
naming the parameter, unknown offerings 404 in the page's language.

In Chromium (360 and 1280 px): the real app under uvicorn over a database holding the tiny
world's tracer submissions (``tracer.dirs.load_demo``), its bundle built by ``ctx.stats``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pytest

from guidance.web import install
from guidance.web.charts import fmt_value
from guidance.web.stats_view import province_name

NUMBER = re.compile(r"\d")


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
def bundle(world):  # noqa: ANN001, F811 - the API tests' tiny world
    from tests.api.conftest import newest_demand

    from guidance.stats.bundle import build_bundle

    # value added needs a probability per outcome row: a fixed 0.8 here (the browser tests
    # below use the served model's, through ctx.stats)
    return build_bundle(world, newest_demand(world, 15),
                        expected=np.full(len(world["outcomes"]), 0.8))


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
    row = next(r for r in table_rows(html, "map-table")
               if r["attrs"]["data-province"] == pub["province_code"])
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
    html = client.get(f"/stats?province=79&trade={one['trade_occupation']}"
                      f"&level={one['level']}").text
    rows = table_rows(html, "trade-table")
    assert len(rows) == 1
    assert rows[0]["cells"][3][2] == f"{int(one['employment_12m_pct'])}%"
    assert rows[0]["cells"][6][2] == str(int(one["respondents"]))


@pytest.mark.parametrize(("query", "name"), [("indicator=wages", "indicator"),
                                             ("province=99", "province"),
                                             ("trade=abc", "trade"), ("level=dai_hoc", "level")])
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
    for col in ("employment_12m_pct", "employment_6m_pct", "in_occupation_12m_pct",
                "formal_12m_pct", "informal_12m_pct", "self_employed_12m_pct"):
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
    block = re.search(r'<div class="notice withheld" id="offering-withheld">(.*?)</div>', html,
                      re.S)[1]
    assert r["suppressed_vi"] in block
    assert 'class="stat"' not in html and "offering-stats" not in html


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

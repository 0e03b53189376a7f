"""The counsellor's demand chart in real Chromium (issue 17): Vietnamese month labels
("T8/2026") that never overlap (bounding boxes measured), the same occupations in the chart
and the table, vacancies AND job seekers with a legend, figures on hover and in the table,
sensible font sizes, no horizontal scroll on a 360 px phone."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect
from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import open_page, shot
from tests.web.test_learner import home_province
from tests.web.test_staff import login

from guidance.periods import month_of, period_label
from guidance.web.i18n import catalogue

VI = catalogue("vi")
EN = catalogue("en")

# the boxes of the month labels of every panel (page pixels)
TICK_BOXES = """(root) => Array.from(root.querySelectorAll('svg.demand-chart')).map((svg) => ({
  svg: svg.getBoundingClientRect().toJSON(),
  ticks: Array.from(svg.querySelectorAll('text.tick-x')).map((t) => ({
    text: t.textContent, box: t.getBoundingClientRect().toJSON(),
    font: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a }))
}))"""


def _assert_ticks_readable(panels: list[dict], pattern: str) -> None:
    assert panels
    for p in panels:
        ticks = p["ticks"]
        assert ticks, p
        for t in ticks:
            assert re.fullmatch(pattern, t["text"]), t["text"]
            assert 10 <= t["font"] <= 14, t  # shown size in px, not a scaled-up 14
            assert t["box"]["left"] >= p["svg"]["left"] - 1
            assert t["box"]["right"] <= p["svg"]["right"] + 1
        boxes = sorted((t["box"] for t in ticks), key=lambda b: b["left"])
        for a, b in zip(boxes, boxes[1:], strict=False):
            assert a["right"] + 2 <= b["left"], (a, b, [t["text"] for t in ticks])


def _open_demand(page, live, months: str = "12") -> str:  # noqa: ANN001
    page.goto(live.url + "/counsellor")
    login(page, live.counsellor_key)
    expect(page.locator("#tools")).to_be_visible()
    code, _ = home_province(live.world)
    page.select_option("#d-province", code)
    page.select_option("#d-months", months)
    page.click("#demand-form button[type=submit]")
    expect(page.locator("#demand-out table")).to_be_visible()
    return code


def test_demand_chart_and_table_on_a_phone(page, live) -> None:
    code = _open_demand(page, live)
    panels = page.locator("#demand-out figure.demand-panel")
    rows = page.locator("#demand-out table tbody")
    chart_codes = [panels.nth(i).get_attribute("data-occupation") for i in range(panels.count())]
    table_codes = [rows.nth(i).get_attribute("data-occupation") for i in range(rows.count())]
    assert 1 <= len(chart_codes) <= 10 and chart_codes == table_codes  # one list feeds both

    # the newest period served (asked of the API: other tests may upload a newer one), its
    # vacancies ordering the occupations
    api = httpx.get(
        f"{live.url}/api/v1/demand",
        params={"province": code, "limit": 10000},
        headers={"X-API-Key": live.counsellor_key},
        timeout=30,
    ).json()
    newest = {r["occupation_code"]: r for r in api["items"]}
    got = [newest[c]["vacancies"] for c in chart_codes]
    assert got == sorted(got, reverse=True)
    assert set(chart_codes) <= set(newest)

    # vacancies solid, job seekers dashed, with a legend naming both
    legend = page.locator("#demand-out .legend li")
    assert legend.all_inner_texts() == [
        VI["demand.series.vacancies"],
        VI["demand.series.job_seekers"],
    ]
    assert page.locator('#demand-out polyline[data-series="vacancies"]').count() == len(chart_codes)
    seekers = page.locator('#demand-out polyline[data-series="job_seekers"]')
    assert seekers.count() >= 1 and seekers.first.get_attribute("stroke-dasharray")

    # months as "T8/2026", never overlapping, at a readable size
    heads = page.locator("#demand-out thead th").all_inner_texts()[2:]
    last = api["period"]
    assert heads[-1] == f"T{int(last[5:])}/{last[:4]}" and 1 <= len(heads) <= 12
    assert all(re.fullmatch(r"T\d{1,2}/\d{4}", h) for h in heads), heads
    # consecutive months, as guidance.periods counts them
    shown = [month_of(f"{h.split('/')[1]}-{int(h[1:].split('/')[0]):02d}") for h in heads]
    assert shown == list(range(shown[0], shown[0] + len(shown)))
    _assert_ticks_readable(
        page.evaluate(TICK_BOXES, page.locator("#demand-out").element_handle()), r"T\d{1,2}/\d{4}"
    )

    # the figures on hover (SVG titles) and in the table, in Vietnamese number form
    first = chart_codes[0]
    p = last
    v = newest[first]["vacancies"]
    s = newest[first]["job_seekers"]
    dot = page.locator(
        f'#demand-out figure[data-occupation="{first}"] circle[data-series="vacancies"]'
        f'[data-period="{p}"] title'
    )
    tip = dot.text_content()
    vi_num = f"{v:,}".replace(",", ".")
    assert f"{vi_num} vị trí đang tuyển" in tip, tip
    cells = page.locator(f'#demand-out tbody[data-occupation="{first}"] tr td.num')
    assert vi_num in cells.all_inner_texts()
    if s is not None:  # job seekers reported
        assert f"{s:,}".replace(",", ".") + " người tìm việc" in tip
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []
    page.locator("#demand").screenshot(path=str(shot(page, "15-counsellor-demand", False)))

    # the English page redraws it in English
    page.click("[data-lang-toggle]")
    expect(page.locator("#demand-out .legend li").first).to_have_text(EN["demand.series.vacancies"])
    _assert_ticks_readable(
        page.evaluate(TICK_BOXES, page.locator("#demand-out").element_handle()),
        r"[A-Z][a-z]{2,3} \d{4}",
    )


def _draw(page, n: int, width: int) -> list[dict]:  # noqa: ANN001
    """The page's own chart function on ``n`` months ending in 2026-08 (labels built with
    guidance.periods) and two occupations, drawn into a box ``width`` px wide; the boxes of
    its month labels."""
    end = month_of("2026-08")
    periods = [period_label(t) for t in range(end - n + 1, end + 1)]
    page.evaluate(
        """([periods, width]) => {
          const series = {};
          ["7212", "5120"].forEach((c, k) => {
            series[c] = {vacancies: {}, job_seekers: {}};
            periods.forEach((p, i) => {
              series[c].vacancies[p] = 1000 + 37 * i * (k + 1);
              series[c].job_seekers[p] = i % 5 === 3 ? null : 800 + 11 * i;
            });
          });
          const box = document.createElement("div");
          box.id = "probe";
          box.style.width = width + "px";
          document.querySelector("main").append(box);
          box.append(G.demandChart(periods, ["7212", "5120"], series, (c) => "Nghề " + c,
                                   box.clientWidth));
        }""",
        [periods, width],
    )
    probe = page.locator("#probe")
    out = page.evaluate(TICK_BOXES, probe.element_handle())
    probe.evaluate("(b) => b.remove()")
    return out


def test_month_labels_are_thinned_never_overlap(browser, live) -> None:
    """24 months on a 360 px phone and on a wide screen: the labels are thinned so that no
    two overlap, the newest month is always labelled, and text stays 10–14 px."""
    for width, narrow in ((296, True), (900, False)):
        with open_page(browser, width=360 if narrow else 1100, height=900) as page:
            page.goto(live.url + "/counsellor")
            end = month_of("2026-08")
            for n in (3, 6, 12, 24):
                panels = _draw(page, n, width)
                assert len(panels) == 2
                _assert_ticks_readable(panels, r"T\d{1,2}/\d{4}")
                expected = [
                    f"T{int(p[5:])}/{p[:4]}"
                    for p in (period_label(t) for t in range(end - n + 1, end + 1))
                ]
                for p in panels:
                    texts = [t["text"] for t in p["ticks"]]
                    assert texts[-1] == "T8/2026", texts
                    assert set(texts) <= set(expected) and texts == sorted(
                        texts, key=expected.index
                    )
                    if n == 3:
                        assert len(texts) == 3  # room for every month
                    if n == 24:
                        assert len(texts) < 24
            assert no_horizontal_scroll(page)

"""Issue 16 §2 and §6 in real Chromium, one page load: each result card says which figures
are observed and which estimated, with what they rest on; the split of work, the 6-month
rate, match and completion with their time, graduation month, course tuition and the legal
exemption, wage and demand charts with their numbers, every flag; missing figures said;
compare carries them; print shows every reason, the inputs, date, model and demand period.
360 px and desktop, axe 0 serious."""

from __future__ import annotations

import json
import re

from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import open_page, shot
from tests.web.test_learner import fill_learner, submit

from guidance.web.i18n import catalogue

VI = catalogue("vi")


def _pct(p: float) -> str:
    return f"{round(p * 100)}%"


def _month(ym: str) -> str:
    y, m = ym.split("-")
    return f"tháng {int(m)}/{y}"


def test_cards_compare_and_print_say_what_figures_are(browser, live) -> None:
    with open_page(browser) as page:
        page.goto(live.url + "/")
        assert page.locator("#synthetic-note").count() == 0  # tables loaded, not a demo dir
        fill_learner(page, live.world)
        page.select_option("#f-education", "9")  # lower secondary: trung cấp is exempt
        page.check("#f-relocate")
        body = submit(page)
        items = body["items"]
        assert len(items) >= 2
        cards = page.locator("#cards > li")
        for n, it in enumerate(items):
            c = cards.nth(n)
            b = it["basis"]
            head = c.locator(".stat.headline")
            if b["headline"] == "observed":
                assert head.locator(".kind").inner_text().lower() == VI["fig.observed"]
                assert head.locator(".big").inner_text() == _pct(b["observed_employed_12m"])
                assert f"{b['n_employed_12m_known']} người trả lời" in head.inner_text()
            else:
                assert head.locator(".kind").inner_text().lower() == VI["fig.estimate"]
            # the split or why it is not shown; 6 months likewise
            split = c.locator(".split").inner_text()
            if b["observed_formal_12m"] is not None:
                assert _pct(b["observed_formal_12m"]) + " " + VI["fig.formal"] in split
            else:
                assert VI["fig.split_unknown"] in split
            # match with its time, completion risk on the card itself (not under "more")
            assert VI["fig.match_12m"] in c.locator(".stats").inner_text()
            comp = c.locator(".stats .stat", has_text=VI["fig.completion"])
            assert comp.is_visible() and _pct(1 - it["p_completed"]) in comp.inner_text()
            facts = c.locator("dl.facts").inner_text()
            assert _month(it["graduation_period"]) in facts
            assert "cả khóa" in facts
            if it["level"] == "trung_cap":
                assert VI["fig.tuition_after"] in facts and "chưa xác minh" in facts
            # wage chart: the three figures and a scale, as text inside the chart
            wage = c.locator("svg.wage text").all_text_contents()
            mid = f"{it['wage_q50'] / 1e6:.1f}".replace(".", ",")
            assert mid in wage and "0" in wage and any("triệu" in t for t in wage)
            spark = c.locator("svg.spark text").all_text_contents()
            assert VI["fig.demand_now"] in spark or VI["fig.no_demand"] in c.inner_text()
            for f in it["flags"]:
                assert c.locator(f'.badge[data-flag="{f}"]').inner_text() == VI[f"flag.{f}"]
        assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        cards.nth(0).screenshot(path=str(shot(page, "16-card-360", full=False)))

        # figures the answer lacks are said, H3's intervals are drawn, every flag is named
        fake = json.loads(json.dumps(items[0]))
        fake.update(
            p_completed=None,
            p_job_matches_training=0.5,
            wage_q25=None,
            wage_q50=None,
            wage_q75=None,
            intervals={"job_matches_training": [0.31, 0.62]},
            interval_level=0.8,
            flags=["small_sample", "new_programme", "age_at_graduation", "odd_flag"],
        )
        fake["demand"].update(vacancies_per_seeker=None, trend_12m=None)
        page.evaluate("(it) => { G.learner.result.items = [it]; G.learner.render(); }", fake)
        c = cards.nth(0)
        text = c.inner_text()
        assert text.count(VI["fig.no_model"]) >= 2  # completion and wage
        assert VI["fig.no_demand"] in text
        assert "khoảng 31%–62%, mức tin cậy 80%" in text
        assert (
            c.locator('.badge[data-flag="age_at_graduation"]').inner_text()
            == VI["flag.age_at_graduation"]
        )
        assert "odd_flag" in c.locator('.badge[data-flag="odd_flag"]').inner_text()
        page.evaluate("(r) => { G.learner.result = r; G.learner.render(); }", body)

        # compare two: the new rows, flags included
        page.check(f"#cmp-{items[0]['programme_id']}")
        page.check(f"#cmp-{items[1]['programme_id']}")
        page.click("#compare-btn")
        rows = page.locator("#compare-table tbody th").all_inner_texts()
        for key in (
            "fig.headline",
            "fig.split_title",
            "fig.match_12m",
            "fig.completion",
            "fig.tuition_after",
            "fig.flags",
            "card.graduation",
        ):
            assert VI[key] in rows, key
        assert axe_violations(page) == []

        # print: every reason, no dead control; inputs, date, model and demand period
        page.emulate_media(media="print")
        first = cards.nth(0)
        printed = first.locator(".reasons-all li").all_inner_texts()
        assert printed == items[0]["reasons_vi"]
        assert first.locator("details").count() >= 1
        assert all(not d.is_visible() for d in first.locator("details").all())
        summary = page.locator("#print-summary")
        assert summary.is_visible()
        s = summary.inner_text()
        assert body["model_version"] in s and VI["education.9"] in s
        assert VI["print.interests"] in s and VI["riasec.type.r"] in s  # R answered highest
        assert re.search(r"ngày \d{1,2}/\d{1,2}/20\d\d", s)
        y, m = body["demand_period"].split("-")
        assert f"{m}/{y}" in s
        shot(page, "16-print-vi")
        page.emulate_media(media="screen")

        # desktop: the same page fits and passes axe
        page.set_viewport_size({"width": 1280, "height": 900})
        assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        cards.nth(0).screenshot(path=str(shot(page, "16-card-desktop", full=False)))


def test_the_recommenders_notes_are_shown_above_the_cards(browser, live) -> None:
    """``Recommendation.notes_vi`` (an old province code mapped, a default area widened) is
    shown above the cards; a response without notes leaves the box hidden."""
    note = "Mã tỉnh cũ 49 (Quảng Nam) được hiểu là 48 (Đà Nẵng)"
    with open_page(browser) as page:

        def add_note(route):  # the real answer, with one note added
            response = route.fetch()
            body = response.json()
            body["notes_vi"] = [note]
            route.fulfill(response=response, body=json.dumps(body))

        page.goto(live.url + "/")
        fill_learner(page, live.world)
        page.check("#f-relocate")
        submit(page)
        assert page.locator("#results-notes").is_hidden()
        page.route(re.compile(r".*/api/v1/recommendations(\?.*)?$"), add_note)
        submit(page)
        assert page.locator("#results-notes li").all_inner_texts() == [note]

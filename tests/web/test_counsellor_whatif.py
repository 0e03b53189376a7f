"""The counsellor's what-if in real Chromium at 360 px (issue 17): each change names the
programme's institution and province and the figures that changed, in Vietnamese number
form (decimal comma), in the counsellor's voice; the same programme at another institution
shows as one move; no internal score."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect
from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import shot
from tests.web.test_learner import submit
from tests.web.test_staff import login

from guidance.reference import provinces
from guidance.text import fold
from guidance.web.i18n import catalogue

VI = catalogue("vi")
EN = catalogue("en")


def _fill(page, code: str) -> None:  # noqa: ANN001
    name_vi = str(provinces().set_index("province_code").loc[code, "name_vi"])
    page.fill("#f-age", "17")
    page.fill("#f-prov-search", fold(name_vi))
    page.select_option("#f-province", code)
    page.select_option("#f-education", "12")
    for item, answer in (("r1", 3), ("r3", 3), ("i1", 2), ("c2", 3), ("s1", 1), ("a2", 2)):
        page.click(f"label[for=q-{item}-{answer}]")


def _province_with_a_move(live, request: dict) -> str:  # noqa: ANN001
    """A home province where relocating brings the same programme at another institution
    into the list (asked of the API with the page's own profile)."""
    codes = sorted(live.world["programmes"]["province_code"].astype(str).unique())
    for code in codes:
        body = {
            "profile": {**request["profile"], "home_province_code": code},
            "preferences": request.get("preferences"),
            "changes": {"willing_to_relocate": True},
            "k": 10,
        }
        r = httpx.post(live.url + "/api/v1/recommendations/what-if", json=body, timeout=30)
        assert r.status_code == 200, r.text
        if any(c["kind"] == "moved" for c in r.json()["changed"]):
            return code
    raise AssertionError("no province of the tiny world shows a move on relocating")


def test_what_if_shows_where_and_figures_in_vietnamese(page, live) -> None:
    page.goto(live.url + "/counsellor")
    login(page, live.counsellor_key)
    expect(page.locator("#tools")).to_be_visible()
    first = str(live.world["programmes"]["province_code"].value_counts().index[0])
    _fill(page, first)
    with page.expect_request(lambda r: r.url.endswith("/api/v1/recommendations")) as req:
        submit(page)
    code = _province_with_a_move(live, req.value.post_data_json)
    if code != first:
        page.select_option("#f-province", code)
        submit(page)

    # the counsellor's voice, not the learner's
    label = page.inner_text("label[for=w-relocate]")
    assert label == VI["whatif.relocate"] and label.startswith("Học viên")
    assert not page.inner_text("#whatif-form").count("Tôi ")
    page.check("#w-relocate")
    with page.expect_response(lambda r: r.url.endswith("/what-if")) as resp:
        page.click("#whatif-form button[type=submit]")
    assert resp.value.status == 200
    out = resp.value.json()
    expect(page.locator("#whatif-out h3")).to_have_count(3)
    changes = out["entered"] + out["left"] + out["changed"]
    blocks = page.locator("#whatif-out li.whatif-change")
    expect(blocks).to_have_count(len(changes))

    for c in changes:
        block = page.locator(f'#whatif-out li[data-programme="{c["programme_id"]}"]')
        where = block.locator(".where").inner_text()
        assert c["institution_name"] in where and c["province_name_vi"] in where, where
        if c["kind"] == "moved":  # both institutions, old → new
            assert c["institution_name_before"] in where and "→" in where
        assert block.locator("dd").count() == len(c["figures"])
        # every flag of the programme, as on its card (issue 16)
        shown = block.locator(".badge").evaluate_all("bs => bs.map(b => b.dataset.flag)")
        assert shown == c["flags"]

    # the same programme never both enters and leaves
    codes_in = {c["programme_code"] for c in out["entered"]}
    codes_out = {c["programme_code"] for c in out["left"]}
    assert not codes_in & codes_out
    assert page.locator('#whatif-out li[data-kind="moved"]').count() >= 1

    # Vietnamese numbers: a decimal comma in the wages, never an English decimal point or
    # the internal score
    wages = page.locator('#whatif-out dd[data-figure="wage_q50"]').all_inner_texts()
    assert wages, "entered or left programmes show their wage"
    for w in wages:  # "5,4 triệu ₫/tháng" or "5,4 triệu ₫/tháng → 5,5 triệu ₫/tháng"
        assert all(
            part == "—" or re.fullmatch(r"\d+,\d triệu ₫/tháng", part) for part in w.split(" → ")
        ), w
    text = page.inner_text("#whatif-out")
    assert not re.search(r"\b0\.\d", text) and "điểm trên" not in text, text
    moved = page.locator('#whatif-out li[data-kind="moved"]').first
    assert "→" in moved.locator("dd").first.inner_text()
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []
    page.locator("#whatif").screenshot(path=str(shot(page, "14-counsellor-whatif-move", False)))

    # the English page redraws the same changes in English number form
    page.click("[data-lang-toggle]")
    expect(page.locator("#whatif-out h3").first).to_have_text(EN["whatif.entered"])
    for w in page.locator('#whatif-out dd[data-figure="wage_q50"]').all_inner_texts():
        assert all(
            part == "—" or re.fullmatch(r"\d+\.\d million ₫/month", part) for part in w.split(" → ")
        ), w
    assert page.inner_text("label[for=w-relocate]") == EN["whatif.relocate"]

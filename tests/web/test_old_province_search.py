"""The learner form's province search finds a pre-2025 province typed without accents
("binh duong", "quang nam") and says which 2025 province it became (real Chromium)."""

from __future__ import annotations

from guidance.reference import old_provinces


def test_old_province_names_find_their_2025_province(page, live) -> None:
    old = old_provinces()
    assert ("74", "Bình Dương") in old["79"] and ("49", "Quảng Nam") in old["48"]
    page.goto(live.url + "/")
    for typed, code, became in (
        ("binh duong", "79", "Bình Dương nay thuộc Hồ Chí Minh"),
        ("quang nam", "48", "Quảng Nam nay thuộc Đà Nẵng"),
    ):
        page.fill("#f-prov-search", typed)
        visible = page.eval_on_selector_all(
            "#f-province option:not([hidden])", "os => os.map(o => o.value).filter(Boolean)"
        )
        assert visible == [code]
        assert page.input_value("#f-province") == code
        assert became in page.inner_text("#prov-old")
    page.fill("#f-prov-search", "ha noi")  # a 2025 name: no note
    assert page.inner_text("#prov-old").strip() == ""


def test_cards_say_in_province_not_zero_km(page, live) -> None:
    from tests.web.test_learner import fill_learner, submit

    page.goto(live.url + "/")
    fill_learner(page, live.world)
    items = submit(page)["items"]
    assert page.locator("#cards > li").count() == len(items) > 0
    text = page.inner_text("#cards")
    assert " 0 km" not in text
    if any(it["distance_km"] == 0 for it in items):
        assert "Trong tỉnh" in text
    if any(it["distance_km"] > 0 for it in items):
        assert "(giữa trung tâm hai tỉnh)" in text

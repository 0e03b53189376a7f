"""The caseload and audit pages in real Chromium at phone width (360 px): feedback picks
another programme from a searchable list (an old success message does not stay beside a new
error); the case then appears on /counsellor/cases with what was shown, takes a note and an
enrolment chosen from the catalogue, and can be deleted; the admin's audit view filters,
pages and exports CSV. Vietnamese first, English too; axe finds nothing serious."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect
from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import shot
from tests.web.test_learner import fill_learner, submit
from tests.web.test_staff import login

from guidance.text import fold
from guidance.web.i18n import catalogue

VI, EN = catalogue("vi"), catalogue("en")


def _other_programme(world, shown: list[str]) -> dict:  # noqa: ANN001
    progs = world["programmes"]
    row = progs[~progs["programme_id"].astype(str).isin(shown)].iloc[0]
    return {"id": str(row["programme_id"]), "name": str(row["name_vi"])}


def test_feedback_picker_then_caseload(page, live) -> None:
    page.goto(live.url + "/counsellor")
    login(page, live.counsellor_key)
    expect(page.locator("#tools")).to_be_visible()
    fill_learner(page, live.world, age="17")
    body = submit(page)
    shown = [it["programme_id"] for it in body["items"]]
    other = _other_programme(live.world, shown)

    # "another programme": nothing chosen from the list is refused on the page
    page.select_option("#fb-choice", "__other")
    page.fill("#fb-reason", "Em muốn học gần nhà")
    page.check("#fb-save")
    page.check("#fb-consent")
    page.click("#feedback-form button[type=submit]")
    expect(page.locator("#err-fb_other")).to_have_text(VI["picker.required"])
    # searched without accents, chosen from the list (never a typed "P000…")
    with page.expect_response(lambda r: "/api/v1/programmes?" in r.url):
        page.fill("#fb-other-q", fold(other["name"]))
    page.wait_for_selector(f"#fb-other option[value='{other['id']}']", state="attached")
    page.select_option("#fb-other", other["id"])
    with page.expect_response(lambda r: r.url.endswith("/api/v1/feedback")) as resp:
        page.click("#feedback-form button[type=submit]")
    assert resp.value.status == 201, resp.value.text()
    sent = resp.value.request.post_data_json
    assert sent["programme_id"] == other["id"] and sent["override"] is True
    assert set(sent["shown_figures"]) == set(shown)
    case_id = resp.value.json()["id"]
    expect(page.locator("#fb-done")).to_contain_text(str(case_id))
    # a new error clears the old success message
    page.uncheck("#fb-consent")
    page.click("#feedback-form button[type=submit]")
    expect(page.locator("#err-fb_consent")).to_be_visible()
    expect(page.locator("#fb-done")).to_have_text("")

    # the caseload (same tab: the key is still in sessionStorage)
    page.goto(live.url + "/counsellor/cases")
    expect(page.locator("#tools")).to_be_visible()
    page.wait_for_selector("#cases-out table")
    assert no_horizontal_scroll(page)
    page.fill("#cases-q", "gan nha")  # the reason, typed without accents
    page.click("#cases-search button[type=submit]")
    # the choice reads as a name with its institution, not as an internal id
    row = page.locator("#cases-out tbody tr", has_text=other["name"]).first
    expect(row).to_be_visible()
    expect(row).not_to_contain_text(other["id"])
    page.get_by_role(
        "button", name=VI["cases.open"] + " " + VI["cases.case"].replace("{id}", str(case_id))
    ).click()
    expect(page.locator("#case-h")).to_have_text(VI["cases.case"].replace("{id}", str(case_id)))
    shown_rows = page.locator("#case-body table tbody tr")
    expect(shown_rows).to_have_count(len(shown))
    expect(page.locator("#case-body")).to_contain_text(body["model_version"])
    expect(page.locator("#case-body")).to_contain_text(VI["cases.f.age"])
    assert no_horizontal_scroll(page)

    # a note
    page.fill("#note-text", "Đã gọi điện cho phụ huynh")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#case-notes")).to_contain_text("Đã gọi điện cho phụ huynh")
    expect(page.locator("#case-msg")).to_have_text(VI["cases.note_saved"])
    # the enrolment: a programme from the list and a date; missing ones are named
    page.click("#enrol-form button[type=submit]")
    expect(page.locator("#err-enrol_programme")).to_have_text(VI["picker.required"])
    expect(page.locator("#case-msg")).to_have_text("")
    page.select_option("#enrol-programme", shown[0])  # the recommended ones are listed first
    page.fill("#enrol-date", "2026-09-01")
    with page.expect_response(lambda r: r.url.endswith("/enrolment")) as resp:
        page.click("#enrol-form button[type=submit]")
    assert resp.value.status == 200, resp.value.text()
    expect(page.locator("#case-msg")).to_contain_text("01/09/2026")
    first = live.world["programmes"].set_index("programme_id").loc[shown[0]]
    expect(page.locator("#case-msg")).to_contain_text(str(first["name_vi"]))
    expect(page.locator("#case-msg")).not_to_contain_text(shown[0])
    assert axe_violations(page) == []
    shot(page, "30-counsellor-case")

    # deleted on request
    page.once("dialog", lambda d: d.accept())
    with page.expect_response(lambda r: r.request.method == "DELETE") as resp:
        page.click("#case-delete")
    assert resp.value.status == 204
    expect(page.locator("#case")).to_be_hidden()
    expect(page.locator("#cases-count")).to_contain_text(VI["cases.deleted"])


def test_caseload_page_in_english(page, live) -> None:
    page.goto(live.url + "/counsellor/cases?lang=en")
    expect(page.locator("h1")).to_have_text(EN["cases.h1"])
    assert page.get_attribute("html", "lang") == "en"
    login(page, live.counsellor_key)
    expect(page.locator("#tools")).to_be_visible()
    expect(page.locator("#cases-count")).not_to_have_text("")
    assert axe_violations(page) == []
    assert no_horizontal_scroll(page)


def test_audit_view_filters_pages_and_exports(page, live) -> None:
    import httpx
    from tests.web.test_learner import home_province

    code, _ = home_province(live.world)
    profile = {"age": 18, "home_province_code": code, "education_level": 12}
    r = httpx.post(live.url + "/api/v1/recommendations", json={"profile": profile}, timeout=30)
    assert r.status_code == 200, r.text
    page.goto(live.url + "/admin/audit")
    expect(page.locator("h1")).to_have_text(VI["auditv.h1"])
    login(page, live.counsellor_key)  # a counsellor may not use the admin's view
    expect(page.locator("#err-key")).to_be_visible()
    login(page, live.admin_key)
    expect(page.locator("#tools")).to_be_visible()
    page.wait_for_selector("#audit-out table")
    assert no_horizontal_scroll(page)
    today = page.input_value("#a-end")
    # filter by role: only public requests
    page.select_option("#a-role", "public")
    with page.expect_response(lambda r: "/api/v1/audit?" in r.url) as resp:
        page.click("#audit-filters button[type=submit]")
    items = resp.value.json()["items"]
    assert items and {i["role"] for i in items} == {"public"}
    # a request id: exactly its rows
    rid = items[0]["request_id"]
    page.fill("#a-rid", rid)
    with page.expect_response(lambda r: "/api/v1/audit?" in r.url) as resp:
        page.click("#audit-filters button[type=submit]")
    assert {i["request_id"] for i in resp.value.json()["items"]} == {rid}
    expect(page.locator("#audit-out tbody tr")).to_have_count(len(resp.value.json()["items"]))
    expect(page.locator("#audit-next")).to_be_disabled()  # one page only
    # an end before the start is named on the page, no request
    page.fill("#a-end", "2000-01-01")
    page.click("#audit-filters button[type=submit]")
    expect(page.locator("#err-a_end")).to_have_text(VI["auditv.bad_range"])
    page.fill("#a-end", today)
    page.fill("#a-start", "2000-01-01")
    page.fill("#a-rid", "")
    page.select_option("#a-role", "")
    # the same filters as a CSV file
    with page.expect_download() as dl:
        page.click("#audit-csv")
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("id,created_at,request_id,route,role")
    assert len(text.splitlines()) > 1
    assert axe_violations(page) == []

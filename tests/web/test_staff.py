"""Counsellor and admin flows in real Chromium: key login, what-if, feedback with consent,
class CSV upload and download, demand view; demand upload with its error report."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect
from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import shot
from tests.web.test_learner import fill_learner, home_province, submit

from guidance.web.i18n import catalogue

VI = catalogue("vi")
DEMAND_HEADER = "period,province_code,occupation_code,vacancies,job_seekers,median_wage_vnd,source"


def login(page, key: str) -> None:  # noqa: ANN001
    page.fill("#f-key", key)
    page.click("#key-form button[type=submit]")


def test_counsellor_flow(page, live, tmp_path) -> None:
    page.goto(live.url + "/counsellor")
    assert page.is_hidden("#tools")
    login(page, "not-a-key")
    expect(page.locator("#err-key")).to_have_text(VI["login.bad"])
    login(page, live.counsellor_key)
    expect(page.locator("#tools")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 1
    assert no_horizontal_scroll(page)

    # one learner, aged 15: results carry the counsellor's buttons
    fill_learner(page, live.world, age="15")
    body = submit(page)
    assert page.locator("#cards > li button", has_text=VI["feedback.pick"]).count() == len(
        body["items"]
    )
    assert axe_violations(page) == []

    # what-if: a wider radius
    page.select_option("#w-distance", "500")
    with page.expect_response(lambda r: r.url.endswith("/what-if")) as resp:
        page.click("#whatif-form button[type=submit]")
    assert resp.value.status == 200
    expect(page.locator("#whatif-out h3")).to_have_count(3)  # entered, left, changed
    page.locator("#whatif").screenshot(path=str(shot(page, "10-counsellor-whatif", full=False)))

    # feedback: saving the case needs the learner's and (under 16) the guardian's consent
    page.locator("#cards > li").nth(1).get_by_role("button", name=VI["feedback.pick"]).click()
    assert page.input_value("#fb-choice") == body["items"][1]["programme_id"]
    page.check("#fb-save")
    page.click("#feedback-form button[type=submit]")
    expect(page.locator("#err-fb_consent")).to_have_text(VI["consent.needed"])
    page.check("#fb-consent")
    page.click("#feedback-form button[type=submit]")
    expect(page.locator("#err-fb_guardian")).to_have_text(VI["consent.guardian_needed"])
    page.check("#fb-guardian")
    page.fill("#fb-reason", "gần nhà, học phí vừa phải")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/feedback")) as resp:
        page.click("#feedback-form button[type=submit]")
    assert resp.value.status == 201, resp.value.text()
    sent = resp.value.request.post_data_json
    assert sent["consent_case"] is True and sent["case"]["age"] == 15
    assert sent["consent_guardian"] is True  # the API checks it too
    assert sent["programme_id"] == body["items"][1]["programme_id"] and sent["override"] is False
    expect(page.locator("#fb-done")).to_contain_text(str(resp.value.json()["id"]))
    page.locator("#feedback").screenshot(path=str(shot(page, "11-counsellor-feedback", full=False)))

    # a class list: upload, summary, download
    code, _ = home_province(live.world)
    rows = [("HS-01", 17, code, 12), ("HS-02", 16, code, 9), ("HS-03", 19, code, 12)]
    good = tmp_path / "lop-10a.csv"
    good.write_text(
        "learner_id,age,home_province_code,education_level\n"
        + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in rows),
        encoding="utf-8",
    )
    page.set_input_files("#class-file", str(good))
    with page.expect_response(lambda r: r.url.endswith("/recommendations/batch")) as resp:
        page.click("#class-form button[type=submit]")
    batch = resp.value.json()
    assert resp.value.status == 200, batch
    expect(page.locator("#class-download")).to_be_visible()
    n_items = sum(len(r["items"]) for r in batch["results"])
    summary = page.inner_text("#class-out")
    assert f"{len(rows)} học viên, {n_items} gợi ý" in summary
    with page.expect_download() as dl:
        page.click("#class-download")
    got = list(csv.DictReader(io.StringIO(dl.value.path().read_text(encoding="utf-8-sig"))))
    assert len(got) == n_items
    assert {r["learner_id"] for r in got} == {r[0] for r in rows}
    assert all(r["model_version"] == batch["model_version"] for r in got)
    first = batch["results"][0]["items"][0]
    assert (got[0]["programme_id"], got[0]["rank"]) == (first["programme_id"], "1")
    assert no_horizontal_scroll(page)
    page.locator("#class").screenshot(path=str(shot(page, "12-counsellor-class", full=False)))

    # a bad class list: the row and field are named
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"learner_id,age,home_province_code,education_level\nX,9,{code},12\n", encoding="utf-8"
    )
    page.set_input_files("#class-file", str(bad))
    page.click("#class-form button[type=submit]")
    expect(page.locator("#err-class_file")).to_contain_text(VI["class.n_errors"].format(n=1))
    expect(page.locator("#err-class_file td").first).to_have_text("2")  # header: row 1

    # demand over time for the learner's province
    page.select_option("#d-province", code)
    page.click("#demand-form button[type=submit]")
    expect(page.locator("#demand-out table")).to_be_visible()
    assert page.locator("#demand-out thead th").count() >= 2
    assert page.locator("#demand-out svg polyline").count() >= 1
    page.locator("#demand").screenshot(path=str(shot(page, "13-counsellor-demand", full=False)))
    assert axe_violations(page) == []


def _next_period(p: str) -> str:
    y, m = map(int, p.split("-"))
    return f"{y + m // 12}-{m % 12 + 1:02d}"


def test_admin_flow(page, live, tmp_path) -> None:
    page.goto(live.url + "/admin")
    login(page, live.counsellor_key)
    expect(page.locator("#err-key")).to_have_text(VI["login.forbidden"])
    login(page, live.admin_key)
    expect(page.locator("#models-table table")).to_be_visible()
    assert page.locator("#models-table tbody tr").count() >= 1
    expect(page.locator("#models-active")).to_contain_text("1")
    # the served artifact has no card beside it: the page says so
    expect(page.locator("#card-status")).to_have_text(VI["models.card_none"])
    expect(page.locator("#model-card")).to_be_hidden()
    # a card (with markup in it) is shown as text, never as HTML
    card = "# Model card: guidance-outcomes version 1\n\n## Giới hạn\n<img src=x id=inj>\n"
    page.route(
        "**/api/v1/models/card",
        lambda route: route.fulfill(
            status=200, body=card.encode("utf-8"), content_type="text/markdown; charset=utf-8"
        ),
    )
    with page.expect_response(lambda r: r.url.endswith("/models/reload")) as resp:
        page.click("#reload")
    assert resp.value.status == 200
    expect(page.locator("#reload-msg")).not_to_have_text(VI["models.reloading"])
    expect(page.locator("#model-card")).to_be_visible()
    assert page.locator("#model-card").text_content() == card
    assert page.locator("#inj").count() == 0
    expect(page.locator("#card-status")).to_have_text(
        VI["models.card_shown"].replace("{version}", "1")
    )
    page.unroute("**/api/v1/models/card")
    assert no_horizontal_scroll(page)
    shot(page, "20-admin-models")

    # a bad snapshot: every problem by row and column, nothing changed
    new = _next_period(live.periods[-1])
    d = live.world["demand"]
    last = d[d["period"] == live.periods[-1]].head(40)
    good_lines = [DEMAND_HEADER] + [
        f"{new},{r.province_code},{r.occupation_code},{r.vacancies},"
        f"{'' if r.job_seekers is None or r.job_seekers != r.job_seekers else r.job_seekers},,web-test"
        for r in last.itertuples()
    ]
    bad_lines = list(good_lines)
    bad_lines[2] = f"{new},99,{last.iloc[1].occupation_code},-5,,,web-test"
    bad = tmp_path / "bad-demand.csv"
    bad.write_text("\n".join(bad_lines) + "\n", encoding="utf-8")
    page.fill("#u-period", "2026-13")
    page.set_input_files("#u-file", str(bad))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#err-u_period")).to_have_text(VI["upload.bad_period"])
    page.fill("#u-period", new)
    with page.expect_response(lambda r: "/api/v1/demand/" in r.url) as resp:
        page.click("#upload-form button[type=submit]")
    assert resp.value.status == 202  # a job; the page polls it and shows its errors
    # the job validates in a child process: allow for its start on a loaded machine
    expect(page.locator("#upload-out .error")).to_contain_text("lỗi", timeout=60_000)
    report = page.locator("#upload-errors table tbody tr")
    expect(report.first).to_be_visible()
    cells = [report.nth(i).locator("td").all_inner_texts() for i in range(report.count())]
    # spreadsheet rows (the header is row 1): the second data line is row 3
    assert any(c[0] == "3" and c[1] == "province_code" for c in cells), cells
    assert any(c[0] == "3" and c[1] == "vacancies" for c in cells), cells
    assert any(c[2] == "-5 nhỏ hơn 0" for c in cells), cells  # in Vietnamese
    assert page.inner_text("#demand-period") != f"{new[5:]}/{new[:4]}"
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []
    shot(page, "21-admin-upload-errors")

    # the corrected file is accepted and served
    good = tmp_path / "good-demand.csv"
    good.write_text("\n".join(good_lines) + "\n", encoding="utf-8")
    page.set_input_files("#u-file", str(good))
    with page.expect_response(lambda r: "/api/v1/demand/" in r.url) as resp:
        page.click("#upload-form button[type=submit]")
    assert resp.value.status == 202, resp.value.text()
    expect(page.locator("#upload-out .ok")).to_contain_text(f"{len(last)} dòng", timeout=60_000)
    expect(page.locator("#demand-period")).to_have_text(f"{new[5:]}/{new[:4]}")
    # the models panel too shows the period now served (read again after the upload)
    expect(page.locator("#models-active")).to_contain_text(f"{new[5:]}/{new[:4]}")
    shot(page, "22-admin-upload-ok")


def test_admin_upload_shows_warnings(page, live, tmp_path) -> None:
    """An accepted upload with an unknown column and a formula-like source: the page shows
    both warnings by row and column, in Vietnamese, and the new serving period."""
    page.goto(live.url + "/admin")
    login(page, live.admin_key)
    expect(page.locator("#models-table table")).to_be_visible()
    new = _next_period(_next_period(live.periods[-1]))
    d = live.world["demand"]
    last = d[d["period"] == live.periods[-1]].head(10)
    lines = [DEMAND_HEADER + ",ghi_chu"] + [
        f"{new},{r.province_code},{r.occupation_code},{r.vacancies},,,web-test,x"
        for r in last.itertuples()
    ]
    cells = lines[1].split(",")
    cells[6] = "=HYPERLINK(1)"
    lines[1] = ",".join(cells)
    f = tmp_path / "warn-demand.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.fill("#u-period", new)
    page.set_input_files("#u-file", str(f))
    with page.expect_response(lambda r: "/api/v1/demand/" in r.url) as resp:
        page.click("#upload-form button[type=submit]")
    assert resp.value.status == 202
    expect(page.locator("#upload-out .ok")).to_contain_text(f"{len(last)} dòng", timeout=60_000)
    rows = page.locator("#upload-warnings table tbody tr")
    expect(rows.first).to_be_visible()
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    assert any(
        c[0] == "2" and c[1] == "source" and c[4] == VI["rule.neutralised"] for c in cells
    ), cells
    assert any("ghi_chu" in c[3] and c[4] == VI["rule.unknown_column"] for c in cells), cells
    expect(page.locator("#upload-out .warning")).to_contain_text("2 cảnh báo")
    expect(page.locator("#demand-period")).to_have_text(f"{new[5:]}/{new[:4]}")


def test_admin_upload_failure_without_findings_reads_in_vietnamese(page, live, tmp_path) -> None:
    """A job that failed without a list of findings (the server stopped, or an unexpected
    error) is explained in the page's language, not with the server's English text."""
    import json

    from guidance.store.jobs import INTERRUPTED

    job = {
        "job_id": "j1",
        "kind": "demand_upload",
        "status": "failed",
        "message": INTERRUPTED,
        "created_at": "2026-12-05T08:00:00",
        "updated_at": "2026-12-05T08:00:01",
        "progress_done": 3,
        "progress_total": 10,
        "cancel_requested": False,
        "result": None,
        "warnings": [],
        "warning_count": 0,
        "errors": [],
        "error_count": 0,
    }
    status_url = "/api/v1/jobs/j1"
    page.route(
        "**/api/v1/demand/**",
        lambda route: route.fulfill(
            status=202,
            content_type="application/json",
            body=json.dumps({"job_id": "j1", "status_url": status_url}),
        ),
    )
    messages = iter([INTERRUPTED, "failed (KeyError); nothing was committed"])
    page.route(
        "**" + status_url,
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({**job, "message": next(messages)}),
        ),
    )
    page.goto(live.url + "/admin")
    login(page, live.admin_key)
    f = tmp_path / "d.csv"
    f.write_text("period\n", encoding="utf-8")
    for why in (VI["upload.why_interrupted"], VI["upload.why_error"].format(kind="KeyError")):
        page.fill("#u-period", "2027-01")
        page.set_input_files("#u-file", str(f))
        page.click("#upload-form button[type=submit]")
        out = page.locator("#upload-out .error")
        expect(out).to_have_text(VI["upload.failed"].format(why=why))
        assert "nothing was committed" not in out.inner_text()

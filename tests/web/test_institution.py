"""The institution page and the admin's national coverage in real Chromium, against the
real tracer API (h1's routes/tracer.py): login by institution code and key, templates, a
refused file (error table by row and column, the annotated file), an accepted file (the
version in the list, the coverage as "62,5 %"), a new version withdrawn with a reason;
the admin's coverage table with the missing submissions highlighted and filtered.
At 360 px (phone) and 1280 px (desktop); axe-core finds no serious violation."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from playwright.sync_api import expect
from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import open_page, shot

from guidance.web.i18n import catalogue

VI, EN = catalogue("vi"), catalogue("en")
HEAD = (
    "learner_ref,programme_id,survey_status,employed,employment_type,monthly_wage_vnd,"
    "home_province_code"
)
NBSP = "\u00a0"


def _programmes(live, institution_id: str) -> list[str]:  # noqa: ANN001
    p = live.world["programmes"]
    return sorted(p.loc[p["institution_id"] == institution_id, "programme_id"].astype(str))


def _refs(tag: str, n: int) -> list[str]:
    """Raw learner references (CCCD-like): they must never come back to the page."""
    return [f"0{tag}{i:09d}" for i in range(n)]


def valid_rows(live, tag: str, wage: int = 7_000_000) -> list[str]:  # noqa: ANN001
    """8 graduates: 5 responded, 1 no_response, 1 unreachable, 1 refused → graduates known
    8, surveyed 7, responded 5, response rate 62.5 %. One one-digit province (a warning)."""
    prog = _programmes(live, live.institution_id)[0]
    refs = _refs(tag, 8)
    rows = [
        f"{refs[i]},{prog},responded,yes,formal,{wage},{'1' if i == 0 else '79'}" for i in range(5)
    ]
    rows += [
        f"{refs[5]},{prog},no_response,,,,79",
        f"{refs[6]},{prog},unreachable,,,,",
        f"{refs[7]},{prog},refused,,,,",
    ]
    return rows


def _write(tmp_path, name: str, rows: list[str]):  # noqa: ANN001, ANN202
    f = tmp_path / name
    f.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    return f


def login(page, institution_id: str, key: str) -> None:  # noqa: ANN001
    page.fill("#f-institution", institution_id)
    page.fill("#f-key", key)
    page.click("#key-form button[type=submit]")


def send(page, cohort: str, wave: str, path) -> None:  # noqa: ANN001
    page.fill("#s-cohort", cohort)
    page.select_option("#s-wave", wave)
    page.set_input_files("#s-file", str(path))
    with page.expect_response(
        lambda r: "/tracer/" + cohort in r.url and r.request.method == "PUT"
    ) as resp:
        page.click("#send-form button[type=submit]")
    r = resp.value
    # the page always asks for a job, so that it can show progress and offer a cancel
    assert r.request.headers.get("prefer") == "respond-async"
    assert r.request.headers.get("content-type") == "text/csv"
    # (the body is not read here: Chromium may have dropped it after a blob download)
    assert r.status == 202


def cells(page, selector: str) -> list[list[str]]:  # noqa: ANN001
    rows = page.locator(selector + " tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


@pytest.mark.parametrize(
    "width, cohort", [(360, "2025-06"), (1280, "2025-07")], ids=["phone", "desktop"]
)
def test_institution_flow(browser, live, tmp_path, width: int, cohort: str) -> None:  # noqa: ANN001
    y, m = cohort.split("-")
    shown_cohort = f"{m}/{y}"
    with open_page(browser, width) as page:
        page.goto(live.url + "/institution")
        expect(page.locator("nav a[aria-current=page]")).to_have_text(VI["nav.institution"])
        assert page.is_hidden("#tools")
        # the code is required; a wrong key; a key of another institution (404, like unknown)
        page.fill("#f-key", "x")
        page.click("#key-form button[type=submit]")
        expect(page.locator("#err-institution")).to_have_text(VI["inst.id_required"])
        login(page, live.institution_id, "not-a-key")
        expect(page.locator("#err-key")).to_have_text(VI["login.bad"])
        login(page, live.other_institution_id, live.institution_key)
        expect(page.locator("#err-key")).to_have_text(VI["inst.unknown"])
        login(page, live.institution_id, live.institution_key)
        expect(page.locator("#tools")).to_be_visible()
        expect(page.locator("#who-institution")).to_have_text(live.institution_id)
        assert (
            page.evaluate("localStorage.getItem('guidance-institution-id')") == live.institution_id
        )
        assert (
            page.evaluate("sessionStorage.getItem('guidance-key-institution')")
            == live.institution_key
        )

        # templates: an XLSX (a zip) and the CSV header of the aggregates
        with page.expect_download() as dl:
            page.click("button.tpl[data-kind=records][data-format=xlsx]")
        assert dl.value.suggested_filename == "tracer-records.xlsx"
        assert dl.value.path().read_bytes()[:2] == b"PK"
        with page.expect_download() as dl:
            page.click("button.tpl[data-kind=aggregates][data-format=csv]")
        header = dl.value.path().read_text("utf-8-sig").splitlines()[0].split(",")
        assert header[:3] == ["programme_id", "graduates", "surveyed"]

        # a refused file: the errors by row and column, in Vietnamese, and the annotated file
        page.fill("#s-cohort", "2025-13")
        page.set_input_files("#s-file", str(_write(tmp_path, "x.csv", valid_rows(live, "9"))))
        page.click("#send-form button[type=submit]")
        expect(page.locator("#err-s_cohort")).to_have_text(VI["inst.cohort_bad"])
        foreign = _programmes(live, live.other_institution_id)[0]
        rows = valid_rows(live, "1")
        raw_ref = rows[1].split(",")[0]
        rows[1] = rows[1].replace(_programmes(live, live.institution_id)[0], foreign)  # row 3
        rows[2] = rows[2].replace(",7000000,", ",abc,")  # row 4
        send(page, cohort, "12m", _write(tmp_path, "khao-sat-loi.csv", rows))
        expect(page.locator("#send-rejected")).to_have_text(
            VI["inst.rejected"].replace("{n}", "2"), timeout=60_000
        )
        got = cells(page, "#send-errors")
        assert [c[:2] for c in got] == [["3", "programme_id"], ["4", "monthly_wage_vnd"]], got
        assert got[0][3] == VI["rule.offering"] and got[1][3] == VI["rule.type"]
        assert all(c[2] and c[2] != "—" for c in got)
        assert raw_ref not in page.content()
        expect(page.locator("#send-progress")).to_be_hidden()
        with page.expect_download() as dl:
            page.click("#send-errfile")
        assert dl.value.suggested_filename == "khao-sat-loi-errors.csv"
        annotated = list(csv.reader(io.StringIO(dl.value.path().read_text("utf-8-sig"))))
        assert annotated[0][-1].startswith("Lỗi / Errors") and len(annotated) == len(rows) + 1
        assert "[programme_id]" in annotated[2][-1] and "[monthly_wage_vnd]" in annotated[3][-1]
        assert annotated[1][-1] == ""
        assert raw_ref not in dl.value.path().read_text("utf-8-sig")  # pseudonyms only
        if width == 360:
            assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        shot(page, f"30-institution-errors-{width}")

        # an accepted file: the version, its warning, the list and the coverage
        send(page, cohort, "12m", _write(tmp_path, "khao-sat.csv", valid_rows(live, "1")))
        expect(page.locator("#send-ok")).to_contain_text("phiên bản 1", timeout=60_000)
        expect(page.locator("#send-ok")).to_contain_text("8 dòng (thêm 8, thay đổi 0, bỏ 0)")
        expect(page.locator("#send-ok")).to_contain_text(shown_cohort)
        warn = cells(page, "#send-warnings")
        assert any(
            c[1] == "home_province_code" and c[3] == VI["rule.leading_zero"] for c in warn
        ), warn
        # the lists are fetched again after the answer: wait for this cohort's rows
        expect(page.locator("#subs-out tbody tr", has_text=shown_cohort)).to_have_count(1)
        expect(page.locator("#cov-out tbody tr", has_text=shown_cohort)).to_have_count(1)
        mine = [c for c in cells(page, "#subs-out") if c[0] == shown_cohort]
        assert len(mine) == 1 and mine[0][1:4] == ["12 tháng", "1", VI["inst.short.records"]]
        assert mine[0][5] == "8" and mine[0][7] == VI["inst.status.current"]
        cov = [c for c in cells(page, "#cov-out") if c[0] == shown_cohort]
        assert cov == [
            [shown_cohort, "12 tháng", "1", VI["inst.short.records"], "8", "7", "5", f"62,5{NBSP}%"]
        ], cov

        # a second version (one changed wage), then withdrawn with a reason: v1 is current
        send(
            page,
            cohort,
            "12m",
            _write(
                tmp_path,
                "khao-sat-2.csv",
                valid_rows(live, "1")[:4]
                + [valid_rows(live, "1", 8_000_000)[4]]
                + valid_rows(live, "1")[5:],
            ),
        )
        expect(page.locator("#send-ok")).to_contain_text("phiên bản 2", timeout=60_000)
        expect(page.locator("#send-ok")).to_contain_text("thay đổi 1")
        page.get_by_role(
            "button",
            name=VI["inst.withdraw_label"].format(cohort=shown_cohort, wave="12 tháng", version=2),
        ).click()
        expect(page.locator("#w-reason")).to_be_focused()
        page.click("#w-confirm")
        expect(page.locator("#err-w_reason")).to_have_text(VI["error.required"])
        page.fill("#w-reason", "gửi nhầm tệp của khoá khác")
        with page.expect_response(lambda r: r.url.endswith("/withdraw")) as resp:
            page.click("#w-confirm")
        assert resp.value.status == 200, resp.value.text()
        expect(page.locator("#withdraw-msg")).to_have_text(
            VI["inst.withdrawn"].replace("{version}", "2")
        )
        withdrawn = VI["inst.status.withdrawn"].replace("{reason}", "gửi nhầm tệp của khoá khác")
        expect(page.locator("#subs-out tr.withdrawn", has_text=shown_cohort)).to_contain_text(
            withdrawn
        )
        mine = [c for c in cells(page, "#subs-out") if c[0] == shown_cohort]
        assert [(c[2], c[7]) for c in mine] == [("2", withdrawn), ("1", VI["inst.status.current"])]
        # the coverage is version 1's again
        expect(
            page.locator("#cov-out tbody tr", has_text=shown_cohort).locator("td").nth(2)
        ).to_have_text("1")
        cov = [c for c in cells(page, "#cov-out") if c[0] == shown_cohort]
        assert [(c[2], c[7]) for c in cov] == [("1", f"62,5{NBSP}%")]
        if width == 360:
            assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        shot(page, f"31-institution-accepted-{width}")

        # English in place: the tables are drawn again, numbers in English form
        page.click("[data-lang-toggle]")
        expect(page.locator("h1")).to_have_text(EN["inst.h1"])
        y_m = {"06": "Jun", "07": "Jul"}[m] + " " + y
        cov = [c for c in cells(page, "#cov-out") if c[0] == y_m]
        assert cov and cov[0][1] == "12 months" and cov[0][7] == "62.5%", cov
        expect(page.locator("#send-ok")).to_contain_text("Version 2")
        assert axe_violations(page) == []

        # the code is remembered (not the key) for the next visit
        with page.expect_navigation():  # logout reloads the page
            page.click("#logout")
        expect(page.locator("#key-form")).to_be_visible()
        expect(page.locator("#f-institution")).to_have_value(live.institution_id)
        assert page.evaluate("sessionStorage.length") == 0
        expect(page.locator("#tools")).to_be_hidden()


def test_progress_and_cancel(browser, live, tmp_path) -> None:  # noqa: ANN001
    """The progress bar follows the job and Cancel posts to the job's cancel route. The real
    job of a small file commits before a click could land, so here the job routes answer
    from the test (a running job at 3 of 10 rows, cancelled once asked)."""
    job_id = "ab" * 16
    state = {"cancelled": False, "cancel_posts": 0}

    def job_route(route) -> None:  # noqa: ANN001
        if route.request.method == "POST":
            state["cancelled"] = True
            state["cancel_posts"] += 1
        status = "cancelled" if state["cancelled"] else "running"
        route.fulfill(
            status=200,
            content_type="application/json",
            json={
                "job_id": job_id,
                "kind": "tracer_submission",
                "status": status,
                "message": None,
                "progress_done": 3,
                "progress_total": 10,
                "result": None,
                "warnings": [],
                "warning_count": 0,
                "errors": [],
                "error_count": 0,
            },
        )

    with open_page(browser, 360) as page:
        page.goto(live.url + "/institution")
        login(page, live.institution_id, live.institution_key)
        expect(page.locator("#tools")).to_be_visible()
        page.route(
            "**/api/v1/institutions/*/tracer/2025-03/6m*",
            lambda route: route.fulfill(
                status=202,
                content_type="application/json",
                json={"job_id": job_id, "status": "queued", "status_url": f"/api/v1/jobs/{job_id}"},
            ),
        )
        page.route(f"**/api/v1/jobs/{job_id}**", job_route)
        send(page, "2025-03", "6m", _write(tmp_path, "c.csv", valid_rows(live, "3")))
        expect(page.locator("#send-progress-text")).to_have_text(
            VI["inst.progress"].replace("{done}", "3").replace("{total}", "10")
        )
        assert page.evaluate(
            "[document.getElementById('send-bar').value, document.getElementById('send-bar').max]"
        ) == [3, 10]
        expect(page.locator("#send-submit")).to_be_disabled()
        page.click("#send-cancel")
        expect(page.locator("#send-out")).to_have_text(VI["inst.cancelled"])
        expect(page.locator("#send-progress")).to_be_hidden()
        expect(page.locator("#send-submit")).to_be_enabled()
        assert state["cancel_posts"] == 1
        assert axe_violations(page) == []


def test_synchronous_answers_are_shown_the_same_way(browser, live, tmp_path) -> None:  # noqa: ANN001
    """A server that answers at once (here: the real API, the request's Prefer header taken
    out on the way): a 422 with its errors and error_file_url, then a 200 with the version."""

    def no_prefer(route) -> None:  # noqa: ANN001
        headers = {k: v for k, v in route.request.headers.items() if k.lower() != "prefer"}
        route.continue_(headers=headers)

    with open_page(browser, 360) as page:
        page.goto(live.url + "/institution")
        login(page, live.institution_id, live.institution_key)
        expect(page.locator("#tools")).to_be_visible()
        page.route("**/tracer/2025-04/6m*", no_prefer)
        rows = valid_rows(live, "4")
        rows[3] = rows[3].replace(",yes,formal,", ",maybe,formal,")  # row 5: employed
        page.fill("#s-cohort", "2025-04")
        page.select_option("#s-wave", "6m")
        page.set_input_files("#s-file", str(_write(tmp_path, "sync-bad.csv", rows)))
        with page.expect_response(lambda r: "/tracer/2025-04/6m" in r.url) as resp:
            page.click("#send-form button[type=submit]")
        assert resp.value.status == 422
        expect(page.locator("#send-rejected")).to_have_text(VI["inst.rejected"].replace("{n}", "1"))
        assert [c[:2] for c in cells(page, "#send-errors")] == [["5", "employed"]]
        with page.expect_download() as dl:
            page.click("#send-errfile")
        assert dl.value.suggested_filename == "sync-bad-errors.csv"
        assert "[employed]" in dl.value.path().read_text("utf-8-sig")
        page.set_input_files("#s-file", str(_write(tmp_path, "sync.csv", valid_rows(live, "4"))))
        with page.expect_response(lambda r: "/tracer/2025-04/6m" in r.url) as resp:
            page.click("#send-form button[type=submit]")
        assert resp.value.status == 200
        expect(page.locator("#send-ok")).to_contain_text("phiên bản 1")
        expect(page.locator("#subs-out tbody tr", has_text="04/2025")).to_have_count(1)


@pytest.mark.parametrize("width", [1280, 360], ids=["desktop", "phone"])
def test_admin_national_coverage(browser, live, width: int) -> None:  # noqa: ANN001
    """Another institution submits (through the API); the admin's table lists every
    institution of the catalogue for that cohort and wave, the missing ones highlighted."""
    cohort = "2025-08" if width == 1280 else "2025-09"
    prog = _programmes(live, live.other_institution_id)[0]
    body = (
        "\n".join([HEAD] + [f"0{width}{i:08d},{prog},responded,no,none,,79" for i in range(4)])
        + "\n"
    )
    r = httpx.put(
        f"{live.url}/api/v1/institutions/{live.other_institution_id}/tracer/{cohort}/6m",
        content=body.encode(),
        timeout=60,
        headers={"X-API-Key": live.other_institution_key, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    national = httpx.get(
        f"{live.url}/api/v1/tracer/coverage", timeout=30, headers={"X-API-Key": live.admin_key}
    ).json()["items"]
    expected = [i for i in national if i["cohort"] == cohort and i["wave"] == "6m"]
    n_missing = sum(i["status"] == "missing" for i in expected)
    assert n_missing == live.world["programmes"]["institution_id"].nunique() - 1

    with open_page(browser, width) as page:
        page.goto(live.url + "/admin")
        page.fill("#f-key", live.admin_key)
        page.click("#key-form button[type=submit]")
        expect(page.locator("#natcov-table")).to_be_visible()
        shown = f"{cohort[5:]}/{cohort[:4]}"
        page.select_option("#nc-cohort", cohort)
        every = cells(page, "#natcov-out")
        assert all(c[1] == shown for c in every)
        # highlighted: the missing rows, and only they, carry the class
        assert page.locator("#natcov-out tbody tr.missing").count() == sum(
            c[3] == VI["natcov.status.missing"] for c in every
        )
        rows = [c for c in every if c[2] == "6 tháng"]
        assert len(rows) == len(expected)
        assert all(c[1] == shown for c in rows)
        missing = [c for c in rows if c[3] == VI["natcov.status.missing"]]
        assert len(missing) == n_missing
        done = [c for c in rows if c[3] == VI["natcov.status.submitted"]]
        assert len(done) == 1 and live.other_institution_id in done[0][0]
        assert done[0][4:] == ["4", "4", "4", f"100,0{NBSP}%"]
        page.select_option("#nc-status", "missing")
        rows = cells(page, "#natcov-out")
        assert rows and all(c[3] == VI["natcov.status.missing"] for c in rows)
        assert page.locator("#natcov-out tbody tr:not(.missing)").count() == 0
        assert len([c for c in rows if c[2] == "6 tháng"]) == n_missing
        expect(page.locator("#natcov-count")).to_contain_text(f"{n_missing} dòng chưa nộp")
        if width == 360:
            assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        shot(page, f"32-admin-national-coverage-{width}")

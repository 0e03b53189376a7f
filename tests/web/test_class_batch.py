"""The class list on /counsellor in real Chromium: a bad CSV gets every error at once, each
with its spreadsheet row, column and rule in Vietnamese (English on the English page);
Excel's ``1`` for province ``01`` is accepted; the template offers the preference columns."""

from __future__ import annotations

from playwright.sync_api import expect
from tests.web.test_learner import home_province
from tests.web.test_staff import login

from guidance.recommend.learner_rows import TEMPLATE_COLUMNS
from guidance.web.i18n import catalogue

VI, EN = catalogue("vi"), catalogue("en")


def _upload(page, path) -> dict:  # noqa: ANN001
    page.set_input_files("#class-file", str(path))
    with page.expect_response(lambda r: r.url.endswith("/recommendations/batch")) as resp:
        page.click("#class-form button[type=submit]")
    return {"status": resp.value.status, "body": resp.value.json()}


def _cells(page) -> list[list[str]]:  # noqa: ANN001
    rows = page.locator("#err-class_file tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def test_bad_class_csv_names_row_column_and_rule(page, live, tmp_path) -> None:
    code, _ = home_province(live.world)
    page.goto(live.url + "/counsellor")
    login(page, live.counsellor_key)
    expect(page.locator("#tools")).to_be_visible()

    with page.expect_download() as dl:
        page.click("#class-template")
    header = dl.value.path().read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert tuple(header) == TEMPLATE_COLUMNS and "willing_to_relocate" in header

    bad = tmp_path / "lop-bad.csv"
    bad.write_text(
        "learner_id,age,home_province_code,education_level,willing_to_relocate\n"
        f"A,17,{code},12,true\n"  # fine
        f"B,mười,{code},12,\n"  # row 3: age is not a number
        "C,17,99,12,\n"  # row 4: no such province
        f"D,17,{code},11,có\n",  # row 5: two errors
        encoding="utf-8",
    )
    got = _upload(page, bad)
    assert got["status"] == 422
    expect(page.locator("#err-class_file")).to_contain_text(VI["class.n_errors"].format(n=4))
    cells = _cells(page)
    assert [(r[0], r[1]) for r in cells] == [
        ("3", "age"),
        ("4", "home_province_code"),
        ("5", "education_level"),
        ("5", "willing_to_relocate"),
    ]
    assert "số nguyên" in cells[0][2] and "'mười'" in cells[0][2]
    assert "'99'" in cells[1][2] and "danh mục" in cells[1][2]
    assert "5, 9, 12, 13" in cells[2][2]
    assert "true hoặc false" in cells[3][2]
    text = page.inner_text("#err-class_file")
    assert "Input should" not in text and "pydantic" not in text

    # Excel drops the zero of a province code: "1" is read as "01" when the code is 01..09
    if code.startswith("0"):
        ok = tmp_path / "lop-excel.csv"
        ok.write_text(
            f"learner_id,age,home_province_code,education_level\nE,17,{int(code)},12\n",
            encoding="utf-8",
        )
        assert _upload(page, ok)["status"] == 200
        expect(page.locator("#class-download")).to_be_visible()

    # the English page: the same errors in English
    page.goto(live.url + "/counsellor?lang=en")  # the key stays in this tab's session
    expect(page.locator("#tools")).to_be_visible()
    got = _upload(page, bad)
    expect(page.locator("#err-class_file")).to_contain_text(EN["class.n_errors"].format(n=4))
    cells = _cells(page)
    assert "whole number" in cells[0][2] and "not in the catalogue" in cells[1][2]

"""Bad input: each problem is counted with its row, and the rest still ingests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from guidance.contract import validate_table
from guidance.postings import ingest_postings


def _kinds(result) -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = {}
    for i in result.issues:
        out.setdefault(i.kind, []).append(i.row)
    return out


def test_bad_rows_are_counted_with_row_numbers(bad_file, tmp_path):
    res = ingest_postings([bad_file], "2025-12", tmp_path / "out")
    kinds = _kinds(res)
    assert kinds["unknown_location"] == [3]
    assert kinds["unparsed_salary"] == [4]
    assert kinds["missing_title"] == [5]
    assert kinds["duplicate_cross_source"] == [6]  # same title/company/place, other board
    c = res.counts
    assert c["postings_read"] == 6 and c["postings_kept"] == 4  # no title, duplicate dropped
    # the rest still ingests: accountant (HN), helpdesk (HCM), tester split HN / HCM
    d = res.demand.set_index(["province_code", "occupation_code"])["vacancies"]
    assert d[("01", "2411")] == 1 and d[("79", "3512")] == 1
    assert d[("01", "2519")] == 1 and d[("79", "2519")] == 1  # 0.5 each, rounded up to 1
    assert ("01", "2512") not in d.index  # the unplaced Java posting is not guessed
    assert res.demand_path.exists() and res.report_path.exists()
    assert res.validation_errors == []


def test_median_wage_is_the_midpoint(bad_file):
    res = ingest_postings([bad_file], "2025-12", None)
    row = res.demand.query("province_code == '01' and occupation_code == '2411'").iloc[0]
    assert row["median_wage_vnd"] == 15_000_000  # "10 - 20 triệu"
    helpdesk = res.demand.query("occupation_code == '3512'").iloc[0]
    assert pd.isna(helpdesk["median_wage_vnd"])  # unparsed salary stays unknown


def test_empty_file_is_reported_and_others_still_ingest(tmp_path, bad_file):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "header.csv"
    header_only.write_text("source,job_id,title,company,salary_text,location\n", encoding="utf-8")
    res = ingest_postings([empty, header_only, bad_file], "2025-12", None)
    assert ("empty.csv", None, "empty_file") in [(i.file, i.row, i.kind) for i in res.issues]
    assert res.counts["postings_read"] == 6
    assert len(res.demand) > 0


def test_wrong_encoding(tmp_path, make_unified):
    good = make_unified(
        tmp_path / "u16.csv", [{"job_id": "1", "title": "Kế toán tổng hợp"}], encoding="utf-16"
    )
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"title,company\n\x81\x8d\x8f\x90\x9d,\xff\xfe\xfd\n")
    res = ingest_postings([garbage, good], "2025-12", None)
    bad = [i for i in res.issues if i.kind == "unreadable_file"]
    assert len(bad) == 1 and bad[0].file == "garbage.csv" and "UTF-8" in bad[0].message
    assert res.demand["occupation_code"].tolist() == ["2411"]  # the UTF-16 file ingested


def test_unknown_layout_is_a_file_issue(tmp_path, bad_file):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    res = ingest_postings([other, bad_file], "2025-12", None)
    assert [i.kind for i in res.issues if i.file == "other.csv"] == ["unreadable_file"]
    assert res.counts["postings_read"] == 6


def test_low_confidence_goes_to_unclassified(bad_file):
    res = ingest_postings([bad_file], "2025-12", None, min_confidence=1.01)
    assert res.counts["unclassified"] == res.counts["postings_kept"] == 4
    assert res.demand.empty


def test_headcount_and_generic_mapping(tmp_path):
    path = tmp_path / "board.csv"
    path.write_text(
        "Chức danh,Nơi làm việc,Lương,Số lượng\nKế toán tổng hợp,Hà Nội,10 - 12 triệu,4\n",
        encoding="utf-8",
    )
    res = ingest_postings(
        [path],
        "2025-12",
        None,
        source="generic",
        mapping={
            "title": "Chức danh",
            "location": "Nơi làm việc",
            "salary_text": "Lương",
            "headcount": "Số lượng",
        },
    )
    assert res.demand[["province_code", "occupation_code", "vacancies"]].values.tolist() == [
        ["01", "2411", 4]
    ]


def test_bad_arguments(bad_file):
    with pytest.raises(ValueError, match="YYYY-MM"):
        ingest_postings([bad_file], "2025-13", None)
    with pytest.raises(ValueError, match="unknown source"):
        ingest_postings([bad_file], "2025-12", None, source="monster")


def test_output_validates_against_the_contract(bad_file, tmp_path):
    res = ingest_postings([bad_file], "2025-12", tmp_path)
    written = pd.read_csv(Path(tmp_path) / "demand.csv", dtype=str, keep_default_na=False)
    report = validate_table("demand", written)
    assert not [i for i in report.issues if i.severity == "error"]
    assert set(written["source"]) == {"job_board"} and (written["job_seekers"] == "").all()
    text = res.report_path.read_text(encoding="utf-8")
    assert "not the labour market" in text and "unclassified" in text


def test_nationwide_and_abroad_are_reported_not_written(tmp_path, make_unified):
    path = make_unified(
        tmp_path / "u.csv",
        [
            {"job_id": "1", "title": "Kế toán tổng hợp", "location": "Toàn quốc"},
            {"job_id": "2", "title": "Nhân viên IT Helpdesk", "location": "Hà Nội | Nhật Bản"},
            {"job_id": "3", "title": "Kỹ sư cơ khí (Số lượng: 04)", "location": "Đồng Nai"},
        ],
    )
    res = ingest_postings([path], "2025-12", tmp_path / "out")
    d = res.demand.set_index(["province_code", "occupation_code"])["vacancies"]
    assert "2411" not in res.demand["occupation_code"].tolist()  # nationwide: no province row
    assert d[("01", "3512")] == 1  # half of one vacancy in Hà Nội, half abroad -> rounds to 1
    assert d[("75", "2144")] == 4  # stated headcount
    text = res.report_path.read_text(encoding="utf-8")
    assert "| nationwide | 1 |" in text and "| abroad | 1 |" in text

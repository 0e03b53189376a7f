"""Small posting files in the boards' layouts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

UNIFIED_HEADER = [
    "source",
    "job_id",
    "url",
    "title",
    "company",
    "salary_text",
    "location",
    "experience",
    "level",
    "industry",
    "employment_type",
    "skills",
    "deadline",
    "crawl_at",
    "description",
    "requirements",
]


def unified_row(
    job_id: str,
    title: str,
    company: str = "Công ty A",
    salary: str = "10 - 15 triệu",
    location: str = "Hà Nội",
    source: str = "topcv",
    industry: str = "",
    skills: str = "",
) -> dict[str, str]:
    row = dict.fromkeys(UNIFIED_HEADER, "")
    row.update(
        source=source,
        job_id=job_id,
        title=title,
        company=company,
        salary_text=salary,
        location=location,
        industry=industry,
        skills=skills,
    )
    return row


def write_unified(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.DictWriter(fh, fieldnames=UNIFIED_HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture()
def bad_file(tmp_path: Path) -> Path:
    """Rows 2.. (header = row 1): good, unknown province, bad salary, no title,
    duplicate of row 2, good in two provinces."""
    rows = [
        unified_row("1", "Kế toán tổng hợp", salary="10 - 20 triệu"),
        unified_row("2", "Lập trình viên Java Backend", location="Atlantis"),
        unified_row(
            "3", "Nhân viên IT Helpdesk", salary="lương xyz 99999999999", location="Hồ Chí Minh"
        ),
        unified_row("4", "", location="Đà Nẵng"),
        unified_row(
            "5",
            "Kế toán tổng hợp",
            company="CÔNG TY A",
            salary="10 - 20 triệu",
            source="careerviet",
        ),
        unified_row("6", "Tester (QA QC)", salary="20 - 30 triệu", location="Hà Nội | Hồ Chí Minh"),
    ]
    return write_unified(tmp_path / "bad.csv", rows)


@pytest.fixture()
def make_unified():
    """Factory: ``make_unified(path, [row kwargs...], encoding)`` writes a unified-layout file."""

    def make(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
        return write_unified(path, [unified_row(**r) for r in rows], encoding)

    return make

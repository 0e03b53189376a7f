"""``guidance report`` end to end: PDF text (pypdf), HTML structure, one-line errors with
exit 2, atomic writes under injected failures, and the database source on SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from guidance.cli import main

from .conftest import pdf_text, published_row


@pytest.fixture
def cached_dir(report_world, monkeypatch):
    """``--data`` of the session world without rebuilding its bundle (the real reader runs in
    ``test_pdf_from_data_dir``)."""
    import guidance.report.cli as rc

    real = rc._bundle_from_dir

    def cached(path_text: str):
        if Path(path_text) == report_world.dir:
            return report_world.bundle, ("thư mục", "directory")
        return real(path_text)

    monkeypatch.setattr(rc, "_bundle_from_dir", cached)
    return report_world.dir


def test_pdf_from_data_dir(report_world, tmp_path, capsys):
    w = report_world
    out = tmp_path / "bao-cao.pdf"
    rc = main(
        [
            "report",
            "--province",
            w.province,
            "--year",
            str(w.year),
            "--out",
            str(out),
            "--data",
            str(w.dir),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "đọc dữ liệu" in err and "xong" in err  # progress on stderr
    text = pdf_text(out)
    row = published_row(w.bundle, "province", str(w.year), province_code=w.province)
    for phrase in (
        "Báo cáo thường niên",
        "người tốt nghiệp",
        "Tỷ lệ phản hồi",
        "đồng",
        "Phương pháp, định nghĩa và kiểm soát công bố",
        "Quần đảo Hoàng Sa",
        f"{int(row['employment_12m_pct'])}% có việc làm sau 12 tháng",
        f"Người trả lời {int(row['respondents'])}",
        "Trang 1/",
    ):
        assert phrase in " ".join(text.split()), phrase
    from guidance import reference

    name = reference.province_names()[w.province]
    assert name in text
    # a withheld trade cell of the province says why and shows no figure
    trades = w.bundle.outcomes["trade2_province_level"]
    withheld = trades[
        (trades["province_code"] == w.province)
        & trades["suppressed"]
        & trades["cohorts"].str.endswith(str(w.year))
    ]
    if len(withheld):
        assert str(withheld.iloc[0]["suppressed_vi"]) in " ".join(text.split())
    # the embedded font is DejaVu Sans
    from pypdf import PdfReader

    fonts = {
        str(f.get_object()["/BaseFont"])
        for p in PdfReader(str(out)).pages
        for f in p["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVuSans" in f for f in fonts), fonts
    assert not list(tmp_path.glob(".*.part"))


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.provinces: dict[str, dict] = {}
        self.svg = 0
        self.external: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svg += 1
        if tag == "table":
            self.tables += 1
        if "data-province" in a:
            self.provinces[a["data-province"]] = a
        for k in ("src", "href"):
            v = a.get(k) or ""
            if v and not v.startswith("#"):
                self.external.append(v)
        if tag == "link":
            self.external.append(str(a))


def test_html_is_self_contained_with_the_map(report_world, cached_dir, tmp_path):
    w = report_world
    out = tmp_path / "report.html"
    assert (
        main(
            [
                "report",
                "--province",
                w.province,
                "--year",
                str(w.year),
                "--out",
                str(out),
                "--data",
                str(cached_dir),
                "--quiet",
            ]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    p = _Html()
    p.feed(page)
    assert p.svg == 1 and len(p.provinces) == 34
    assert p.provinces[w.province].get("data-highlight") == "1"
    assert p.external == [] and "@import" not in page and "url(http" not in page
    assert p.tables >= 4
    assert '<html lang="vi">' in page and "Báo cáo thường niên" in page


def test_national_english_pdf(report_world, cached_dir, tmp_path):
    w = report_world
    out = tmp_path / "nation.pdf"
    assert (
        main(
            [
                "report",
                "--national",
                "--year",
                str(w.year),
                "--out",
                str(out),
                "--data",
                str(cached_dir),
                "--lang",
                "en",
                "--quiet",
            ]
        )
        == 0
    )
    text = " ".join(pdf_text(out).split())
    nat = published_row(w.bundle, "nation", str(w.year))
    assert f"{int(nat['employment_12m_pct'])}% were in work 12 months" in text
    assert "Employment outcomes by province" in text and "Page 1/" in text


@pytest.mark.parametrize(
    "argv, option, words",
    [
        (["--province", "02"], "--province", ["08", "trước năm 2025"]),
        (["--province", "99"], "--province", ["không phải mã tỉnh"]),
        (["--national", "--year", "2031"], "--year", ["2031"]),
        (["--national", "--out", "report.docx"], "--out", [".pdf"]),
        (["--national", "--out", "missing/dir/report.pdf"], "--out", ["thư mục"]),
        (["--national", "--data", "no-such-dir"], "--data", ["no-such-dir"]),
    ],
)
def test_errors_exit_2_with_one_line(
    report_world, cached_dir, tmp_path, capsys, monkeypatch, argv, option, words
):
    monkeypatch.chdir(tmp_path)
    base = {"--year": str(report_world.year), "--out": "r.pdf", "--data": str(cached_dir)}
    for i in range(0, len(argv) - 1):
        if argv[i] in base:
            base[argv[i]] = argv[i + 1]
    scope = [a for a in argv if a not in base and a not in base.values()]
    args = ["report", *scope, "--quiet"]
    for k, v in base.items():
        args += [k, v]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    line = err[0]
    assert line.startswith(f"error: {option}: ")
    for word in words:
        assert word in line
    assert "Traceback" not in line
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*.part"))


def test_console_error_has_no_traceback(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "guidance",
            "report",
            "--province",
            "02",
            "--year",
            "2025",
            "--out",
            str(tmp_path / "r.pdf"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "--province" in lines[0] and "08" in lines[0]


@pytest.mark.parametrize("where", ["render", "write"])
def test_failed_run_leaves_the_old_report(
    report_world, cached_dir, tmp_path, capsys, monkeypatch, where
):
    import guidance.report.cli as rc
    import guidance.report.pdf as rp

    out = tmp_path / "report.pdf"
    out.write_bytes(b"OLD REPORT")
    if where == "render":

        def boom(report):
            raise RuntimeError("injected rendering failure")

        monkeypatch.setattr(rp, "render_pdf", boom)
    else:

        def boom(fd):
            raise OSError("injected disk failure")

        monkeypatch.setattr(rc.os, "fsync", boom)
    rcode = main(
        [
            "report",
            "--national",
            "--year",
            str(report_world.year),
            "--out",
            str(out),
            "--data",
            str(cached_dir),
            "--quiet",
        ]
    )
    assert rcode == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "injected" in err[0] and err[0].startswith("error: --out:")
    assert out.read_bytes() == b"OLD REPORT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_from_database(report_world, db_url, tmp_path, capsys):
    """The default source: the tracer database (loaded as tracer submissions), SQLite and
    PostgreSQL; the figures equal the directory's (the same records)."""
    w = report_world
    assert main(["tracer", "load-demo", "--database-url", db_url, str(w.dir)]) == 0
    out = tmp_path / "db.pdf"
    rc = main(
        [
            "report",
            "--national",
            "--year",
            str(w.year),
            "--out",
            str(out),
            "--db-url",
            db_url,
            "--quiet",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    text = " ".join(pdf_text(out).split())
    nat = published_row(w.bundle, "nation", str(w.year))
    assert f"{int(nat['employment_12m_pct'])}% có việc làm sau 12 tháng" in text
    assert f"Người trả lời {int(nat['respondents'])}" in text


def test_empty_database_is_a_clear_error(db_url, tmp_path, capsys):
    assert main(["db", "upgrade", "--database-url", db_url]) == 0
    rc = main(
        [
            "report",
            "--national",
            "--year",
            "2025",
            "--out",
            str(tmp_path / "r.pdf"),
            "--db-url",
            db_url,
            "--quiet",
        ]
    )
    assert rc == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("error: --db-url:") and "--data" in line
    assert os.listdir(tmp_path) == [] or not list(tmp_path.glob("*.pdf"))

"""The report's content (pure): published figures only, withheld rows with their reason,
Vietnamese formats, option errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from guidance.report import format as fmt
from guidance.report.cli import report_data
from guidance.report.content import Row, Table, assert_published, build_report
from guidance.report.texts import ReportError
from guidance.stats.tables import outcome_tables

from .conftest import published_row


def _tables(report, section_id: str) -> list[Table]:
    sec = next(s for s in report.sections if s.id == section_id)
    return [b for b in sec.blocks if isinstance(b, Table)]


def _text(report) -> str:
    out = []
    for sec in report.sections:
        for b in sec.blocks:
            if isinstance(b, Table):
                out += [" | ".join(r.cells) + " | " + (r.withheld or "") for r in b.rows]
            elif hasattr(b, "text"):
                out.append(b.text)
    return "\n".join(out)


def test_formats_are_vietnamese():
    assert fmt.number(1234567, "vi") == "1.234.567"
    assert fmt.number(1234567, "en") == "1,234,567"
    assert fmt.percent(12.5, "vi", 1) == "12,5%"
    assert fmt.wage_range(5_000_000, 6_700_000, "vi") == "5,0–6,7 triệu đồng"
    assert fmt.month("2028-04", "vi") == "tháng 4/2028"
    assert fmt.long_date(date(2026, 12, 5), "vi") == "ngày 5 tháng 12 năm 2026"
    assert fmt.cohorts("2023-2025", "vi") == "2023–2025 (gộp)"
    assert fmt.number(None, "vi") == "—"


def test_raw_tables_are_refused(report_world):
    raw = outcome_tables(report_world.tables)
    with pytest.raises(ValueError, match="not a published table"):
        assert_published(raw)
    data = replace(report_data(report_world.bundle), outcomes=raw)
    with pytest.raises(ValueError):
        build_report(data, year=report_world.year, province=report_world.province)


def test_province_summary_shows_its_published_rate(report_world):
    w = report_world
    rep = build_report(report_data(w.bundle), year=w.year, province=w.province)
    row = published_row(w.bundle, "province", str(w.year), province_code=w.province)
    assert not row["suppressed"]
    # the same figure computed from the records (every tiny-world record is a respondent)
    o = w.tables["outcomes"].merge(
        w.tables["programmes"][["programme_id", "province_code"]], on="programme_id"
    )
    o = o[(o["province_code"] == w.province) & (o["cohort"].str[:4] == str(w.year))]
    if "survey_status" in o:
        o = o[o["survey_status"].isin(["responded", "administrative"])]
    own = int(np.floor(o["employed_12m"].astype(float).mean() * 100 + 0.5))
    assert own == int(row["employment_12m_pct"])
    summary = next(s for s in rep.sections if s.id == "summary")
    assert f"{own}% có việc làm sau 12 tháng" in summary.blocks[0].text
    kv = dict(r.cells for r in _tables(rep, "summary")[0].rows)
    assert kv["Người trả lời"] == fmt.number(row["respondents"], "vi")
    assert kv["Tỷ lệ phản hồi"] == f"{int(row['response_rate_pct'])}%"


def test_withheld_rows_show_no_figure(report_world):
    """Every row of the trade table matches a published cell of the bundle: a published row
    shows that cell's figures, a withheld row only its keys and the cell's reason."""
    w = report_world
    rep = build_report(report_data(w.bundle), year=w.year, province=None)
    table = _tables(rep, "trades")[0]
    pub = w.bundle.outcomes["trade2_province_level"]
    names = {r.name_vi: r.province_code for r in _provinces().itertuples()}
    levels = {"Sơ cấp": "so_cap", "Trung cấp": "trung_cap", "Cao đẳng": "cao_dang"}
    n_withheld = 0
    for r in table.rows:
        prov, trade, level, label = r.cells[:4]
        cohort = label.split(" ")[0].replace("–", "-")
        cell = published_row(
            w.bundle,
            "trade2_province_level",
            cohort,
            province_code=names[prov],
            isco2=trade.split(" ")[0],
            level=levels[level],
        )
        if cell["suppressed"]:
            n_withheld += 1
            assert r.withheld == cell["suppressed_vi"]
            assert len(r.cells) == table.n_keys
        else:
            assert r.withheld is None
            assert r.cells[5] == f"{int(cell['employment_12m_pct'])}%"
    assert n_withheld > 0, "the tiny world should have withheld trade cells"
    ending = pub[pub["cohorts"].str.endswith(str(w.year))]
    assert len(table.rows) == len(ending[["isco2", "province_code", "level"]].drop_duplicates())


def _provinces():
    from guidance import reference

    return reference.provinces()


def test_an_earlier_year_shows_that_year_only(report_world):
    w = report_world
    rep = build_report(report_data(w.bundle), year=w.year - 1, province=None)
    labels = {r.cells[3] for r in _tables(rep, "trades")[0].rows}
    assert labels == {str(w.year - 1)}
    nat = published_row(w.bundle, "nation", str(w.year - 1))
    summary = next(s for s in rep.sections if s.id == "summary")
    assert f"{int(nat['employment_12m_pct'])}% có việc làm" in summary.blocks[0].text


def test_english_report(report_world):
    w = report_world
    rep = build_report(report_data(w.bundle), year=w.year, province=w.province, lang="en")
    text = _text(rep)
    assert "In work after 12 months" in text
    assert "Respondents" in text
    assert "người" not in text


def test_option_errors(report_world):
    w = report_world
    data = report_data(w.bundle)
    with pytest.raises(ReportError) as e:
        build_report(data, year=w.year, province="02")  # Hà Giang, merged into Tuyên Quang
    assert e.value.option == "--province" and "08" in e.value.vi and "08" in e.value.en
    with pytest.raises(ReportError) as e:
        build_report(data, year=w.year, province="99")
    assert e.value.code == "province_unknown"
    with pytest.raises(ReportError) as e:
        build_report(data, year=w.year + 5, province=None)
    assert e.value.option == "--year" and str(w.year + 5) in e.value.line()
    empty = set(_provinces()["province_code"]) - set(
        w.bundle.outcomes["province"]["province_code"].astype(str)
    )
    with pytest.raises(ReportError) as e:
        build_report(data, year=w.year, province=sorted(empty)[0])
    assert e.value.code == "province_none"


def test_map_values_are_the_published_ones(report_world):
    w = report_world
    seen = {}

    def fake_map(values, **kw):
        seen.update(values=values, **kw)
        return "<svg xmlns='http://www.w3.org/2000/svg'/>"

    data = replace(report_data(w.bundle), map_svg=fake_map)
    build_report(data, year=w.year, province=w.province)
    assert len(seen["values"]) == 34 and seen["highlight"] == w.province
    row = published_row(w.bundle, "province", str(w.year), province_code=w.province)
    assert seen["values"][w.province] == float(row["employment_12m_pct"])
    prov = w.bundle.outcomes["province"]
    for code, v in seen["values"].items():
        mine = prov[(prov["province_code"] == code) & prov["cohorts"].str.endswith(str(w.year))]
        if v is None:
            assert not (len(mine) and (~mine["suppressed"]).any()) or code in seen["notes"]
        else:
            assert (~mine["suppressed"]).any()


def test_rows_are_capped():
    from guidance.report.content import _T, MAX_ROWS, cap_rows

    rows, note = cap_rows([Row(("x",))] * (MAX_ROWS + 5), _T("vi"))
    assert len(rows) == MAX_ROWS and "605" in note


def test_shortage_list_is_the_flagged_cells(report_world):
    w = report_world
    rep = build_report(report_data(w.bundle), year=w.year, province=None)
    short, full = _tables(rep, "supply")
    sd = w.bundle.supply_demand["isco2"]
    flagged = sd[sd["flag"] == "shortage"]
    assert len(short.rows) == min(len(flagged), 60) and len(short.rows) > 0
    top = flagged.sort_values("indicator", ascending=False).iloc[0]
    assert short.rows[0].cells[0].split(" ")[0] == str(top["trade"])
    assert short.rows[0].cells[3] == fmt.number(top["indicator"], "vi", 2)
    shown = (sd["offerings"].fillna(0) > 0) | (sd["vacancies"].fillna(0) > 0)
    assert len(full.rows) == min(int(shown.sum()), 600)
    assert {r.cells[-1] for r in full.rows} <= {"thiếu hụt", "cân bằng", "dư thừa", "—"}


def test_without_demand_the_section_says_so(report_world):
    w = report_world
    data = replace(
        report_data(w.bundle), supply_demand=None, supply_demand_missing="no demand snapshot"
    )
    rep = build_report(data, year=w.year, province=w.province)
    sec = next(s for s in rep.sections if s.id == "supply")
    assert len(sec.blocks) == 1 and "Chưa có số liệu cung cầu" in sec.blocks[0].text


def test_the_font_has_every_letter_the_report_uses(report_world):
    """DejaVu Sans (matplotlib's copy) has a glyph for every character of both reports and
    for the whole Vietnamese alphabet (fpdf2 would draw a missing one as an empty box)."""
    from fontTools.ttLib import TTFont

    from guidance.report.pdf import FONT_FILES, font_dir

    w = report_world
    used = set()
    for lang in ("vi", "en"):
        rep = build_report(report_data(w.bundle), year=w.year, province=None, lang=lang)
        used |= set(_text(rep)) | set("".join(rep.cover)) | set(rep.running)
    lower = (
        "aăâbcdđeêghiklmnoôơpqrstuưvxy" + "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
        "ùúủũụừứửữựỳýỷỹỵ"
    )
    used |= set(lower) | set(lower.upper())
    used.discard("\n")
    for style, name in FONT_FILES.items():
        cmap = TTFont(str(font_dir() / name)).getBestCmap()
        missing = sorted(c for c in used if ord(c) not in cmap)
        assert missing == [], (style, missing)


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><text>Hà Nội</text></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        '<rect fill="url(#map-nodata)"/><text style="font-family:Arial;fill:#000">Huế</text></svg>',
    ],
)
def test_map_svg_adapted_for_the_pdf(svg):
    import xml.etree.ElementTree as ET

    from guidance.report.pdf import FONT, NO_DATA_GREY, pdf_svg

    out = pdf_svg(svg)
    root = ET.fromstring(out)  # still well-formed: no duplicate attribute
    assert root.get("font-family") == FONT
    assert "url(#" not in out and "Arial" not in out and "system-ui" not in out
    assert all(e.get("fill") == NO_DATA_GREY for e in root.iter() if e.tag.endswith("rect"))

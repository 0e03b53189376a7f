"""The report as an A4 portrait PDF (fpdf2, DejaVu Sans embedded).

The font is DejaVu Sans as matplotlib ships it (``matplotlib.get_data_path()/fonts/ttf``;
Bitstream Vera licence with the DejaVu changes in the public domain): it has every
Vietnamese letter (ắ ằ ẳ ẵ ặ ơ ư đ …) and fpdf2 embeds the subset used. Tables repeat their
header row on every page; each page but the cover carries a running head and "Trang n/N".
The map SVG goes in through ``FPDF.image`` (fpdf2's SVG renderer) after two adaptations:
its text gets the embedded font and the no-data hatching (an SVG ``<pattern>``, which fpdf2
does not draw) becomes the plain no-data grey.
"""

from __future__ import annotations

import io
import logging
import re
from functools import cache
from pathlib import Path

from guidance.report.content import Figure, Paragraph, Report, Table

FONT = "DejaVu Sans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
NO_DATA_GREY = "#d0d0d0"
INK = (34, 34, 34)
ACCENT = (59, 82, 139)
HEAD_FILL = (232, 236, 244)
MUTED = (90, 90, 90)


@cache
def font_dir() -> Path:
    """matplotlib's bundled TrueType folder holding DejaVu Sans."""
    import matplotlib

    d = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    missing = [f for f in FONT_FILES.values() if not (d / f).is_file()]
    if missing:
        raise FileNotFoundError(f"DejaVu Sans not found in {d}: {', '.join(missing)}")
    return d


def pdf_svg(svg: str) -> str:
    """The map SVG adapted to fpdf2: the embedded font for its text, grey for no-data."""
    svg = re.sub(r'fill="url\(#[^)"]*\)"', f'fill="{NO_DATA_GREY}"', svg)
    return re.sub(r"<svg\b", f'<svg font-family="{FONT}"', svg, count=1)


def _doc(report: Report):
    from fpdf import FPDF

    class Doc(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font(FONT, "", 7.5)
            self.set_text_color(*MUTED)
            self.cell(0, 5, report.running, align="L")
            self.ln(7)
            self.set_text_color(*INK)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, "", 8)
            self.set_text_color(*MUTED)
            text = (f"Trang {self.page_no()}/{{nb}}" if report.lang == "vi"
                    else f"Page {self.page_no()}/{{nb}}")
            self.cell(0, 6, text, align="C")
            self.set_text_color(*INK)

    doc = Doc(orientation="portrait", unit="mm", format="A4")
    d = font_dir()
    for style, name in FONT_FILES.items():
        doc.add_font(FONT, style, str(d / name))
    doc.set_margins(16, 16, 16)
    doc.set_auto_page_break(True, margin=18)
    doc.set_title(f"{report.title} · {report.scope} · {report.year}")
    doc.set_lang(report.lang)
    doc.set_creator("guidance report")
    return doc


def _line(doc, h: float, text: str, align: str = "L") -> None:
    """A paragraph across the text width; the cursor goes back to the left margin."""
    doc.multi_cell(0, h, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _cover(doc, report: Report) -> None:
    doc.add_page()
    doc.set_y(60)
    doc.set_font(FONT, "B", 20)
    doc.set_text_color(*ACCENT)
    _line(doc, 10, report.title, align="L")
    doc.ln(6)
    doc.set_text_color(*INK)
    scope, year, *rest = report.cover
    doc.set_font(FONT, "B", 16)
    _line(doc, 9, scope)
    doc.set_font(FONT, "", 13)
    _line(doc, 8, year)
    doc.ln(4)
    doc.set_font(FONT, "", 10)
    for line in rest:
        _line(doc, 5.5, line)
        doc.ln(1.5)
    doc.ln(6)
    doc.set_font(FONT, "B", 10)
    _line(doc, 6, "Nguồn số liệu" if report.lang == "vi" else "Sources")
    doc.set_font(FONT, "", 9.5)
    for s in report.sources:
        _line(doc, 5, f"• {s}")
    doc.ln(6)
    doc.set_font(FONT, "B", 10)
    _line(doc, 6, "Nội dung" if report.lang == "vi" else "Contents")
    doc.set_font(FONT, "", 9.5)
    for i, sec in enumerate(report.sections, 1):
        _line(doc, 5, f"{i}. {sec.title}")


def _table(doc, table: Table) -> None:
    from fpdf.enums import TableCellFillMode

    if table.caption:
        doc.set_font(FONT, "B", 9.5)
        _line(doc, 6, table.caption)
    n = len(table.columns)
    widths = table.widths if len(table.widths) == n else (1,) * n
    numeric = table.numeric if len(table.numeric) == n else (False,) * n
    align = tuple("RIGHT" if x else "LEFT" for x in numeric)
    size = 7.5 if n > 6 else 8.5
    doc.set_font(FONT, "", size)
    head_style = _style(size)
    with doc.table(col_widths=widths, text_align=align, repeat_headings=1,
                   headings_style=head_style, line_height=size * 0.48,
                   cell_fill_color=(246, 247, 250), cell_fill_mode=TableCellFillMode.ROWS,
                   borders_layout="SINGLE_TOP_LINE", padding=0.8) as t:
        head = t.row()
        for c in table.columns:
            head.cell(c)
        for r in table.rows:
            row = t.row()
            if r.withheld is None:
                for c in r.cells:
                    row.cell(c)
                for _ in range(n - len(r.cells)):
                    row.cell("")
                continue
            keys = r.cells[:n - 1]  # the key cells; the reason spans the rest
            for c in keys:
                row.cell(c)
            rest = n - len(keys)
            row.cell(r.withheld, colspan=rest, align="LEFT",
                     style=_style(size, italic=True, header=False))
    if table.note:
        doc.set_font(FONT, "I", 8)
        _line(doc, 4.5, table.note)
    doc.ln(3)


def _style(size: float, *, italic: bool = False, header: bool = True):
    from fpdf.fonts import FontFace

    if header:
        return FontFace(family=FONT, emphasis="BOLD", size_pt=size, fill_color=HEAD_FILL)
    return FontFace(family=FONT, emphasis="ITALICS" if italic else None, size_pt=size,
                    color=MUTED)


def _figure(doc, fig: Figure) -> None:
    if fig.svg:
        width = doc.epw * 0.6
        doc.image(io.BytesIO(pdf_svg(fig.svg).encode("utf-8")), x=doc.l_margin + doc.epw * 0.2,
                  w=width)
        doc.ln(2)
    elif fig.missing:
        doc.set_font(FONT, "I", 9)
        _line(doc, 5, fig.missing)
        doc.ln(2)


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    logging.getLogger("fpdf.svg").setLevel(logging.ERROR)
    doc = _doc(report)
    _cover(doc, report)
    for i, sec in enumerate(report.sections, 1):
        doc.add_page()
        doc.start_section(f"{i}. {sec.title}")
        doc.set_font(FONT, "B", 14)
        doc.set_text_color(*ACCENT)
        _line(doc, 8, f"{i}. {sec.title}")
        doc.set_text_color(*INK)
        doc.ln(2)
        for block in sec.blocks:
            if isinstance(block, Paragraph):
                doc.set_font(FONT, "B" if block.heading else "", 11 if block.heading else 9.5)
                _line(doc, 6 if block.heading else 5, block.text)
                doc.ln(1.5)
            elif isinstance(block, Table):
                _table(doc, block)
            elif isinstance(block, Figure):
                _figure(doc, block)
    return bytes(doc.output())

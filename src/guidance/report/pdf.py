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
    # lazy: matplotlib is heavy to import; only drawing needs it
    import matplotlib

    d = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    missing = [f for f in FONT_FILES.values() if not (d / f).is_file()]
    if missing:
        raise FileNotFoundError(f"DejaVu Sans not found in {d}: {', '.join(missing)}")
    return d


def pdf_svg(svg: str) -> str:
    """The map SVG adapted to fpdf2: the embedded font for its text, grey for no-data."""
    svg = re.sub(r'fill="url\(#[^)"]*\)"', f'fill="{NO_DATA_GREY}"', svg)
    svg = re.sub(r'font-family="[^"]*"', f'font-family="{FONT}"', svg)
    svg = re.sub(r"font-family:[^;\"']*", f"font-family:{FONT}", svg)
    root = re.search(r"<svg\b[^>]*>", svg)
    if root and "font-family=" not in root.group(0):
        svg = svg[: root.start()] + f'<svg font-family="{FONT}"' + svg[root.start() + 4 :]
    return svg


def _doc(report: Report):
    # lazy: fpdf is heavy to import; only the PDF needs it
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
            text = (
                f"Trang {self.page_no()}/{{nb}}"
                if report.lang == "vi"
                else f"Page {self.page_no()}/{{nb}}"
            )
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


PAD = 0.9  # mm inside a table cell


def _wrap(doc, text: str, width: float) -> list[str]:
    """Greedy word wrap to ``width`` mm in the current font (a word longer than the width
    is cut by characters)."""
    if doc.get_string_width(text) <= width:
        return [text]
    lines: list[str] = []
    cur = ""
    for word in text.split(" "):
        trial = f"{cur} {word}" if cur else word
        if doc.get_string_width(trial) <= width:
            cur = trial
            continue
        if cur:
            lines.append(cur)
        while doc.get_string_width(word) > width and len(word) > 1:
            k = len(word)
            while k > 1 and doc.get_string_width(word[:k]) > width:
                k -= 1
            lines.append(word[:k])
            word = word[k:]
        cur = word
    if cur:
        lines.append(cur)
    return lines or [""]


def _table(doc, table: Table) -> None:
    """A table drawn cell by cell (fpdf2's ``table()`` lays out every cell with its full
    paragraph engine, several times slower on the national report's ~20,000 cells): words
    wrap inside their column, the header row is repeated after every page break, a withheld
    row's reason spans the figure columns (grey italics), numbers are right-aligned."""
    if table.caption:
        doc.set_font(FONT, "B", 9.5)
        _line(doc, 6, table.caption)
    n = len(table.columns)
    rel = table.widths if len(table.widths) == n else (1.0,) * n
    numeric = table.numeric if len(table.numeric) == n else (False,) * n
    widths = [doc.epw * w / sum(rel) for w in rel]
    xs = [doc.l_margin + sum(widths[:i]) for i in range(n)]
    aligns = ["R" if x else "L" for x in numeric]
    size = 7.5 if n > 6 else 8.5
    lh = size * 0.42

    def layout(cells, styles, spans) -> tuple[list[list[str]], float]:
        wrapped = []
        for c, st, w in zip(cells, styles, spans, strict=True):
            doc.set_font(FONT, st, size)
            wrapped.append(_wrap(doc, c, w - 2 * PAD))
        return wrapped, max(len(x) for x in wrapped) * lh + 2 * PAD

    def draw(wrapped, h, spans, starts, styles, als, fill) -> None:
        y = doc.get_y()
        if fill:
            doc.set_fill_color(*fill)
            doc.rect(doc.l_margin, y, doc.epw, h, style="F")
        for lines, x, w, st, al in zip(wrapped, starts, spans, styles, als, strict=True):
            doc.set_font(FONT, st, size)
            doc.set_text_color(*(MUTED if st == "I" else INK))
            for i, text in enumerate(lines):
                doc.set_xy(x + PAD, y + PAD + i * lh)
                doc.cell(w - 2 * PAD, lh, text, align=al)
        doc.set_text_color(*INK)
        doc.set_draw_color(215, 215, 215)
        doc.line(doc.l_margin, y + h, doc.l_margin + doc.epw, y + h)
        doc.set_xy(doc.l_margin, y + h)

    head_styles = ["B"] * n
    head, head_h = layout(table.columns, head_styles, widths)

    def header() -> None:
        draw(head, head_h, widths, xs, head_styles, aligns, HEAD_FILL)

    if doc.get_y() + head_h + 3 * lh > doc.page_break_trigger:
        doc.add_page()
    header()
    for k, r in enumerate(table.rows):
        if r.withheld is None:
            cells = list(r.cells) + [""] * (n - len(r.cells))
            spans, starts, als, styles = widths, xs, aligns, [""] * n
        else:
            m = len(r.cells)
            cells = [*r.cells, r.withheld]
            spans = widths[:m] + [sum(widths[m:])]
            starts, als, styles = xs[: m + 1], ["L"] * (m + 1), [""] * m + ["I"]
        wrapped, h = layout(cells, styles, spans)
        if doc.get_y() + h > doc.page_break_trigger:
            doc.add_page()
            header()
        draw(wrapped, h, spans, starts, styles, als, (246, 247, 250) if k % 2 else None)
    if table.note:
        doc.set_font(FONT, "I", 8)
        _line(doc, 4.5, table.note)
    doc.ln(3)


def _figure(doc, fig: Figure) -> None:
    if fig.svg:
        width = doc.epw * 0.6
        doc.image(
            io.BytesIO(pdf_svg(fig.svg).encode("utf-8")), x=doc.l_margin + doc.epw * 0.2, w=width
        )
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

"""The report as one self-contained HTML page (Jinja template, inline CSS, inline SVG map:
no external resource, so the file can be mailed or archived as is)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from guidance.report.content import Figure, Paragraph, Report, Table


@cache
def _env():
    env = Environment(
        loader=PackageLoader("guidance.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["paragraph"] = lambda b: isinstance(b, Paragraph)
    env.tests["table"] = lambda b: isinstance(b, Table)
    env.tests["figure"] = lambda b: isinstance(b, Figure)
    return env


def render_html(report: Report) -> bytes:
    """The report as UTF-8 HTML. The map SVG comes from ``web.charts`` (which escapes every
    text it writes) and is inlined as markup; every other string is escaped."""
    page = _env().get_template("report.html").render(r=report, svg=Markup)
    return page.encode("utf-8")

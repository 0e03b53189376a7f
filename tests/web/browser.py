"""Browser-side helpers for the web tests: axe-core, the page-weight figures, forms."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SERIOUS = {"serious", "critical"}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    """axe-core's browser build, as shipped inside the PyPI package axe-playwright-python
    (installed by the test setup; axe's source is not copied into this repository)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


def axe_violations(page) -> list[dict]:  # noqa: ANN001 - playwright Page
    """Serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    page.evaluate(axe_source())
    res = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in res["violations"]
        if v["impact"] in SERIOUS
    ]


def page_weight(page) -> dict:  # noqa: ANN001
    """Bytes transferred for the document and its resources, and load timings (ms)."""
    return page.evaluate("""() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const bytes = nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0);
      return {bytes: bytes, requests: 1 + res.length, ttfb_ms: nav.responseStart,
              dom_ms: nav.domContentLoadedEventEnd,
              load_ms: nav.loadEventEnd, fcp_ms: fcp ? fcp.startTime : null};
    }""")


def no_horizontal_scroll(page) -> bool:  # noqa: ANN001
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

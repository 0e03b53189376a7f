"""Server-side SVG charts for the statistics pages and the yearly report (pure: no FastAPI,
no I/O besides reading the packaged boundaries once).

- :func:`province_map_svg`: a choropleth of the 34 provinces (2025) drawn from the packaged
  TopoJSON ``guidance/reference/data/vn34_topology.json`` (MIT, Talia Cao, from Open
  Development Vietnam; credits printed on the map). The arcs are decoded, projected and
  simplified once per process (:func:`province_shapes`).
- :func:`quadrant_svg`: employment rate (x) against in-trade rate (y) with lines at the
  averages.

Projection: equirectangular with the longitude scaled by cos 16° N (the middle of the
mainland), north up; good enough at this size for a country 15° tall. Palette: 5 classes of
viridis (colour-blind safe, readable in grey), light = low, dark = high; provinces with no
figure (none, or withheld) are hatched grey. Numbers follow the page language
(``1.234,5`` in Vietnamese). Only presentation attributes are used (no ``style``), so the
SVG works under the site's strict CSP.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

import numpy as np

from guidance import reference
from guidance.recommend.reasons import num_en, num_vi
from guidance.text import fold
from guidance.web.i18n import Translator

TOPOLOGY = "vn34_topology.json"
LAT0 = 16.0  # the projection's standard parallel (degrees north)
MAP_WIDTH = 520.0  # SVG user units of the map frame (the legend sits below)
SIMPLIFY = 0.35  # Douglas-Peucker tolerance, SVG units (about a third of a pixel at 1:1)
# viridis at 0.9, 0.7, 0.5, 0.3, 0.1 of its range: light (low) to dark (high)
PALETTE = ("#bddf26", "#5ec962", "#21918c", "#3b528b", "#482173")
NO_DATA = "#d0d0d0"
ISLAND_LON = 111.0  # rings east of this longitude: the offshore archipelagos
CREDITS = ("Talia Cao (MIT)", "Open Development Vietnam")
LEGEND_ROW = 34  # SVG units per legend line (20-unit text: ~11 px on a 360 px phone)


@dataclass(frozen=True)
class Shape:
    code: str  # province code of guidance.reference.provinces()
    name_vi: str
    name_en: str
    main: str  # SVG path of the mainland and near-shore rings
    islands: str  # SVG path of the rings east of ISLAND_LON ("" when none)
    label_xy: tuple[float, float]  # centre of the largest ring's bounding box


@dataclass(frozen=True)
class Shapes:
    width: float
    height: float
    provinces: tuple[Shape, ...]
    archipelagos: tuple[tuple[str, float, float], ...]  # (province code, x, y) label anchors


# -- geometry ---------------------------------------------------------------------------------


def _simplify(pts: np.ndarray, eps: float) -> np.ndarray:
    """Douglas-Peucker keeping both ends; a closed ring keeps its farthest point too."""
    n = len(pts)
    if n <= 2:
        return pts
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    if np.allclose(pts[0], pts[-1]):
        far = int(np.argmax(((pts - pts[0]) ** 2).sum(1)))
        keep[far] = True
        stack = [(0, far), (far, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        a, b = pts[i], pts[j]
        seg = pts[i + 1 : j]
        d = b - a
        norm = math.hypot(d[0], d[1])
        if norm == 0:
            dist = np.hypot(seg[:, 0] - a[0], seg[:, 1] - a[1])
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if dist[k] > eps:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return pts[keep]


def _ring_path(ring: np.ndarray) -> str:
    xy = np.round(ring, 1)
    body = " ".join(f"{x:g},{y:g}" for x, y in xy[:-1])
    return f"M{body}Z"


def _match(names: list[str]) -> dict[str, str]:
    """TopoJSON ``ten_tinh`` → province code, by folded name ("TP Hà Nội" → Hà Nội)."""
    ref = reference.provinces()
    by_fold = {fold(r.name_vi): str(r.province_code) for r in ref.itertuples()}
    by_fold["hcm"] = by_fold[fold("Hồ Chí Minh")]
    out = {}
    for name in names:
        key = fold(name)
        key = key[3:] if key.startswith("tp ") else key
        if key not in by_fold:
            raise ValueError(f"boundary {name!r} matches no province of the reference list")
        out[name] = by_fold[key]
    if sorted(out.values()) != sorted(by_fold[fold(n)] for n in ref["name_vi"]):
        raise ValueError("the boundaries do not cover the 34 provinces exactly once")
    return out


@cache
def province_shapes() -> Shapes:
    """The 34 provinces decoded from the packaged TopoJSON, projected and simplified
    (computed once per process)."""

    path = resources.files("guidance.reference").joinpath("data", TOPOLOGY)
    with path.open("rb") as fh:
        topo = json.load(fh)
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs_lonlat = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=np.float64), axis=0)  # delta-encoded
        arcs_lonlat.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]))
    allpts = np.vstack(arcs_lonlat)
    kx = math.cos(math.radians(LAT0))
    lon_min, lat_max = allpts[:, 0].min(), allpts[:, 1].max()
    span_x = (allpts[:, 0].max() - lon_min) * kx
    scale = (MAP_WIDTH - 20) / span_x
    height = (lat_max - allpts[:, 1].min()) * scale + 20

    def project(ll: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [(ll[:, 0] - lon_min) * kx * scale + 10, (lat_max - ll[:, 1]) * scale + 10]
        )

    arcs = [_simplify(project(a), SIMPLIFY) for a in arcs_lonlat]

    def ring(indices: list[int]) -> tuple[np.ndarray, bool]:
        parts: list[np.ndarray] = []
        for i in indices:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            parts.append(a if not parts else a[1:])
        pts = np.vstack(parts)
        lon = np.mean([arcs_lonlat[i if i >= 0 else ~i][:, 0].mean() for i in indices])
        return pts, bool(lon > ISLAND_LON)

    geoms = topo["objects"]["diaphantinhvn_merged"]["geometries"]
    codes = _match([g["properties"]["ten_tinh"] for g in geoms])
    ref = reference.provinces().set_index("province_code")
    shapes, archipelagos = [], []
    for g in geoms:
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        main: list[str] = []
        isl: list[str] = []
        best = (0.0, (0.0, 0.0))
        isl_pts: list[np.ndarray] = []
        for poly in polys:
            for k, idx in enumerate(poly):
                pts, offshore = ring(idx)
                (isl if offshore else main).append(_ring_path(pts))
                if offshore:
                    isl_pts.append(pts)
                elif k == 0:
                    lo, hi = pts.min(0), pts.max(0)
                    area = float((hi - lo).prod())
                    if area > best[0]:
                        best = (area, (float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2)))
        code = codes[g["properties"]["ten_tinh"]]
        if isl_pts:
            allp = np.vstack(isl_pts)
            lo, hi = allp.min(0), allp.max(0)
            archipelagos.append((code, float((lo[0] + hi[0]) / 2), float(lo[1] - 6)))
        shapes.append(
            Shape(
                code,
                str(ref.loc[code, "name_vi"]),
                str(ref.loc[code, "name_en"]),
                "".join(main),
                "".join(isl),
                best[1],
            )
        )
    shapes.sort(key=lambda s: s.code)
    return Shapes(MAP_WIDTH, float(height), tuple(shapes), tuple(archipelagos))


# -- numbers and classes ----------------------------------------------------------------------


def fmt_number(x: float, lang: str, digits: int = 0) -> str:
    """A number in the page's language: ``1.234,5`` (vi) or ``1,234.5`` (en)."""
    return num_vi(x, digits) if lang == "vi" else num_en(x, digits)


def fmt_value(x: float | None, lang: str, unit: str = "", digits: int = 0) -> str:
    """A figure with its unit: ``12,5%`` / ``12.5%``; ``4,2 triệu ₫`` style units are
    separated by a space. ``None`` → an em dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    s = fmt_number(x, lang, digits)
    return f"{s}{unit}" if unit in ("%", "") else f"{s} {unit}"


def _nice_step(raw: float) -> float:
    """The smallest step of the form {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8} × 10^k that is ≥ raw."""
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * mag >= raw * (1 - 1e-12):
            return m * mag
    return 10 * mag


def class_breaks(
    values: Sequence[float], n: int = len(PALETTE), upper: float | None = None
) -> list[float]:
    """``n + 1`` equal-interval breaks on a round step covering every value: class ``i`` is
    ``[b[i], b[i+1])``, the last one closed. ``upper`` (e.g. 100 for percentages) moves the
    classes down so that none lies wholly above it, when the values allow."""
    vals = [float(v) for v in values]
    if not vals:
        return [float(i) for i in range(n + 1)]
    lo, hi = min(vals), max(vals)
    step = _nice_step((hi - lo) / n) if hi > lo else 1.0
    if all(v == round(v) for v in vals):  # whole numbers (published percentages): whole steps
        step = max(step, 1.0)
    start = math.floor(lo / step + 1e-9) * step
    while start + n * step < hi:  # rounding the start down may push the top out
        step = _nice_step(step * 1.0001)
        start = math.floor(lo / step + 1e-9) * step
    if upper is not None and start + n * step > upper >= hi:
        start = max(upper - n * step, math.floor(lo / step + 1e-9) * step - (n - 1) * step)
        start = min(start, math.floor(lo / step + 1e-9) * step)
        while start > lo:
            start -= step
    return [round(start + i * step, 9) for i in range(n + 1)]


def class_of(value: float, breaks: Sequence[float]) -> int:
    n = len(breaks) - 1
    for i in range(n):
        if value < breaks[i + 1]:
            return i
    return n - 1


# -- the choropleth ---------------------------------------------------------------------------


def _attr(s: str) -> str:
    return escape(s, {'"': "&quot;"})


def province_map_svg(
    values: Mapping[str, float | None],
    *,
    lang: str,
    title: str,
    unit: str,
    legend_label: str,
    notes: Mapping[str, str] | None = None,
    highlight: str | None = None,
    digits: int = 0,
    id_prefix: str = "map",
) -> str:
    """A choropleth of the 34 provinces as a standalone ``<svg>`` element.

    ``values``: province code → figure (in ``unit``); a missing code or ``None`` is drawn
    hatched as "no figure", its ``notes`` entry (e.g. why it is withheld) in the hover
    title. ``highlight`` outlines one province. ``id_prefix`` keeps ids unique when a page
    holds several maps.
    """
    t = Translator(lang)
    shapes = province_shapes()
    notes = notes or {}
    known = {s.code for s in shapes.provinces}
    present = {
        c: float(v)
        for c, v in values.items()
        if c in known and v is not None and not (isinstance(v, float) and math.isnan(v))
    }
    breaks = class_breaks(list(present.values()), upper=100.0 if unit == "%" else None)
    legend_h = LEGEND_ROW * (len(PALETTE) + 1) + 80
    w, h = shapes.width, shapes.height
    total_h = h + legend_h
    hatch = f"{id_prefix}-nodata"
    name_key = "name_vi" if lang == "vi" else "name_en"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {total_h:.0f}" '
        f'class="chart chart-map" role="img" aria-label="{_attr(title)}" '
        'font-family="system-ui, sans-serif" '
        f'data-classes="{len(PALETTE)}">',
        f"<title>{escape(title)}</title>",
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{NO_DATA}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/>'
        "</pattern></defs>",
        '<g class="provinces">',
    ]
    for s in shapes.provinces:
        name = getattr(s, name_key)
        if s.code in present:
            v = present[s.code]
            fill = PALETTE[class_of(v, breaks)]
            label = f"{name}: {fmt_value(v, lang, unit, digits)}"
            cls = class_of(v, breaks)
            data_v = f' data-value="{v:g}" data-class="{cls}"'
        else:
            fill = f"url(#{hatch})"
            label = f"{name}: {notes.get(s.code) or t('chart.no_figure')}"
            data_v = ' data-value="" data-class="none"'
        hl = s.code == highlight
        mark = ' data-highlight="1"' if hl else ""
        out.append(
            f'<g data-province="{s.code}"{data_v} fill="{fill}"{mark}>'
            f"<title>{escape(label)}</title>"
            f'<path d="{s.main}" stroke="{"#000" if hl else "#fff"}" '
            f'stroke-width="{1.6 if hl else 0.5}" stroke-linejoin="round"/>'
        )
        if s.islands:
            out.append(
                f'<path data-part="islands" d="{s.islands}" stroke="{fill if s.code in present else "#888"}" '
                'stroke-width="1.2" stroke-linejoin="round"/>'
            )
        out.append("</g>")
    out.append("</g>")
    for code, x, y in shapes.archipelagos:
        key = "chart.hoang_sa" if code == "48" else "chart.truong_sa"
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="15" text-anchor="middle" '
            f'fill="#333">{escape(t(key))}</text>'
        )
    # legend
    y0 = h + 8
    out.append(
        f'<g class="map-legend" font-size="20" fill="#222">'
        f'<text x="10" y="{y0 + 20:.0f}" font-weight="bold">'
        f"{escape(legend_label)} ({escape(unit)})</text>"
    )
    for i, colour in enumerate(PALETTE):
        lo, hi = breaks[i], breaks[i + 1]
        d = digits if any(b != round(b) for b in breaks) else 0
        d = max(d, 0 if all(b == round(b) for b in breaks) else 1)
        text = f"{fmt_number(lo, lang, d)}–{fmt_value(hi, lang, unit, d)}"
        yy = y0 + 34 + LEGEND_ROW * i
        out.append(
            f'<g data-legend-class="{i}" data-lo="{lo:g}" data-hi="{hi:g}">'
            f'<rect x="10" y="{yy:.0f}" width="40" height="24" fill="{colour}" '
            'stroke="#555" stroke-width="0.5"/>'
            f'<text x="60" y="{yy + 19:.0f}">{escape(text)}</text></g>'
        )
    yy = y0 + 34 + LEGEND_ROW * len(PALETTE)
    out.append(
        f'<g data-legend-class="none"><rect x="10" y="{yy:.0f}" width="40" height="24" '
        f'fill="url(#{hatch})" stroke="#555" stroke-width="0.5"/>'
        f'<text x="60" y="{yy + 19:.0f}">{escape(t("chart.no_figure_legend"))}</text></g>'
    )
    out.append("</g>")
    credit = t("chart.credits").format(source=", ".join(CREDITS))
    out.append(
        f'<text class="credits" x="10" y="{total_h - 10:.0f}" font-size="14" '
        f'fill="#444">{escape(credit)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


# -- the quadrant -----------------------------------------------------------------------------


def quadrant_svg(
    points: Sequence[Mapping[str, object]],
    *,
    x_avg: float,
    y_avg: float,
    lang: str,
    title: str,
    x_label: str,
    y_label: str,
    unit: str = "%",
    id_prefix: str = "quad",
) -> str:
    """Employment rate (x) against in-trade rate (y), both 0–100 (percent), with dashed
    lines at the averages and the four quadrants named. ``points``: mappings with ``x``,
    ``y``, ``label`` and optionally ``id`` and ``href`` (the point becomes a link); the
    label and both figures are the point's hover title. With links the ``<svg>`` is a
    ``role="group"`` (else ``img``) and its links are out of the tab order (the page's table
    holds the same links)."""
    t = Translator(lang)
    size, pad_l, pad_b, pad = 360.0, 48.0, 44.0, 12.0
    w, h = pad_l + size + pad, pad + size + pad_b

    def px(v: float) -> float:
        return pad_l + max(0.0, min(100.0, v)) / 100 * size

    def py(v: float) -> float:
        return pad + (1 - max(0.0, min(100.0, v)) / 100) * size

    # with links inside, the chart is a group (an image may not hold interactive content);
    # the links are out of the tab order: the table beside the chart holds the same links
    role = "group" if any(p.get("href") for p in points) else "img"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}" '
        f'class="chart chart-quadrant" role="{role}" aria-label="{_attr(title)}" '
        'font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{pad_l}" y="{pad}" width="{size}" height="{size}" fill="#fafafa" '
        'stroke="#888" stroke-width="1"/>',
    ]
    for v in (0, 25, 50, 75, 100):
        out.append(
            f'<text x="{px(v):.1f}" y="{pad + size + 16:.1f}" font-size="11" '
            f'text-anchor="middle" fill="#333">{fmt_value(v, lang, unit)}</text>'
            f'<text x="{pad_l - 6:.1f}" y="{py(v) + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#333">{fmt_value(v, lang, unit)}</text>'
        )
    out.append(
        f'<text x="{pad_l + size / 2:.1f}" y="{h - 6:.1f}" font-size="12" '
        f'text-anchor="middle" fill="#222">{escape(x_label)}</text>'
    )
    out.append(
        f'<text x="12" y="{pad + size / 2:.1f}" font-size="12" text-anchor="middle" '
        f'fill="#222" transform="rotate(-90 12 {pad + size / 2:.1f})">'
        f"{escape(y_label)}</text>"
    )
    ax, ay = px(x_avg), py(y_avg)
    out.append(
        f'<line x1="{ax:.1f}" y1="{pad}" x2="{ax:.1f}" y2="{pad + size}" stroke="#555" '
        'stroke-dasharray="4 3" data-avg="x"/>'
        f'<line x1="{pad_l}" y1="{ay:.1f}" x2="{pad_l + size}" y2="{ay:.1f}" '
        'stroke="#555" stroke-dasharray="4 3" data-avg="y"/>'
    )
    quads = (
        ("chart.q_high_high", pad_l + size - 4, pad + 14, "end"),
        ("chart.q_low_high", pad_l + 4, pad + 14, "start"),
        ("chart.q_high_low", pad_l + size - 4, pad + size - 6, "end"),
        ("chart.q_low_low", pad_l + 4, pad + size - 6, "start"),
    )
    for key, x, y, anchor in quads:
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="{anchor}" '
            f'fill="#333" data-quadrant="{key.split(".")[1]}">{escape(t(key))}</text>'
        )
    out.append('<g class="points">')
    for p in points:
        x, y = float(p["x"]), float(p["y"])  # type: ignore[arg-type]
        label = (
            f"{p['label']}: {x_label} {fmt_value(x, lang, unit)}, "
            f"{y_label} {fmt_value(y, lang, unit)}"
        )
        circle = (
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="5" fill="#21918c" '
            f'fill-opacity="0.8" stroke="#14525c" stroke-width="1" '
            f'data-id="{_attr(str(p.get("id", "")))}"'
        )
        title = f"<title>{escape(label)}</title>"
        href = p.get("href")
        # the title names the link (or the point) and is its hover text: one copy
        out.append(
            f'<a href="{_attr(str(href))}" tabindex="-1">{title}{circle}/></a>'
            if href
            else f"{circle}>{title}</circle>"
        )
    out.append("</g></svg>")
    return "".join(out)

"""The SVG charts without a browser: the map of the 34 provinces and the quadrant."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest

from guidance.reference import provinces
from guidance.web.charts import (
    CREDITS,
    PALETTE,
    _match,
    class_breaks,
    class_of,
    fmt_value,
    province_map_svg,
    province_shapes,
    quadrant_svg,
)

NS = {"s": "http://www.w3.org/2000/svg"}
CODES = sorted(provinces()["province_code"])


def _map(values, lang="vi", **kw) -> ET.Element:
    svg = province_map_svg(
        values,
        lang=lang,
        title="Tỷ lệ có việc làm",
        unit="%",
        legend_label="Có việc làm sau 12 tháng",
        **kw,
    )
    return ET.fromstring(svg)


def _provinces(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-province"): g for g in root.iterfind(".//s:g[@data-province]", NS)}


def test_map_is_valid_svg_with_the_34_provinces_by_code() -> None:
    root = _map({c: 50.0 + i for i, c in enumerate(CODES)})
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "Tỷ lệ có việc làm"
    got = _provinces(root)
    assert sorted(got) == CODES and len(CODES) == 34
    for g in got.values():  # each province has a shape with a drawn outline and a hover title
        d = g.find("s:path", NS).get("d")
        assert d.startswith("M") and d.count(",") >= 3
        assert g.find("s:title", NS).text
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert all(c in text for c in CREDITS)
    assert "Quần đảo Hoàng Sa" in text and "Quần đảo Trường Sa" in text


def test_offshore_archipelagos_are_drawn_as_the_source_draws_them() -> None:
    shapes = {s.code: s for s in province_shapes().provinces}
    assert shapes["48"].islands.count("M") >= 5  # Hoàng Sa, in Đà Nẵng
    assert shapes["56"].islands.count("M") >= 20  # Trường Sa, in Khánh Hòa
    assert sum(bool(s.islands) for s in shapes.values()) == 2
    assert {c for c, _, _ in province_shapes().archipelagos} == {"48", "56"}


def test_province_without_figure_is_hatched_with_its_note() -> None:
    values = {c: 70.0 for c in CODES if c != "01"}
    values["01"] = None
    root = _map(
        {k: v for k, v in values.items() if k != "12"}, notes={"01": "ít hơn 20 người trả lời"}
    )
    got = _provinces(root)
    for code in ("01", "12"):  # None, and absent
        assert got[code].get("data-class") == "none"
        assert got[code].get("fill").startswith("url(#")
        assert got[code].get("data-value") == ""
    assert got["01"].find("s:title", NS).text == "Hà Nội: ít hơn 20 người trả lời"
    assert got["12"].find("s:title", NS).text == "Lai Châu: không có số liệu"
    assert got["79"].get("fill") in PALETTE
    legend = root.find(".//s:g[@data-legend-class='none']", NS)
    assert legend is not None and legend.find("s:rect", NS).get("fill") == got["01"].get("fill")


def test_legend_classes_cover_the_values_and_colour_them() -> None:
    rng = random.Random(3)
    values = {c: round(rng.uniform(31, 97), 1) for c in CODES}
    root = _map(values, digits=1)
    legend = {
        int(g.get("data-legend-class")): g
        for g in root.iterfind(".//s:g[@data-legend-class]", NS)
        if g.get("data-legend-class") != "none"
    }
    assert sorted(legend) == list(range(len(PALETTE)))
    for code, g in _provinces(root).items():
        k = int(g.get("data-class"))
        lo, hi = float(legend[k].get("data-lo")), float(legend[k].get("data-hi"))
        assert lo <= values[code] <= hi, (code, values[code], lo, hi)
        assert g.get("fill") == legend[k].find("s:rect", NS).get("fill") == PALETTE[k]
    assert float(legend[len(PALETTE) - 1].get("data-hi")) <= 100  # percentages stay ≤ 100 %


@pytest.mark.parametrize(
    "values",
    [[40, 95], [0, 100], [63, 64], [5], [12.5, 13.7, 18.2], [-3, 4], [1_000_000, 4_500_000]],
)
def test_class_breaks_cover_every_value(values) -> None:
    b = class_breaks(values)
    assert len(b) == len(PALETTE) + 1 and b == sorted(b)
    assert b[0] <= min(values) and max(values) <= b[-1]
    for v in values:
        k = class_of(v, b)
        assert b[k] <= v <= b[k + 1]


def test_numbers_follow_the_language() -> None:
    assert fmt_value(12.5, "vi", "%", 1) == "12,5%"
    assert fmt_value(12.5, "en", "%", 1) == "12.5%"
    assert fmt_value(1234567, "vi", "₫") == "1.234.567 ₫"
    assert fmt_value(None, "vi", "%") == "—"
    vi = _provinces(_map({"79": 62.5, "01": 1234.5}, digits=1))
    assert vi["79"].find("s:title", NS).text == "Hồ Chí Minh: 62,5%"
    assert vi["01"].find("s:title", NS).text == "Hà Nội: 1.234,5%"
    en = _provinces(_map({"79": 62.5}, lang="en", digits=1))
    assert en["79"].find("s:title", NS).text == "Ho Chi Minh City: 62.5%"
    root = _map({"79": 12.2, "01": 13.0}, digits=1)
    legend = [t.text for t in root.iterfind(".//s:g[@data-legend-class]/s:text", NS)]
    assert legend[0] == "12,2–12,4%" and legend[-1] == "Không có số liệu hoặc bị ẩn"


def test_highlight_outlines_one_province() -> None:
    got = _provinces(_map({c: 70.0 for c in CODES}, highlight="56"))
    assert [c for c, g in got.items() if g.get("data-highlight")] == ["56"]


def test_boundary_names_must_match_the_reference() -> None:
    with pytest.raises(ValueError, match="Atlantis"):
        _match(["Atlantis"])
    with pytest.raises(ValueError, match="34 provinces"):
        _match(["TP Hà Nội"])


def test_quadrant_is_valid_svg_with_points_averages_and_labels() -> None:
    pts = [
        {
            "x": 80,
            "y": 60,
            "label": "Điện & <Nước>",
            "href": "/stats/offering/P1?a=1&b=2",
            "id": "P1",
        },
        {"x": 41, "y": 20, "label": "Hàn"},
    ]
    svg = quadrant_svg(
        pts,
        x_avg=60,
        y_avg=40,
        lang="vi",
        title="Góc phần tư",
        x_label="Có việc làm",
        y_label="Đúng nghề",
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "group" and root.get("aria-label") == "Góc phần tư"
    circles = list(root.iterfind(".//s:circle", NS))
    assert len(circles) == 2
    link = root.find(".//s:a", NS)
    # the hover title: the link's (it names the link) or the point's
    titles = [link.find("s:title", NS).text, circles[1].find("s:title", NS).text]
    assert titles[0] == "Điện & <Nước>: Có việc làm 80%, Đúng nghề 60%"
    assert titles[1] == "Hàn: Có việc làm 41%, Đúng nghề 20%"
    assert link.get("href") == "/stats/offering/P1?a=1&b=2" and link.get("tabindex") == "-1"
    assert link.find("s:circle", NS) is circles[0]
    no_links = quadrant_svg(
        pts[1:], x_avg=60, y_avg=40, lang="en", title="Q", x_label="x", y_label="y"
    )
    assert ET.fromstring(no_links).get("role") == "img"
    # the x average at 60 % lies right of the 41 % point and left of the 80 % one
    xline = root.find(".//s:line[@data-avg='x']", NS)
    ax = float(xline.get("x1"))
    assert float(circles[1].get("cx")) < ax < float(circles[0].get("cx"))
    yline = root.find(".//s:line[@data-avg='y']", NS)
    assert float(circles[0].get("cy")) < float(yline.get("y1")) < float(circles[1].get("cy"))
    quads = {t.get("data-quadrant") for t in root.iterfind(".//s:text[@data-quadrant]", NS)}
    assert quads == {"q_high_high", "q_low_high", "q_high_low", "q_low_low"}

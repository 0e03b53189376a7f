"""The pure parts of the occupation and programme pages (``guidance.explore``)."""

from __future__ import annotations

import pytest

from guidance.explore import (
    also_at,
    demand_by_province,
    month_axis,
    near_first,
    riasec_letters,
    total_tuition,
)
from guidance.features.interest import LETTER_WEIGHTS
from guidance.geo import haversine_km
from guidance.web.i18n import catalogue

CENTRES = {"01": (21.03, 105.70), "79": (10.78, 106.70), "48": (16.05, 108.20)}


def _p(pid: str, prov: str, **kw) -> dict:
    return {
        "programme_id": pid,
        "province_code": prov,
        "name_vi": kw.pop("name", pid),
        "programme_code": "C",
        "level": "trung_cap",
        "institution_id": "I" + pid,
        "active": True,
        **kw,
    }


def test_riasec_letters_carry_the_interest_fit_weights() -> None:
    assert riasec_letters("ric") == [
        {"letter": "R", "type": "r", "weight": LETTER_WEIGHTS[0]},
        {"letter": "I", "type": "i", "weight": LETTER_WEIGHTS[1]},
        {"letter": "C", "type": "c", "weight": LETTER_WEIGHTS[2]},
    ]
    assert riasec_letters(None) == [] and riasec_letters("RX") == [riasec_letters("R")[0]]
    # the page's sentence about the weights says the same numbers
    vi, en = catalogue("vi")["explore.riasec_fit"], catalogue("en")["explore.riasec_fit"]
    for w in LETTER_WEIGHTS:
        assert f"{w:g}".replace(".", ",") in vi and f"{w:g}" in en


def test_near_first_sorts_by_distance_then_name_and_caps() -> None:
    rows = [_p("A", "79"), _p("B", "48"), _p("C", "01", name="b"), _p("D", "01", name="a")]
    out, total = near_first(rows, "01", CENTRES, limit=3)
    assert total == 4 and [r["programme_id"] for r in out] == ["D", "C", "B"]
    assert out[0]["distance_km"] == 0.0
    assert out[2]["distance_km"] == pytest.approx(
        float(haversine_km(*CENTRES["01"], *CENTRES["48"]))
    )
    out, _ = near_first(rows, None, CENTRES)
    assert [r["programme_id"] for r in out] == ["D", "C", "B", "A"]  # by province, then name
    assert all(r["distance_km"] is None for r in out)
    assert len(near_first(rows * 50, "01", CENTRES, limit=10_000)[0]) == 100  # MAX_NEAR


def test_also_at_is_the_same_code_and_level_elsewhere_and_active() -> None:
    me = _p("A", "01")
    same = [
        me,
        _p("B", "79"),
        _p("C", "48"),
        _p("D", "01", level="cao_dang"),
        _p("E", "01", active=False),
        {**_p("F", "01"), "institution_id": "IA"},  # another offering of my institution
    ]
    out, total = also_at(me, same, CENTRES)
    assert [r["programme_id"] for r in out] == ["C", "B"] and total == 2


@pytest.mark.parametrize(
    ("per_year", "months", "total"),
    [(10_000_000, 30, 25_000_000), (2_100_000, 3, 2_100_000), (None, 12, None), (5, None, None)],
)
def test_total_tuition_counts_a_short_course_as_a_year(per_year, months, total) -> None:
    assert total_tuition(per_year, months) == total


def test_demand_by_province_fills_missing_months_and_keeps_the_newest_wage() -> None:
    assert month_axis(["2026-01", "2025-11"]) == ["2025-11", "2025-12", "2026-01"]
    rows = [
        {
            "period": "2025-11",
            "province_code": "01",
            "vacancies": 30,
            "job_seekers": 10,
            "median_wage_vnd": 7_000_000,
        },
        {
            "period": "2026-01",
            "province_code": "01",
            "vacancies": 60,
            "job_seekers": None,
            "median_wage_vnd": None,
        },
        {
            "period": "2026-01",
            "province_code": "79",
            "vacancies": 120,
            "job_seekers": 45,
            "median_wage_vnd": 9_000_000,
        },
    ]
    out = demand_by_province(rows)
    assert out["period"] == "2026-01"
    hn = next(r for r in out["rows"] if r["province_code"] == "01")
    assert hn["vacancies"] == pytest.approx(30.0)  # (30 + 0 + 60) / 3: the gap month is 0
    assert hn["median_wage_vnd"] == 7_000_000  # the newest month that reported a wage
    assert hn["job_seekers"] == pytest.approx(10 / 3)
    assert [r["province_code"] for r in out["rows"]] == ["79", "01"]
    assert (out["wage_min"], out["wage_max"]) == (7_000_000, 9_000_000)
    assert demand_by_province([]) == {
        "period": None,
        "rows": [],
        "wage_min": None,
        "wage_max": None,
    }

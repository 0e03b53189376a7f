"""Salary text -> monthly VND range."""

from __future__ import annotations

import pytest

from guidance.postings.salary import HOURS_PER_MONTH, parse_salary

M = 1_000_000


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("10 - 15 triệu", 10 * M, 15 * M),
        ("11 Tr - 13 Tr VND", 11 * M, 13 * M),
        ("20tr-30tr ₫/tháng", 20 * M, 30 * M),
        ("28 - 30 million vnd", 28 * M, 30 * M),
        ("13-20m", 13 * M, 20 * M),
        ("Up to 40m vnd", None, 40 * M),
        ("Lên đến 40 Tr VND", None, 40 * M),
        ("Tới 25 triệu", None, 25 * M),
        ("Từ 8 triệu", 8 * M, None),
        ("Trên 20 triệu", 20 * M, None),
        ("Up to 45.000.000đ", None, 45 * M),
        ("25.000.000 - 40.000.000", 25 * M, 40 * M),
        # yearly: 240 and 360 million a year are 20 and 30 million a month
        ("240tr-360tr ₫/năm", 20 * M, 30 * M),
    ],
)
def test_vnd_forms(text, lo, hi):
    s = parse_salary(text)
    assert (s.min_vnd, s.max_vnd, s.status) == (lo, hi, "range")


def test_usd_uses_the_given_rate():
    s = parse_salary("$ 1,000-2,000 /tháng", usd_rate=25_000)
    assert (s.min_vnd, s.max_vnd) == (25 * M, 50 * M)
    assert parse_salary("1,000 - 1,500 USD", usd_rate=20_000).max_vnd == 30 * M
    assert parse_salary("Up to 1400$", usd_rate=25_000).max_vnd == 35 * M


def test_usd_yearly_with_k():
    # $18k a year at 24,000 VND/USD = 432 million a year = 36 million a month
    assert parse_salary("Up to $18k/year", usd_rate=24_000).max_vnd == 36 * M


def test_bare_itviec_numbers_are_usd():
    s = parse_salary("1500-3000", usd_rate=20_000)
    assert (s.min_vnd, s.max_vnd) == (30 * M, 60 * M)


def test_hourly():
    s = parse_salary("50.000 đ/giờ")
    assert s.min_vnd == 50_000 * HOURS_PER_MONTH


@pytest.mark.parametrize(
    "text",
    [
        "Thỏa thuận",
        "Thoả thuận",
        "Cạnh tranh",
        "Negotiable",
        "Competitive",
        "You'll love it",
        "Thương lượng",
        "Very attractive!!!",
        "Upto 30 month salary/year",
    ],
)
def test_negotiable_is_unknown_not_an_error(text):
    s = parse_salary(text)
    assert (s.min_vnd, s.max_vnd, s.status) == (None, None, "negotiable")


@pytest.mark.parametrize("text", ["Tới 50 ₫/tháng", "lương xyz 99999999999", "??"])
def test_unparseable_is_flagged(text):
    assert parse_salary(text).status == "unparsed"


def test_empty():
    assert parse_salary("").status == "empty"
    assert parse_salary(None).status == "empty"


def test_midpoint():
    assert parse_salary("10 - 20 triệu").midpoint == 15 * M
    assert parse_salary("Từ 8 triệu").midpoint == 8 * M
    assert parse_salary("Thỏa thuận").midpoint is None

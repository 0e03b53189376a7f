"""Location text -> 2025 province codes and buckets."""

from __future__ import annotations

import pytest

from guidance.postings.location import DISTRICT_ALIASES, parse_location
from guidance.reference import provinces


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Hà Nội", ("01",)),
        ("Ha Noi", ("01",)),
        ("Hồ Chí Minh (mới)", ("79",)),
        ("Đà Nẵng (mới)", ("48",)),
        ("Hà Nội | Hồ Chí Minh", ("01", "79")),
        ("Hà Nội, Hồ Chí Minh (mới)", ("01", "79")),
        ("Hải Phòng | Quảng Ninh", ("31", "22")),
        # addresses: the province at the end wins
        ("152 Dien Bien Phu, Thanh My Tay Ward, Binh Thanh, Ho Chi Minh", ("79",)),
        ("Tòa nhà MB, số 18 Lê Văn Lương, Cau Giay, Ha Noi", ("01",)),
        # former districts / cities, through our alias table
        ("Thủ Đức", ("79",)),
        ("Biên Hòa", ("75",)),
        ("Thủ Dầu Một", ("79",)),
        ("Quận 7", ("79",)),
        ("Remote, Ba Dinh, Ha Noi", ("01",)),
    ],
)
def test_provinces(text, codes):
    loc = parse_location(text)
    assert loc.codes == codes
    assert loc.unparsed == ()


def test_old_provinces_are_mapped_and_counted():
    loc = parse_location("Bình Dương")  # merged into Hồ Chí Minh City in 2025
    assert loc.codes == ("79",) and loc.old_names == 1
    loc = parse_location("Quốc tế | Bắc Ninh | Bắc Giang")  # Bắc Giang merged into Bắc Ninh
    assert loc.codes == ("24",) and loc.buckets == ("abroad",)


@pytest.mark.parametrize(
    ("text", "bucket"),
    [
        ("Toàn quốc", "nationwide"),
        ("Remote", "nationwide"),
        ("Nước Ngoài", "abroad"),
        ("Nhật Bản", "abroad"),
        ("Quốc tế", "abroad"),
    ],
)
def test_buckets_are_not_provinces(text, bucket):
    loc = parse_location(text)
    assert loc.codes == () and loc.buckets == (bucket,) and loc.n_places == 1


def test_mixed_list_counts_every_place():
    loc = parse_location("Hồ Chí Minh | Hà Nội | Quốc tế")
    assert loc.codes == ("79", "01") and loc.buckets == ("abroad",) and loc.n_places == 3


@pytest.mark.parametrize("text", ["Atlantis", "Prey Veng", "Other", "12345 xyz"])
def test_unknown_is_not_guessed(text):
    loc = parse_location(text)
    assert loc.codes == () and loc.buckets == () and loc.n_places == 0


def test_partly_unknown_list_keeps_the_known_part():
    loc = parse_location("Hà Nội | Atlantis")
    assert loc.codes == ("01",) and loc.unparsed == ("Atlantis",)


def test_alias_targets_are_2025_provinces():
    valid = set(provinces()["province_code"])
    assert set(DISTRICT_ALIASES.values()) <= valid

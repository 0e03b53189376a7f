from __future__ import annotations

import numpy as np
import pytest

from guidance.geo import haversine_km
from guidance.text import fold


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Kế toán doanh nghiệp", "ke toan doanh nghiep"),
        ("Đà Nẵng", "da nang"),
        ("  Thành   phố  Hồ Chí Minh ", "thanh pho ho chi minh"),
        ("Điện công nghiệp", "dien cong nghiep"),
        (None, ""),
    ],
)
def test_fold_strips_diacritics_and_case(raw, folded):
    assert fold(raw) == folded


def test_fold_treats_composed_and_decomposed_alike():
    import unicodedata

    s = "Nuôi trồng thủy sản"
    assert fold(unicodedata.normalize("NFD", s)) == fold(unicodedata.normalize("NFC", s))


def test_haversine_known_distance():
    # Hà Nội (21.0285, 105.8542) to Hồ Chí Minh City (10.8231, 106.6297): about 1,140 km.
    d = float(haversine_km(21.0285, 105.8542, 10.8231, 106.6297))
    assert 1120 < d < 1160


def test_haversine_vectorised_and_zero():
    lat = np.array([21.0, 16.05])
    lon = np.array([105.8, 108.2])
    assert np.allclose(haversine_km(lat, lon, lat, lon), 0.0)

"""THE distance between provinces: haversine between centres, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from guidance.geo import EARTH_RADIUS_KM, distance_matrix_km, haversine_km


def test_quarter_meridian_by_hand():
    # equator to pole along a meridian: a quarter of the circumference
    assert float(haversine_km(0.0, 0.0, 90.0, 0.0)) == pytest.approx(np.pi / 2 * EARTH_RADIUS_KM)
    # one degree of longitude on the equator
    assert float(haversine_km(0.0, 105.0, 0.0, 106.0)) == pytest.approx(
        EARTH_RADIUS_KM * np.pi / 180
    )


def test_matrix_is_the_pairwise_distance():
    lat, lon = np.array([21.0285, 10.8231, 16.0]), np.array([105.8542, 106.6297, 108.2])
    d = distance_matrix_km(lat, lon)
    assert d.shape == (3, 3)
    assert np.allclose(np.diag(d), 0.0) and np.allclose(d, d.T)
    assert d[0, 1] == pytest.approx(1137, abs=5)  # Hà Nội – TP. Hồ Chí Minh
    assert d[0, 1] == float(haversine_km(lat[0], lon[0], lat[1], lon[1]))

"""THE distance between places: great-circle (haversine) distance in km between centres."""

from __future__ import annotations

from typing import Any

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in km; works on scalars and numpy arrays alike (broadcasting).
    Province to province is centre to centre: pass the provinces' ``lat``/``lon``."""
    la1, lo1, la2, lo2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def distance_matrix_km(lat: Any, lon: Any) -> np.ndarray:
    """Distances between every pair of centres (``lat``/``lon`` of n places → n × n)."""
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return haversine_km(la[:, None], lo[:, None], la[None, :], lo[None, :])

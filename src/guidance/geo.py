"""THE distance between places: great-circle (haversine) distance in km between centres;
and THE neighbouring provinces (a shared boundary), which make the default study area."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
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


TOPOLOGY = "vn34_topology.json"  # the packaged 2025 boundaries (see reference/data/SOURCES.md)


@cache
def neighbours() -> dict[str, frozenset[str]]:
    """THE neighbouring provinces: 2025 province code → the codes of the provinces that share
    a boundary with it, read from the packaged TopoJSON (two provinces are neighbours when
    their outlines share an arc). Computed once per process (~40 ms, measured; see
    ``tests/test_geo_neighbours.py``). A coast or an island shares no arc: never a
    neighbour."""
    from guidance.reference import resolve_province

    path = resources.files("guidance.reference").joinpath("data", TOPOLOGY)
    with path.open("rb") as fh:
        topo = json.load(fh)
    owners: dict[int, set[str]] = {}
    for g in topo["objects"]["diaphantinhvn_merged"]["geometries"]:
        code, _ = resolve_province(g["properties"]["ten_tinh"])
        if code is None:
            raise ValueError(f"boundary {g['properties']['ten_tinh']!r} matches no province")
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        for poly in polys:
            for ring in poly:
                for a in ring:
                    owners.setdefault(a if a >= 0 else ~a, set()).add(code)
    out: dict[str, set[str]] = {}
    for codes in owners.values():
        for c in codes:
            out.setdefault(c, set()).update(codes - {c})
    return {c: frozenset(n) for c, n in sorted(out.items())}


def near_area(home: str) -> frozenset[str]:
    """The default study area of a learner: the home province and its neighbours (a code
    outside the packaged boundaries: the home province alone)."""
    return frozenset({home, *neighbours().get(home, ())})

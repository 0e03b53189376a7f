"""Reference data shipped inside the package (see ``data/SOURCES.md``).

The product never reads ``../shared`` at run time: every taxonomy it needs is
copied into ``data/`` with its source noted. Loaders are cached and return
copies, so callers may modify what they get.

Files (all UTF-8 CSV, codes as strings):

- ``provinces.csv``: province_code, name_vi, name_en, region, lat, lon
  (the 34 provinces in force since 2025-07-01; contract ``provinces`` columns)
- ``province_crosswalk.csv``: old_code, old_name_vi, new_code, new_name_vi (63 → 34)
- ``isco08.csv``: code, level (1–4), name_en (every ISCO-08 group)
- ``occupations.csv``: occupation_code, name_en, name_vi, riasec, skill_level,
  riasec_source (``onet`` | ``minor_group``), name_vi_source
  (contract ``occupations`` columns plus provenance; unit groups only)
- ``isced_f.csv``: broad_code, broad_name, narrow_code, narrow_name,
  detailed_code, detailed_name
- ``training_occupations.csv``: the national catalogue of vocational training
  occupations: programme_code, level, name_vi, name_en, field_code,
  target_occupations (``;``-separated ISCO), duration_months, code_certain
- ``wards.csv``: ward_code, name_vi, province_code (2025 communes/wards)
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

REGIONS = (
    "red_river_delta",
    "northern_midlands_mountains",
    "north_central_and_central_coast",
    "central_highlands",
    "southeast",
    "mekong_delta",
)
LEVELS = ("so_cap", "trung_cap", "cao_dang")

_STR_COLUMNS = {
    "province_code", "old_code", "new_code", "code", "occupation_code", "broad_code",
    "narrow_code", "detailed_code", "programme_code", "field_code", "target_occupations",
    "ward_code",
}


@lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    path = resources.files("guidance.reference").joinpath("data", name)
    with path.open("rb") as fh:
        header = pd.read_csv(fh, nrows=0).columns
    dtype = {c: "string" for c in header if c in _STR_COLUMNS}
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype=dtype, keep_default_na=False, na_values=[""])


def provinces() -> pd.DataFrame:
    """The 34 provinces (2025): contract ``provinces`` columns."""
    return _read("provinces.csv").copy()


def province_crosswalk() -> pd.DataFrame:
    """The 63 → 34 crosswalk: old_code, old_name_vi, new_code, new_name_vi."""
    return _read("province_crosswalk.csv").copy()


def isco_groups() -> pd.DataFrame:
    """Every ISCO-08 group (levels 1–4) with its English name."""
    return _read("isco08.csv").copy()


def occupations() -> pd.DataFrame:
    """ISCO-08 unit groups: contract ``occupations`` columns plus provenance."""
    return _read("occupations.csv").copy()


def isced_fields() -> pd.DataFrame:
    """ISCED-F 2013 fields (broad / narrow / detailed)."""
    return _read("isced_f.csv").copy()


def training_occupations() -> pd.DataFrame:
    """The national catalogue of vocational training occupations."""
    return _read("training_occupations.csv").copy()


def wards() -> pd.DataFrame:
    """2025 communes/wards with their province."""
    return _read("wards.csv").copy()


def summary() -> dict[str, int]:
    """Row counts of every shipped table (for ``guidance info``)."""
    loaders = {
        "provinces": provinces, "province_crosswalk": province_crosswalk,
        "isco08": isco_groups, "occupations": occupations, "isced_f": isced_fields,
        "training_occupations": training_occupations, "wards": wards,
    }
    return {name: len(f()) for name, f in loaders.items()}

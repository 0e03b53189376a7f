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
- ``isco_onet_map.csv``: occupation_code, onet_soc_code, onet_title (the O*NET
  occupations whose interest scores gave ``riasec`` where ``riasec_source`` is ``onet``)
- ``tuition_exemptions.csv``: rule_id, level, education_level, exempt_share, name_vi,
  name_en, legal_source, verified, note_vi, note_en (tuition exemptions the law gives that a
  profile decides; ``guidance.recommend.tuition`` applies them)
- ``isco_minor_descriptions.csv``: code (ISCO-08 minor group, 3 digits), description_vi,
  description_en: what the work is, in plain words, for every minor group the national
  training catalogue trains for (written by the project; see ``data/SOURCES.md``)
- ``legal_min_ages.csv``: rule_id, isco_codes (``;``-separated ISCO-08 unit groups),
  name_pattern (a regular expression over the folded Vietnamese programme name), min_age,
  status (``law`` | ``unclear``), trade_vi, trade_en, source (law/decree/circular,
  article, year), url, note: legal minimum ages of regulated trades (hand-entered by the
  project from the sources named; ``unclear`` rows are not verified and only flag)
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

import pandas as pd

from guidance.text import fold

REGIONS = (
    "red_river_delta",
    "northern_midlands_mountains",
    "north_central_and_central_coast",
    "central_highlands",
    "southeast",
    "mekong_delta",
)
LEVELS = ("so_cap", "trung_cap", "cao_dang")
# A Holland letter joins an O*NET-derived code when its mean score (1–7 scale) is within
# this margin of the top score; see data/SOURCES.md.
RIASEC_MARGIN = 1.5

_STR_COLUMNS = {
    "province_code",
    "old_code",
    "new_code",
    "code",
    "occupation_code",
    "broad_code",
    "narrow_code",
    "detailed_code",
    "programme_code",
    "field_code",
    "target_occupations",
    "ward_code",
    "onet_soc_code",
    "isco_codes",
    "name_pattern",
}


@cache
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


def tuition_exemptions() -> pd.DataFrame:
    """The tuition exemptions decidable from a profile (``tuition_exemptions.csv``)."""
    return _read("tuition_exemptions.csv").copy()


def isco_onet_map() -> pd.DataFrame:
    """ISCO unit group → O*NET-SOC occupations used for its Holland code."""
    return _read("isco_onet_map.csv").copy()


def occupation_descriptions() -> pd.DataFrame:
    """ISCO-08 minor group (3 digits) → what the work is (Vietnamese, English)."""
    return _read("isco_minor_descriptions.csv").copy()


def legal_min_ages() -> pd.DataFrame:
    """Legal minimum ages of regulated trades, each row with its legal source (``law``:
    read in the source; ``unclear``: not verified, flag only)."""
    return _read("legal_min_ages.csv").copy()


def wards() -> pd.DataFrame:
    """2025 communes/wards with their province."""
    return _read("wards.csv").copy()


def summary() -> dict[str, int]:
    """Row counts of every shipped table (for ``guidance info``)."""
    loaders = {
        "provinces": provinces,
        "province_crosswalk": province_crosswalk,
        "isco08": isco_groups,
        "occupations": occupations,
        "isced_f": isced_fields,
        "training_occupations": training_occupations,
        "wards": wards,
        "isco_onet_map": isco_onet_map,
        "legal_min_ages": legal_min_ages,
    }
    return {name: len(f()) for name, f in loaders.items()}


# Province resolution ------------------------------------------------------

# Common spellings that neither the official name nor its ASCII form covers.
# Values are new (2025) codes; none of these is flagged as an old province.
_PROVINCE_ALIASES = {
    "hcm": "79",
    "tphcm": "79",
    "hcmc": "79",
    "saigon": "79",
    "hochiminhcity": "79",
    "hn": "01",
    "hanoicity": "01",
    "danangcity": "48",
    "haiphongcity": "31",
    "canthocity": "92",
    "thuathienhue": "46",
    "huecity": "46",
    "daklak": "66",
    "daclac": "66",
    "daclak": "66",
}
# Old (pre-2025) provinces under other common spellings; flagged as old.
_OLD_ALIASES = {
    "brvt": "79",
    "baria": "79",
    "vungtau": "79",
    "bariavungtau": "79",
    "dacnong": "68",
    "bacnam": "37",
}
_PREFIXES = ("thanh pho ", "tinh ", "tp ", "t p ", "city of ")
_SUFFIXES = (" city", " province")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _name_key(value: object) -> str:
    """Compact match key: folded, prefixes/suffixes dropped, only letters and digits."""
    s = _NON_ALNUM.sub(" ", fold(value)).strip()
    changed = True
    while changed:
        changed = False
        for p in _PREFIXES:
            if s.startswith(p):
                s, changed = s[len(p) :].strip(), True
        for q in _SUFFIXES:
            if s.endswith(q):
                s, changed = s[: -len(q)].strip(), True
    return s.replace(" ", "")


@lru_cache(maxsize=1)
def _province_index() -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, bool]]]:
    """(new code -> itself, old code -> new code, name key -> (new code, was old))."""
    prov, cw = _read("provinces.csv"), _read("province_crosswalk.csv")
    new_codes = {str(c): str(c) for c in prov["province_code"]}
    old_codes = {str(o): str(n) for o, n in zip(cw["old_code"], cw["new_code"], strict=True)}
    names: dict[str, tuple[str, bool]] = {}
    for code, vi, en in zip(prov["province_code"], prov["name_vi"], prov["name_en"], strict=True):
        names[_name_key(vi)] = (str(code), False)
        names.setdefault(_name_key(en), (str(code), False))
    for key, code in _PROVINCE_ALIASES.items():
        names.setdefault(key, (code, False))
    for old, new in zip(cw["old_name_vi"], cw["new_code"], strict=True):
        names.setdefault(_name_key(old), (str(new), True))
    for key, code in _OLD_ALIASES.items():
        names.setdefault(key, (code, True))
    return new_codes, old_codes, names


def resolve_province(value: object) -> tuple[str | None, bool]:
    """Map a province code or name, new or pre-2025, to its 2025 code.

    Returns ``(code, was_old)``: ``code`` is the 2-digit 2025 code or None when
    the value is not recognised; ``was_old`` is True when the value named a
    pre-2025 province (code or name) that had to be mapped through the
    crosswalk. A code that exists in both lists is read as a new code.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None, False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return None, False
    new_codes, old_codes, names = _province_index()
    if text.isdigit():
        code = text.zfill(2) if len(text) <= 2 else text
        if code in new_codes:
            return code, False
        if code in old_codes:
            return old_codes[code], True
        return None, False
    hit = names.get(_name_key(text))
    return hit if hit is not None else (None, False)


def old_provinces() -> dict[str, list[tuple[str, str]]]:
    """2025 province code → the pre-2025 provinces it took in, as ``(old code, old name)``
    (from the crosswalk; an old province that kept its code and name is left out). Each old
    province went whole into one 2025 province: the crosswalk has no splits."""
    cw = _read("province_crosswalk.csv")
    out: dict[str, list[tuple[str, str]]] = {}
    for old, name, new, new_name in zip(
        cw["old_code"], cw["old_name_vi"], cw["new_code"], cw["new_name_vi"], strict=True
    ):
        if str(old) != str(new) or str(name) != str(new_name):
            out.setdefault(str(new), []).append((str(old), str(name)))
    return out


def province_names() -> dict[str, str]:
    """2025 province code -> Vietnamese name."""
    prov = _read("provinces.csv")
    return dict(zip(prov["province_code"].astype(str), prov["name_vi"].astype(str), strict=True))

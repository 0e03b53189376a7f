"""The packaged reference tables: shape, codes, cross-references and province resolution."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest

from guidance import reference as ref
from guidance.text import fold

# Vietnam's mainland and near-shore islands lie inside this box (lat 8.4–23.4 N, lon 102.1–109.5 E).
LAT, LON = (8.0, 23.5), (102.0, 110.0)


def _has_diacritic(text: str) -> bool:
    return fold(text) != text.lower().strip()


# --- provinces -------------------------------------------------------------------------------


def test_provinces_match_shared_list(shared_dir):
    prov = ref.provinces()
    shared = pd.read_csv(shared_dir / "reference/provinces/provinces_2025_34.csv", dtype=str)
    assert len(prov) == 34
    assert prov["province_code"].is_unique
    assert prov["province_code"].str.fullmatch(r"\d{2}").all()
    assert set(prov["province_code"]) == {c.zfill(2) for c in shared["province_code"]}


def test_provinces_names_match_shared_without_prefix(shared_dir):
    shared = pd.read_csv(shared_dir / "reference/provinces/provinces_2025_34.csv", dtype=str)
    expected = {
        c.zfill(2): re.sub(r"^(Thành phố|Tỉnh) ", "", n)
        for c, n in zip(shared["province_code"], shared["name"], strict=True)
    }
    assert ref.province_names() == expected
    assert ref.province_names()["01"] == "Hà Nội"
    assert ref.province_names()["79"] == "Hồ Chí Minh"


def test_provinces_regions_and_coordinates():
    prov = ref.provinces()
    assert set(prov["region"]) == set(ref.REGIONS)
    assert prov["lat"].between(*LAT).all() and prov["lon"].between(*LON).all()
    # Hà Nội is north of Hồ Chí Minh City by roughly 10 degrees of latitude.
    lat = prov.set_index("province_code")["lat"]
    assert 9 < lat["01"] - lat["79"] < 12
    assert prov["name_en"].map(str.isascii).all()


# --- crosswalk and wards ---------------------------------------------------------------------


def test_crosswalk_covers_63_old_codes_into_the_34(shared_dir):
    cw = ref.province_crosswalk()
    old = pd.read_csv(shared_dir / "reference/provinces/provinces_pre2025_63.csv", dtype=str)
    assert len(cw) == 63 and cw["old_code"].is_unique
    assert set(cw["old_code"]) == set(old["province_code"].str.zfill(2))
    assert set(cw["new_code"]) == set(ref.provinces()["province_code"])
    assert not cw["old_name_vi"].str.startswith(("Tỉnh", "Thành phố")).any()


def test_old_code_that_is_also_new_maps_to_itself():
    cw = ref.province_crosswalk()
    new = set(ref.provinces()["province_code"])
    shared_codes = cw[cw["old_code"].isin(new)]
    assert (shared_codes["old_code"] == shared_codes["new_code"]).all()


def test_wards_reference_known_provinces(shared_dir):
    wards = ref.wards()
    shared = pd.read_csv(shared_dir / "reference/provinces/wards_2025.csv", dtype=str)
    assert len(wards) == len(shared)
    assert wards["ward_code"].is_unique
    assert set(wards["province_code"]) == set(ref.provinces()["province_code"])
    assert wards.loc[wards["name_vi"] == "Phường Ba Đình", "province_code"].tolist() == ["01"]


# --- resolve_province ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01", ("01", False)),
        ("1", ("01", False)),
        (1, ("01", False)),
        ("79", ("79", False)),
        ("02", ("08", True)),  # old Hà Giang → Tuyên Quang
        ("27", ("24", True)),  # old Bắc Ninh code → new Bắc Ninh
        ("80", ("80", False)),  # shared code: read as the new Tây Ninh
        ("Hà Giang", ("08", True)),
        ("Tỉnh Bình Dương", ("79", True)),
        ("Bà Rịa - Vũng Tàu", ("79", True)),
        ("Hoà Bình", ("25", True)),  # old spelling of an old province
        ("TP.HCM", ("79", False)),
        ("TP Hồ Chí Minh", ("79", False)),
        ("Ho Chi Minh City", ("79", False)),
        ("HCM", ("79", False)),
        ("Sài Gòn", ("79", False)),
        ("ha noi", ("01", False)),
        ("Hanoi", ("01", False)),
        ("Thành phố Hà Nội", ("01", False)),
        ("Đà Nẵng", ("48", False)),
        ("Da Nang", ("48", False)),
        ("Quảng Nam", ("48", True)),
        ("Bắc Ninh", ("24", False)),
        ("Atlantis", (None, False)),
        ("99", (None, False)),
        ("", (None, False)),
        (None, (None, False)),
        (float("nan"), (None, False)),
    ],
)
def test_resolve_province(value, expected):
    assert ref.resolve_province(value) == expected


def test_every_name_and_code_resolves():
    for code, name in ref.province_names().items():
        assert ref.resolve_province(name) == (code, False)
        assert ref.resolve_province(fold(name)) == (code, False)
    cw = ref.province_crosswalk()
    for old_code, old_name, new_code in zip(
        cw["old_code"], cw["old_name_vi"], cw["new_code"], strict=True
    ):
        assert ref.resolve_province(old_code)[0] == new_code
        assert ref.resolve_province(old_name)[0] == new_code


# --- ISCO, ISCED, occupations ----------------------------------------------------------------


def test_isco_groups_complete():
    isco = ref.isco_groups()
    assert len(isco) == 619
    assert isco["code"].is_unique
    assert (isco["code"].str.len() == isco["level"]).all()
    assert isco.groupby("level").size().to_dict() == {1: 10, 2: 43, 3: 130, 4: 436}


def test_isced_copied_unchanged(shared_dir):
    shared = pd.read_csv(shared_dir / "reference/isced_f_2013/isced_f_2013_fields.csv", dtype=str)
    ours = ref.isced_fields().astype(str)
    assert list(ours.columns) == list(shared.columns)
    assert ours.equals(shared.astype(str))


def test_occupations_are_the_436_unit_groups():
    occ = ref.occupations()
    isco = ref.isco_groups()
    assert len(occ) == 436 and occ["occupation_code"].is_unique
    assert occ["occupation_code"].str.fullmatch(r"\d{4}").all()
    assert set(occ["occupation_code"]) == set(isco.loc[isco["level"] == 4, "code"])


def test_occupation_riasec_skill_and_sources():
    occ = ref.occupations()
    assert occ["riasec"].str.fullmatch(r"[RIASEC]{1,3}").all()
    assert occ["riasec"].map(lambda s: len(set(s)) == len(s)).all()
    assert set(occ["riasec_source"]) <= {"onet", "minor_group"}
    assert set(occ["name_vi_source"].dropna()) <= {"vsco2020", "translated"}
    assert occ["skill_level"].between(1, 4).all()
    # Sources and names agree: a name has a source, an empty name has none.
    assert (occ["name_vi"].isna() == occ["name_vi_source"].isna()).all()
    by = occ.set_index("occupation_code")
    # ISCO major group 2 (professionals) is skill level 4, group 9 (elementary) level 1.
    assert (by.loc[by.index.str[0] == "2", "skill_level"] == 4).all()
    assert (by.loc[by.index.str[0] == "9", "skill_level"] == 1).all()
    # Plain face validity: welders are Realistic, accountants Conventional.
    assert by.loc["7212", "riasec"][0] == "R"
    assert by.loc["2411", "riasec"][0] == "C"


def test_onet_map_matches_sources():
    occ = ref.occupations()
    mapping = ref.isco_onet_map()
    onet_codes = set(occ.loc[occ["riasec_source"] == "onet", "occupation_code"])
    assert set(mapping["occupation_code"]) == onet_codes
    assert mapping["onet_soc_code"].str.fullmatch(r"\d{2}-\d{4}\.\d{2}").all()


def test_onet_riasec_recomputed_from_shared(shared_dir):
    """Re-derive every O*NET-based code from the shared scores with the documented rule."""
    onet = pd.read_csv(shared_dir / "reference/onet_riasec/onet_riasec_wide.csv", dtype=str)
    onet = onet.set_index("O*NET-SOC Code")
    cols = ["Realistic", "Investigative", "Artistic", "Social", "Enterprising", "Conventional"]
    scores = onet[cols].astype(float)
    mapping = ref.isco_onet_map()
    occ = ref.occupations().set_index("occupation_code")
    for code, group in mapping.groupby("occupation_code"):
        mean = scores.loc[group["onet_soc_code"]].mean()
        order = sorted(range(6), key=lambda i: -mean.iloc[i])
        top = mean.iloc[order[0]]
        expected = "".join(
            "RIASEC"[i] for i in order[:3] if mean.iloc[i] >= top - ref.RIASEC_MARGIN
        )
        assert occ.loc[code, "riasec"] == expected, code


def test_vietnamese_occupation_names_nfc():
    names = ref.occupations()["name_vi"].dropna()
    assert len(names) > 300
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert names.map(_has_diacritic).mean() > 0.95


# --- training occupations --------------------------------------------------------------------


def test_training_occupations_shape_and_keys():
    tr = ref.training_occupations()
    assert len(tr) >= 150
    assert not tr.duplicated(["programme_code", "level"]).any()
    assert set(tr["level"]) == set(ref.LEVELS)
    assert tr["name_vi"].nunique() >= 140


def test_training_occupations_cross_references():
    tr = ref.training_occupations()
    fields = set(ref.isced_fields()["detailed_code"])
    occs = set(ref.occupations()["occupation_code"])
    assert set(tr["field_code"]) <= fields
    targets = tr["target_occupations"].str.split(";")
    assert targets.map(lambda t: 1 <= len(t) <= 4 and len(set(t)) == len(t)).all()
    assert {t for ts in targets for t in ts} <= occs


def test_training_codes_consistent_with_level():
    tr = ref.training_occupations()
    national = tr[tr["level"] != "so_cap"]
    assert national["programme_code"].str.fullmatch(r"[56]\d{6}").all()
    certain = tr[tr["code_certain"]]
    assert len(certain) > 0
    digit = {"trung_cap": "5", "cao_dang": "6"}
    assert (certain["programme_code"].str[0] == certain["level"].map(digit)).all()
    assert (national["programme_code"].str[0] == national["level"].map(digit)).all()
    so_cap = tr[tr["level"] == "so_cap"]
    assert so_cap["programme_code"].str.startswith("SC-").all()
    assert not so_cap["code_certain"].any()


def test_training_durations_by_level():
    tr = ref.training_occupations()
    ranges = {"so_cap": (3, 11), "trung_cap": (12, 24), "cao_dang": (24, 36)}
    for level, (lo, hi) in ranges.items():
        assert tr.loc[tr["level"] == level, "duration_months"].between(lo, hi).all(), level


def test_training_names_nfc_with_diacritics():
    names = ref.training_occupations()["name_vi"]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    # Every Vietnamese name carries diacritics except borrowed words such as "Logistics".
    plain = set(names[~names.map(_has_diacritic)])
    assert plain <= {"Logistics"}
    assert {"Hàn", "Điện công nghiệp", "Kế toán doanh nghiệp", "May thời trang"} <= set(names)


def test_summary_counts_every_table():
    counts = ref.summary()
    assert counts["provinces"] == 34 and counts["occupations"] == 436
    assert counts["training_occupations"] == len(ref.training_occupations())

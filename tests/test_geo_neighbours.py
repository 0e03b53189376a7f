"""Neighbouring provinces from the packaged boundaries, the default study area they make,
and the distance said honestly (issue 16 §1)."""

from __future__ import annotations

import pandas as pd

from guidance import geo, reference
from guidance.recommend.candidates import Catalogue
from guidance.recommend.reasons import distance_text
from guidance.recommend.types import LearnerProfile, Preferences


def test_every_province_has_neighbours_and_the_relation_is_symmetric():
    n = geo.neighbours()
    assert set(n) == set(reference.provinces()["province_code"])
    assert all(n[c] and c not in n[c] for c in n)
    assert all(c in n[x] for c in n for x in n[c])
    assert {"24", "33", "37"} <= n["01"]  # Hà Nội: Bắc Ninh, Hưng Yên, Ninh Bình
    assert n["11"] == {"12", "14"}  # Điện Biên: Lai Châu, Sơn La
    assert "79" not in n["01"] and "96" not in n["79"]  # far apart: not neighbours
    assert geo.near_area("11") == {"11", "12", "14"}
    assert geo.near_area("XX") == {"XX"}


def test_default_area_is_home_and_neighbours_not_the_region():
    prov = reference.provinces()
    rows = [
        {"programme_id": p, "programme_code": p, "name_vi": "Hàn", "level": "so_cap"}
        | {"field_code": "0715", "institution_id": "I", "institution_name": "T"}
        | {"province_code": p, "duration_months": 3, "tuition_vnd_per_year": 1}
        | {"min_education": 0, "target_occupations": "7212"}
        for p in prov["province_code"]
    ]
    cat = Catalogue(pd.DataFrame(rows), prov)
    learner = LearnerProfile(age=18, home_province_code="11", education_level=9)
    ok = cat.eligible(learner, Preferences())
    assert set(cat.ids[ok]) == {"11", "12", "14"}  # not the whole northern region
    assert cat.default_area(cat.prov_pos["11"]) == ["11", "12", "14"]
    anywhere = cat.eligible(learner, Preferences(willing_to_relocate=True))
    assert anywhere.all()


def test_distance_is_in_province_or_centre_to_centre():
    assert distance_text(0.0) == ("trong tỉnh", "in your province")
    vi, en = distance_text(1234.4)
    assert vi == "cách nhà ≈ 1.234 km (giữa trung tâm hai tỉnh)"
    assert en == "≈ 1,234 km from home (between the two provinces' centres)"
    assert distance_text(None)[0] == "chưa rõ khoảng cách"

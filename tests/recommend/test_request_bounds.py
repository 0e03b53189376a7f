"""Every number a request carries has finite lower and upper bounds (documented in the
schema), refuses NaN, infinities and true/false; every boolean is strict (issue 14)."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import BaseModel, ValidationError

from guidance.api.schemas import (
    BatchRequest,
    FeedbackIn,
    RecommendRequest,
    WhatIfChanges,
    WhatIfRequest,
)
from guidance.recommend.types import EDUCATION_LEVELS, LearnerProfile, Preferences, Weights

PROFILE = {"age": 17, "home_province_code": "01", "education_level": 12}

# (model, field, lowest valid, highest valid, is int); a minimal valid body per model
BOUNDED = [
    (LearnerProfile, "age", 14, 70, True),
    (LearnerProfile, "education_level", 5, 13, True),
    (LearnerProfile, "prior_work_months", 0, 600, True),
    *[
        (LearnerProfile, f, 0, 10, False)
        for f in ("gpa", "math_score", "literature_score", "english_score")
    ],
    *[(LearnerProfile, f"riasec_{c}", 0, 1, False) for c in "riasec"],
    (Preferences, "max_duration_months", 1, 600, True),
    (Preferences, "max_tuition_vnd_per_year", 0, 10**10, True),
    (Preferences, "max_distance_km", 0, 3000, False),
    *[(Weights, f, 0, 10, False) for f in Weights.model_fields],
    (RecommendRequest, "k", 1, 50, True),
    (WhatIfRequest, "k", 1, 50, True),
    (BatchRequest, "k", 1, 50, True),
    (WhatIfChanges, "max_distance_km", 0, 3000, False),
    (WhatIfChanges, "prior_work_months", 0, 600, True),
    (WhatIfChanges, "max_tuition_vnd_per_year", 0, 10**10, True),
    (WhatIfChanges, "gpa", 0, 10, False),
]
BASE = {
    LearnerProfile: PROFILE,
    Preferences: {},
    Weights: {},
    RecommendRequest: {"profile": PROFILE},
    WhatIfRequest: {"profile": PROFILE, "changes": {"gpa": 5}},
    BatchRequest: {"learners": [{"profile": PROFILE}]},
    WhatIfChanges: {},
}


def _valid(model: type[BaseModel], field: str, value: object) -> bool:
    try:
        model.model_validate({**BASE[model], field: value})
    except ValidationError as exc:
        assert {e["loc"][0] for e in exc.errors()} == {field}  # refused for this field
        return False
    return True


def _valid_json(model: type[BaseModel], text: str) -> bool:
    try:
        model.model_validate_json(text)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("model", "field", "lo", "hi", "is_int"),
    BOUNDED,
    ids=[f"{m.__name__}.{f}" for m, f, *_ in BOUNDED],
)
def test_bounds_are_enforced_and_documented(model, field, lo, hi, is_int):
    assert _valid(model, field, lo) and _valid(model, field, hi)
    step = 1 if is_int else 1e-6 * max(1, hi)
    assert not _valid(model, field, lo - step)
    assert not _valid(model, field, hi + step)
    for bad in (math.nan, math.inf, -math.inf, True, False, 1e308):
        assert not _valid(model, field, bad), bad
    body = json.dumps(BASE[model])[:-1]
    sep = ", " if BASE[model] else ""
    for literal in ("NaN", "Infinity", "-Infinity", "true", "false"):
        assert not _valid_json(model, f'{body}{sep}"{field}": {literal}}}'), literal
    # documented: minimum and maximum in the schema, and the range in the description
    prop = model.model_json_schema()["properties"][field]
    branches = prop.get("anyOf", [prop])
    numeric = [b for b in branches if b.get("type") in ("integer", "number")]
    assert numeric and all(b["minimum"] == lo and b["maximum"] == hi for b in numeric)
    if field != "education_level":  # a list of levels, not a range: see the test below
        assert f"{lo:,} to {hi:,}" in prop["description"]


def test_education_level_is_one_of_the_contract_levels():
    from guidance.contract.schema import TABLES

    contract = next(c for c in TABLES["outcomes"].columns if c.name == "education_level")
    assert tuple(contract.choices) == EDUCATION_LEVELS
    for level in EDUCATION_LEVELS:
        assert _valid(LearnerProfile, "education_level", level)
    for bad in (0, 4, 7, 10, 11, 14):
        with pytest.raises(ValidationError) as info:
            LearnerProfile.model_validate({**PROFILE, "education_level": bad})
        (err,) = info.value.errors()
        assert err["loc"] == ("education_level",) and err["type"] == "education_level"
        assert "must be one of 5, 9, 12, 13" in err["msg"]  # English
        assert "trình độ học vấn" in err["msg"]  # and Vietnamese
    prop = LearnerProfile.model_json_schema()["properties"]["education_level"]
    assert prop["enum"] == list(EDUCATION_LEVELS)


def _numbers(schema: dict, defs: dict, path: str = "", seen: frozenset = frozenset()):  # noqa: ANN202
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _numbers(defs[name], defs, path, seen | {name})
        return
    if schema.get("type") in ("integer", "number"):
        yield path, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _numbers(sub, defs, path, seen)
    for name, sub in schema.get("properties", {}).items():
        yield from _numbers(sub, defs, f"{path}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from _numbers(schema["items"], defs, f"{path}[]", seen)


@pytest.mark.parametrize("model", [RecommendRequest, WhatIfRequest, BatchRequest, FeedbackIn])
def test_every_number_of_every_request_is_bounded_in_the_schema(model):
    schema = model.model_json_schema()
    found = list(_numbers(schema, schema.get("$defs", {})))
    assert found  # the walk reaches the numbers
    unbounded = [p for p, s in found if "minimum" not in s or "maximum" not in s]
    assert unbounded == []


def test_the_relative_distance_change_is_bounded():
    for ok in ("+0", "+50", "-20", "+3000", "-3000", "+999", "+2999"):
        assert _valid(WhatIfChanges, "max_distance_km", ok), ok
    for bad in (
        "+3001",
        "-3001",
        "+9999",
        "+99999",
        "50",
        "+5.5",
        "+1e3",
        "+",
        "++5",
        "+50 ",
        " +50",
        "+٣",
        "5.5",
    ):  # a string is a change, never absolute km
        assert not _valid(WhatIfChanges, "max_distance_km", bad), bad
    prop = WhatIfChanges.model_json_schema()["properties"]["max_distance_km"]
    (text,) = [b for b in prop["anyOf"] if b.get("type") == "string"]
    assert text["maxLength"] == 5 and "3,000" in prop["description"]


BOOLS = [
    (Preferences, "willing_to_relocate"),
    (LearnerProfile, "ethnic_minority"),
    (FeedbackIn, "consent_case"),
    (FeedbackIn, "consent_guardian"),
    (FeedbackIn, "consent_research"),
    (FeedbackIn, "override"),
    (WhatIfChanges, "willing_to_relocate"),
]
BASE[FeedbackIn] = {}


@pytest.mark.parametrize(("model", "field"), BOOLS, ids=[f"{m.__name__}.{f}" for m, f in BOOLS])
def test_booleans_are_strict(model, field):
    assert _valid(model, field, True) and _valid(model, field, False)
    for bad in ("yes", "on", "true", "TRUE", "1", 1, 0, 1.0, 0.0, "y", [], {}):
        assert not _valid(model, field, bad), bad
    body = json.dumps(BASE[model])[:-1]
    sep = ", " if BASE[model] else ""
    for literal in ('"yes"', '"on"', "1", "1.0", '"TRUE"', "0"):
        assert not _valid_json(model, f'{body}{sep}"{field}": {literal}}}'), literal
    assert _valid_json(model, f'{body}{sep}"{field}": true}}')


def test_csv_cells_read_booleans_as_true_or_false_only():
    cells = {"age": "17", "home_province_code": "01", "education_level": "12", "gpa": "7.5"}
    assert LearnerProfile.from_cells({**cells, "ethnic_minority": "true"}).ethnic_minority
    assert LearnerProfile.from_cells({**cells, "ethnic_minority": "False"}).ethnic_minority is False
    assert LearnerProfile.from_cells(cells).gpa == 7.5
    for bad in ("1", "yes", "on", "0"):
        with pytest.raises(ValidationError):
            LearnerProfile.from_cells({**cells, "ethnic_minority": bad})
    with pytest.raises(ValidationError):
        LearnerProfile.from_cells({**cells, "gpa": "nan"})


def test_lists_and_strings_of_a_request_are_bounded():
    with pytest.raises(ValidationError):
        Preferences(provinces=["01"] * 201)
    with pytest.raises(ValidationError):
        Preferences(field_codes=["x" * 17])
    with pytest.raises(ValidationError):
        LearnerProfile.model_validate({**PROFILE, "learner_id": "x" * 101})
    with pytest.raises(ValidationError):
        FeedbackIn(recommended_ids=["P" * 65])

"""JSON bodies: the cheap refusal of many unknown keys gives the same answer pydantic would
(first 20, exact count), small or ordinary bodies get pydantic's own errors, and no more than
``VALIDATION_THREADS`` bodies are validated at once."""

from __future__ import annotations

import json
import threading
import time

import anyio
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from guidance.api import bodies
from guidance.api.bodies import unknown_keys, validate_json
from guidance.api.errors import MAX_VALIDATION_DETAILS, Unprocessable
from guidance.api.schemas import BatchRequest, RecommendRequest, WhatIfRequest

PROFILE = {"age": 17, "home_province_code": "01", "education_level": 9}


def test_unknown_keys_walks_nested_models_and_lists_by_hand():
    body = {
        "profile": {**PROFILE, "x": 1, "y": 2},
        "weights": {"w": 1},
        "preferences": None,
        "k": 5,
        "top": 1,
    }
    locs, total = unknown_keys(RecommendRequest, body)
    assert total == 4
    assert sorted(locs) == sorted(
        [
            ("body", "profile", "x"),
            ("body", "profile", "y"),
            ("body", "weights", "w"),
            ("body", "top"),
        ]
    )
    batch = {"learners": [{"profile": {**PROFILE, "a": 1}}, {"profile": PROFILE, "b": 2}]}
    locs, total = unknown_keys(BatchRequest, batch)
    assert total == 2
    assert ("body", "learners", 0, "profile", "a") in locs
    assert ("body", "learners", 1, "b") in locs
    changes = {"profile": PROFILE, "changes": {"age": 18, "nope": 1}}
    assert unknown_keys(WhatIfRequest, changes)[1] == 1
    assert unknown_keys(RecommendRequest, [1, 2]) == ([], 0)  # not an object: pydantic's job


def _pydantic_answer(model: type[BaseModel], raw: bytes) -> tuple[list, int]:
    try:
        model.model_validate_json(raw)
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        return [["body", *map(str, e["loc"])] for e in errs], exc.error_count()
    raise AssertionError("pydantic accepted it")


def test_many_unknown_keys_are_refused_as_pydantic_would_count_them():
    body = {"profile": PROFILE, **{f"k{i:05d}": 0 for i in range(3000)}}
    raw = json.dumps(body).encode()
    assert len(raw) > bodies.PRESCREEN_BYTES
    with pytest.raises(Unprocessable) as caught:
        validate_json(RecommendRequest, raw)
    err = caught.value
    locs, total = _pydantic_answer(RecommendRequest, raw)
    assert err.details_total == total == 3000
    assert len(err.details) == MAX_VALIDATION_DETAILS
    assert [d["loc"] for d in err.details] == locs[:MAX_VALIDATION_DETAILS]
    assert {d["type"] for d in err.details} == {"extra_forbidden"}


def test_few_unknown_keys_and_other_errors_get_pydantics_own_answer():
    # 5 unknown keys in a large body: below the cut, so pydantic reports them AND the bad age
    body = {"profile": {**PROFILE, "age": 400}, "pad": "x" * 5000, **{f"u{i}": 1 for i in range(4)}}
    raw = json.dumps(body).encode()
    assert len(raw) > bodies.PRESCREEN_BYTES
    with pytest.raises(Unprocessable) as caught:
        validate_json(RecommendRequest, raw)
    locs, total = _pydantic_answer(RecommendRequest, raw)
    assert caught.value.details_total == total == 6
    assert [d["loc"] for d in caught.value.details] == locs
    # a small body is never pre-screened: 25 unknown keys of a few bytes each
    small = json.dumps({"profile": PROFILE, **{str(i): 0 for i in range(25)}}).encode()
    assert len(small) <= bodies.PRESCREEN_BYTES
    with pytest.raises(Unprocessable) as caught:
        validate_json(RecommendRequest, small)
    assert caught.value.details_total == 25


def test_not_json_and_too_deep_fall_through_to_pydantic():
    for raw in (b"{" + b" " * 5000 + b"nope", b"[" * 6000 + b"]" * 6000):
        with pytest.raises(Unprocessable) as caught:
            validate_json(RecommendRequest, raw)
        assert caught.value.details_total >= 1


def test_a_valid_large_body_is_accepted():
    raw = json.dumps({"profile": {**PROFILE, "learner_id": "x" * 20}, "k": 3}).encode()
    raw = raw[:-1] + b" " * 5000 + b"}"
    assert validate_json(RecommendRequest, raw).k == 3


class _Slow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int

    @field_validator("n")
    @classmethod
    def _count(cls, v: int) -> int:
        with _lock:
            _active[0] += 1
            _active[1] = max(_active[1], _active[0])
        time.sleep(0.05)
        with _lock:
            _active[0] -= 1
        return v


_lock = threading.Lock()
_active = [0, 0]  # now, most at once


def test_at_most_validation_threads_bodies_are_validated_at_once():
    extra: dict = {}

    async def main() -> list:
        out: list = []

        async def one(i: int) -> None:
            out.append(await bodies.validated(extra, _Slow, json.dumps({"n": i}).encode()))

        async with anyio.create_task_group() as tg:
            for i in range(8):
                tg.start_soon(one, i)
        return out

    _active[:] = [0, 0]
    got = anyio.run(main)
    assert sorted(m.n for m in got) == list(range(8))
    assert _active[1] == bodies.VALIDATION_THREADS, _active

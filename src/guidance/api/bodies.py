"""JSON request bodies validated off the event loop, a few at a time, and refused cheaply
when they carry many keys the schema does not define.

Why (issue 14, item 2): pydantic validates in Rust while holding the GIL, and turning a
``ValidationError`` into a list converts EVERY error (4,600 unknown keys in a 64 KiB body:
~5 ms in one piece). Thirty such bodies at once in the default thread pool meant thirty
threads taking turns at the GIL with the event loop, which then waited up to the switch
interval (5 ms) per thread for each step: the liveness probe took half a second. So:

- at most :data:`VALIDATION_THREADS` bodies are validated at once (an ``anyio``
  ``CapacityLimiter`` per app); the rest wait without holding the GIL;
- a body larger than :data:`PRESCREEN_BYTES` is first parsed with ``json.loads`` and its keys
  walked against the model: with more than ``MAX_VALIDATION_DETAILS`` unknown keys it is
  refused (422, the first 20 and their count) without asking pydantic at all. Smaller bodies,
  and bodies with fewer unknown keys, get pydantic's own errors exactly as before.
"""

from __future__ import annotations

import json
import types
from typing import Any, Union, get_args, get_origin

import anyio
from pydantic import BaseModel, ValidationError

from guidance.api.errors import (
    MAX_VALIDATION_DETAILS,
    Unprocessable,
    rule_vi,
    validation_details,
)

VALIDATION_THREADS = 2
PRESCREEN_BYTES = 4096  # a real profile with preferences and weights is well under 2 KiB
_LIST_ITEMS = 1000  # items of a list walked (lists are capped at 500 by the schemas)
_LIMITER_KEY = "json_body_limiter"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``annotation`` (``M``, ``M | None``, ``list[M]``,
    ``Annotated[M, …]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType, list, tuple) or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def unknown_keys(
    model: type[BaseModel], data: Any, loc: tuple = ("body",), keep: int = MAX_VALIDATION_DETAILS
) -> tuple[list[tuple], int]:
    """(the first ``keep`` locations of keys that ``model`` forbids, how many in all),
    walking nested models and lists of them."""
    found: list[tuple] = []
    total = 0

    def walk(m: type[BaseModel], value: Any, where: tuple) -> None:
        nonlocal total
        if isinstance(value, list):
            for i, item in enumerate(value[:_LIST_ITEMS]):
                walk(m, item, (*where, i))
            return
        if not isinstance(value, dict):
            return
        fields = m.model_fields
        names = {f.alias or n: n for n, f in fields.items()} | {n: n for n in fields}
        forbid = m.model_config.get("extra") == "forbid"
        for key, sub in value.items():
            name = names.get(key)
            if name is None:
                if forbid:
                    total += 1
                    if len(found) < keep:
                        found.append((*where, str(key)[:200]))
                continue
            inner = _model_of(fields[name].annotation)
            if inner is not None:
                walk(inner, sub, (*where, key))

    walk(model, data, loc)
    return found, total


def _invalid(exc: ValidationError) -> Unprocessable:
    """The first ``MAX_VALIDATION_DETAILS`` errors and the count, without echoing values."""
    errors = exc.errors(include_url=False, include_input=False)
    return Unprocessable(
        "the request is not valid / yêu cầu không hợp lệ",
        details=validation_details(errors, ("body",)),
        details_total=exc.error_count(),
    )


def validate_json(model: type[BaseModel], raw: bytes) -> BaseModel:
    """``model`` from the raw body, or :class:`Unprocessable` (see the module docstring)."""
    if len(raw) > PRESCREEN_BYTES:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            data = None  # not JSON (or too deep): pydantic says so the usual way
        if data is not None:
            locs, total = unknown_keys(model, data)
            if total > MAX_VALIDATION_DETAILS:
                raise Unprocessable(
                    f"the request has {total:,} fields this operation does not define",
                    details=[
                        {
                            "loc": list(loc),
                            "msg": "Extra inputs are not permitted",
                            "msg_vi": rule_vi({"type": "extra_forbidden"}),
                            "type": "extra_forbidden",
                        }
                        for loc in locs
                    ],
                    details_total=total,
                )
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise _invalid(exc) from None


def limiter(ctx_extra: dict) -> anyio.CapacityLimiter:
    """The app's limiter of concurrent body validations (made on first use, in the loop)."""
    found = ctx_extra.get(_LIMITER_KEY)
    if found is None:
        found = ctx_extra.setdefault(_LIMITER_KEY, anyio.CapacityLimiter(VALIDATION_THREADS))
    return found


async def validated(ctx_extra: dict, model: type[BaseModel], raw: bytes) -> BaseModel:
    """:func:`validate_json` in a worker thread, at most ``VALIDATION_THREADS`` at once."""
    return await anyio.to_thread.run_sync(validate_json, model, raw, limiter=limiter(ctx_extra))

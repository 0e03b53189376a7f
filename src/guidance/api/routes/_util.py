"""Small helpers shared by the routers."""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass
from typing import Any

from pydantic import ValidationError

from guidance.api.errors import Unprocessable, validation_details


def finite(obj: Any) -> Any:
    """A JSON-safe copy: NaN and infinities become null (JSON has no NaN); dataclasses
    become dicts of their fields (one pass, cheaper than ``asdict`` and then a copy)."""
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: finite(getattr(obj, f.name)) for f in fields(obj)}
    if hasattr(obj, "item") and not isinstance(obj, bytes):
        return finite(obj.item())
    return obj


def unprocessable(
    exc: ValidationError, message: str = "the request is not valid", prefix: tuple = ()
) -> Unprocessable:
    """A pydantic error as our 422, without echoing the submitted values."""
    errors = exc.errors(include_url=False, include_input=False)
    return Unprocessable(
        message, details=validation_details(errors, prefix), details_total=exc.error_count()
    )

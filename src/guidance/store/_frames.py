"""DataFrame → DB-API rows: plain Python values, ``None`` for every kind of missing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and v != v:  # NaN
        return None
    if type(v).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalar
        return v.item()
    return v


def _needs_clean(values: list[Any]) -> bool:
    return any(v is not None and type(v) not in (str, int, float, bool) for v in values) or any(
        isinstance(v, float) and v != v for v in values
    )


def columns_as_lists(df: Any, columns: Sequence[str]) -> dict[str, list[Any]]:
    """Each column as a list of plain values (missing columns become all-None)."""
    n = len(df)
    out: dict[str, list[Any]] = {}
    for col in columns:
        if col not in df.columns:
            out[col] = [None] * n
            continue
        try:  # fast path: pandas gives plain Python objects with None for NA/NaN
            values = df[col].to_numpy(dtype=object, na_value=None).tolist()
        except (TypeError, ValueError):
            values = df[col].tolist()
        out[col] = [_clean(v) for v in values] if _needs_clean(values) else values
    return out


def rows(df: Any, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    cols = columns_as_lists(df, columns)
    return list(zip(*(cols[c] for c in columns), strict=True)) if len(df) else []


def records(df: Any, columns: Sequence[str]) -> list[dict[str, Any]]:
    return [dict(zip(columns, r, strict=True)) for r in rows(df, columns)]

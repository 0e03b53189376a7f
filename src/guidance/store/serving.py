"""Readers of the database for serving: the catalogue and the newest demand snapshots, as
contract-typed DataFrames (the API holder and the statistics read them here)."""

from __future__ import annotations

from typing import Any

from guidance.store.catalogue import OCCUPATION_COLS, PROGRAMME_COLS, PROVINCE_COLS

_INT = {
    "duration_months",
    "tuition_vnd_per_year",
    "min_education",
    "capacity",
    "skill_level",
    "min_age",
    "max_age",
}
_FLOAT = {"lat", "lon"}


def _frame(rows: list[Any], cols: list[str]) -> Any:
    import pandas as pd

    data = list(zip(*rows, strict=True)) if rows else [()] * len(cols)
    out = {}
    for c, v in zip(cols, data, strict=True):
        if c in _INT:
            out[c] = pd.array(list(v), dtype="Int64")
        elif c in _FLOAT:
            out[c] = pd.array([float("nan") if x is None else float(x) for x in v], dtype="float64")
        elif c == "active":
            out[c] = pd.array([True if x is None else bool(x) for x in v], dtype="boolean")
        else:
            out[c] = pd.array(list(v), dtype="str")
    return pd.DataFrame(out)


def read_catalogue(engine: Any) -> dict[str, Any]:
    """provinces, occupations and programmes from the database, read in one transaction."""
    from sqlalchemy import select

    from guidance.store.schema import Occupation, Programme, Province

    out = {}
    with engine.connect() as conn, conn.begin():
        for name, model, cols, key in (
            ("provinces", Province, PROVINCE_COLS, Province.province_code),
            ("occupations", Occupation, OCCUPATION_COLS, Occupation.occupation_code),
            ("programmes", Programme, PROGRAMME_COLS, Programme.programme_id),
        ):
            table = model.__table__
            rows = conn.execute(select(*(table.c[c] for c in cols)).order_by(key)).all()
            out[name] = _frame([tuple(r) for r in rows], cols)
    return out


def demand_key(engine: Any, months: int) -> tuple:
    """Identity of the newest ``months`` snapshots: (period, content hash) pairs. Cheap to
    read, so every worker can poll it and notice another worker's upload."""
    from guidance.store.demand import list_snapshots

    snaps = list_snapshots(engine)[-months:]
    return tuple((s.period, s.content_hash) for s in snaps)


def read_demand(engine: Any, key: tuple, cache: dict | None = None) -> Any | None:
    """The demand rows of the snapshots named by ``key`` (None when there are none).
    ``cache`` ((period, content hash) → rows) saves reading the snapshots that did not change
    since the last call (an upload changes one period of fifteen); it keeps only ``key``'s."""
    import pandas as pd

    from guidance.store.demand import get_demand

    if not key:
        return None
    cache = {} if cache is None else cache
    missing = [period for period, h in key if (period, h) not in cache]
    if missing:  # one query for the snapshots not in the cache, then split by period
        rows = get_demand(engine, period=missing)
        bounds = rows["period"].searchsorted(missing + [chr(0x10FFFF)])
        for (period, h), start, end in zip(
            [k for k in key if k[0] in missing], bounds[:-1], bounds[1:], strict=True
        ):
            cache[(period, h)] = rows.iloc[start:end].reset_index(drop=True)
    frames = [cache[k] for k in key]
    for k in [k for k in cache if k not in set(key)]:
        del cache[k]
    return pd.concat(frames, ignore_index=True)

"""A graduate's tracer waves merged into the contract's one outcome row (pure core).

``employed_6m`` comes from the 6-month wave, everything else from the 12-month wave
(learner attributes fall back to the 6-month wave). Contract v1 requires ``employed_6m``,
``employed_12m`` and the learner attributes, so a graduate who answered only one wave, or
whose record lacks a v1-required value, is left out and counted (``left_out``).

``merge_sorted`` does this for two streams of one (institution, cohort) sorted by pseudonym,
so an export of millions of records never holds more than a row of each wave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from guidance.contract.schema import OUTCOMES

V1_REQUIRED = [c.name for c in OUTCOMES.columns if c.required]
_NAMES = OUTCOMES.names


def _left() -> dict[str, int]:
    return {"one_wave_only": 0, "missing_required_value": 0}


def merge_one(pid: str, prog: str, cohort: str, w6: dict[str, Any], w12: dict[str, Any],
              left: dict[str, int]) -> dict[str, Any] | None:
    """The contract row of one graduate with both waves, or None (counted in ``left``)."""
    both = {**w6, **{k: v for k, v in w12.items() if v is not None}}  # 12m wins unless empty
    rec = {c: both.get(c) for c in _NAMES}
    rec.update(record_id=pid[:20], programme_id=prog, cohort=cohort,
               employed_6m=w6.get("employed"), employed_12m=w12.get("employed"),
               employment_type=w12.get("employment_type"),
               occupation_code=w12.get("occupation_code"),
               job_province_code=w12.get("job_province_code"),
               monthly_wage_vnd=w12.get("monthly_wage_vnd"),
               job_matches_training=w12.get("job_matches_training"))
    if any(rec.get(c) is None for c in V1_REQUIRED):
        left["missing_required_value"] += 1
        return None
    return rec


def merge_waves(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(contract outcome rows, {reason: count} of graduates left out)."""
    by: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        by.setdefault((r["pseudonym"], r["programme_id"], r["cohort"]), {})[r["wave"]] = r
    out, left = [], _left()
    for (pid, prog, cohort), waves in sorted(by.items()):
        w6, w12 = waves.get("6m"), waves.get("12m")
        if w6 is None or w12 is None:
            left["one_wave_only"] += 1
            continue
        rec = merge_one(pid, prog, cohort, w6, w12, left)
        if rec is not None:
            out.append(rec)
    return out, left


Wave = Iterable[tuple[str, str, dict[str, Any]]]  # (pseudonym, programme_id, data) by pseudonym


def _ascending(rows: Wave) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The rows, refusing a stream not strictly ascending by pseudonym (a database collation
    that does not sort hex as bytes would otherwise split graduates silently)."""
    last = None
    for r in rows:
        if last is not None and r[0] <= last:
            raise ValueError("tracer rows are not sorted by pseudonym; cannot merge waves")
        last = r[0]
        yield r


def merge_sorted(w6: Wave, w12: Wave, cohort: str, left: dict[str, int],
                 ) -> Iterator[dict[str, Any]]:
    """Merge-join the 6m and 12m responded records of one (institution, cohort), each sorted
    by pseudonym (unique within a wave); yields contract rows, counts the left out in
    ``left``. A pseudonym under two different programmes is two graduates, one wave each."""
    a, b = _ascending(w6), _ascending(w12)
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[0] < y[0]):
            left["one_wave_only"] += 1
            x = next(a, None)
        elif x is None or y[0] < x[0]:
            left["one_wave_only"] += 1
            y = next(b, None)
        else:
            if x[1] != y[1]:
                left["one_wave_only"] += 2
            else:
                rec = merge_one(x[0], x[1], cohort, x[2], y[2], left)
                if rec is not None:
                    yield rec
            x, y = next(a, None), next(b, None)

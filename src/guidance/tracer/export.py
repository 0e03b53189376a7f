"""A graduate's tracer waves merged into the contract's one outcome row (pure core).

``employed_6m`` comes from the 6-month wave, everything else from the 12-month wave
(learner attributes come from whichever wave has them, the 12-month one first). Contract
v1.1: a graduate who answered only ONE wave is exported too, the other wave's outcome
values left empty (answered 6m only: ``employed_12m``, ``employment_type``,
``job_matches_training``, ``occupation_code``, ``job_province_code``,
``monthly_wage_vnd`` empty; answered 12m only: ``employed_6m`` empty) and counted
(``one_wave_6m_only``, ``one_wave_12m_only``). Left out and counted (``left_out``): a
graduate lacking a value required of every record (learner attributes) or of the wave
they answered (``missing_required_value``), and a pseudonym whose two waves name different
programmes (``programme_differs``: which offering the graduate belongs to is unknown, and
one ``record_id`` cannot stand for two graduates).

``merge_sorted`` does this for two streams of one (institution, cohort) sorted by pseudonym,
so an export of millions of records never holds more than a row of each wave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from guidance.contract.schema import OUTCOMES

V1_REQUIRED = [c.name for c in OUTCOMES.columns if c.required]
# required of every record (v1.1 lets the wave outcomes below be empty)
ALWAYS_REQUIRED = [c.name for c in OUTCOMES.columns if c.required and not c.nullable]
# required of a wave the graduate answered
WAVE_REQUIRED = {
    "6m": ("employed_6m",),
    "12m": ("employed_12m", "employment_type", "job_matches_training"),
}
W12_OUTCOMES = (
    "employment_type",
    "occupation_code",
    "job_province_code",
    "monthly_wage_vnd",
    "job_matches_training",
)
ONE_WAVE = ("one_wave_6m_only", "one_wave_12m_only")  # exported, counted
LEFT_OUT = ("missing_required_value", "programme_differs")
_NAMES = OUTCOMES.names


def left_counts() -> dict[str, int]:
    """The counters of a merge: one-wave graduates exported and the reasons of the left out."""
    return dict.fromkeys((*ONE_WAVE, *LEFT_OUT), 0)


def merge_one(
    pid: str,
    prog: str,
    cohort: str,
    w6: dict[str, Any] | None,
    w12: dict[str, Any] | None,
    left: dict[str, int],
) -> dict[str, Any] | None:
    """The contract row of one graduate (one or both waves), or None (counted in ``left``)."""
    if w6 is None and w12 is None:
        raise ValueError("a graduate needs at least one wave")
    w6_, w12_ = w6 or {}, w12 or {}
    both = {**w6_, **{k: v for k, v in w12_.items() if v is not None}}  # 12m wins unless empty
    rec = {c: both.get(c) for c in _NAMES}
    rec.update(
        record_id=pid[:20],
        programme_id=prog,
        cohort=cohort,
        employed_6m=w6_.get("employed"),
        employed_12m=w12_.get("employed"),
        **{c: w12_.get(c) for c in W12_OUTCOMES},
    )
    need = [
        *ALWAYS_REQUIRED,
        *(WAVE_REQUIRED["6m"] if w6 is not None else ()),
        *(WAVE_REQUIRED["12m"] if w12 is not None else ()),
    ]
    if any(rec.get(c) is None for c in need):
        left["missing_required_value"] += 1
        return None
    if w6 is None:
        left["one_wave_12m_only"] += 1
    elif w12 is None:
        left["one_wave_6m_only"] += 1
    return rec


def merge_waves(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(contract outcome rows, counts: one-wave graduates exported and reasons left out)."""
    by: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        by.setdefault((r["pseudonym"], r["cohort"]), {})[r["wave"]] = r
    out, left = [], left_counts()
    for (pid, cohort), waves in sorted(by.items()):
        w6, w12 = waves.get("6m"), waves.get("12m")
        if w6 is not None and w12 is not None and w6["programme_id"] != w12["programme_id"]:
            left["programme_differs"] += 2
            continue
        rec = merge_one(pid, (w6 or w12)["programme_id"], cohort, w6, w12, left)
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


def merge_sorted(
    w6: Wave,
    w12: Wave,
    cohort: str,
    left: dict[str, int],
) -> Iterator[dict[str, Any]]:
    """Merge-join the 6m and 12m responded records of one (institution, cohort), each sorted
    by pseudonym (unique within a wave); yields contract rows (one-wave graduates with the
    other wave empty), counts in ``left``. A pseudonym whose waves name two different
    programmes is left out (``programme_differs``, 2: one per wave)."""
    a, b = _ascending(w6), _ascending(w12)
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[0] < y[0]):
            rec = merge_one(x[0], x[1], cohort, x[2], None, left)
            x = next(a, None)
        elif x is None or y[0] < x[0]:
            rec = merge_one(y[0], y[1], cohort, None, y[2], left)
            y = next(b, None)
        else:
            if x[1] != y[1]:
                left["programme_differs"] += 2
                rec = None
            else:
                rec = merge_one(x[0], x[1], cohort, x[2], y[2], left)
            x, y = next(a, None), next(b, None)
        if rec is not None:
            yield rec

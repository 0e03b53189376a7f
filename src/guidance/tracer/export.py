"""A graduate's tracer waves merged into the contract's one outcome row (pure core).

``employed_6m`` comes from the 6-month wave, everything else from the 12-month wave
(learner attributes fall back to the 6-month wave). Contract v1 requires ``employed_6m``,
``employed_12m`` and the learner attributes, so a graduate who answered only one wave, or
whose record lacks a v1-required value, is left out and counted (``left_out``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from guidance.contract.schema import OUTCOMES

V1_REQUIRED = [c.name for c in OUTCOMES.columns if c.required]


def merge_waves(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(contract outcome rows, {reason: count} of graduates left out)."""
    by: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        by.setdefault((r["pseudonym"], r["programme_id"], r["cohort"]), {})[r["wave"]] = r
    out, left = [], {"one_wave_only": 0, "missing_required_value": 0}
    for (pid, prog, cohort), waves in sorted(by.items()):
        w6, w12 = waves.get("6m"), waves.get("12m")
        if w6 is None or w12 is None:
            left["one_wave_only"] += 1
            continue
        rec = {c: w12.get(c, w6.get(c)) if w12.get(c) is not None else w6.get(c)
               for c in OUTCOMES.names}
        rec.update(record_id=pid[:20], programme_id=prog, cohort=cohort,
                   employed_6m=w6.get("employed"), employed_12m=w12.get("employed"),
                   employment_type=w12.get("employment_type"),
                   occupation_code=w12.get("occupation_code"),
                   job_province_code=w12.get("job_province_code"),
                   monthly_wage_vnd=w12.get("monthly_wage_vnd"),
                   job_matches_training=w12.get("job_matches_training"))
        if any(rec.get(c) is None for c in V1_REQUIRED):
            left["missing_required_value"] += 1
            continue
        out.append(rec)
    return out, left

"""What the published statistics read from the database (I/O): the tracer outcomes merged
as the export merges them, the catalogue, the demand snapshots, and a cheap data key.

- ``read_outcomes(engine)``: contract outcome rows of the current individual-record
  versions, merged per graduate by ``tracer.export.merge_sorted`` exactly as
  ``guidance tracer export`` does (respondents, ``survey_status`` = ``responded``), PLUS one
  row per graduate known who did not respond to either wave (``survey_status`` of their
  12-month wave, else 6-month; outcome values empty), so that response rates are over all
  graduates known. Aggregate submissions (counts only) are not read (no record to merge).
- ``read_tables(engine)``: the catalogue tables + those outcomes; ``NoTracerData`` when the
  database holds no tracer record.
- ``data_key(engine, demand_months)``: what changed — the newest tracer event id and the
  current record versions, the catalogue generation and the demand key; a few small
  queries, so it can be polled.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from guidance.contract.coerce import coerce_table
from guidance.contract.report import ValidationReport
from guidance.contract.schema import OUTCOMES
from guidance.store.catalogue import catalogue_generation
from guidance.store.serving import demand_key, read_catalogue
from guidance.store.serving import read_demand as serving_read_demand
from guidance.store.tracer import EVENTS, RECS, SUBS, current_record_versions
from guidance.tracer.export import left_counts, merge_sorted
from guidance.tracer.schema import RESPONDED


class NoTracerData(LookupError):
    """The tracer database holds no individual record yet: nothing to publish."""


def data_key(engine: Engine, demand_months: int = 15) -> tuple:
    """(tracer events, current record versions, catalogue generation, demand key)."""

    with engine.connect() as conn:
        last_event = conn.execute(select(func.max(EVENTS.c.id))).scalar()
    versions = tuple((s["id"], s["version"]) for s in current_record_versions(engine))
    return (last_event, versions, catalogue_generation(engine), demand_key(engine, demand_months))


def read_outcomes(engine: Engine) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(contract outcome rows with ``survey_status``, merge counts as the export's).

    One streamed query over the current record versions, ordered by institution, cohort,
    wave and pseudonym; each (institution, cohort) is merged by ``merge_sorted`` as the
    export merges it, so memory holds one group's rows besides the result."""

    subs = current_record_versions(engine)
    left = left_counts()
    rows: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    q = (
        select(
            SUBS.c.institution_id,
            SUBS.c.cohort,
            SUBS.c.wave,
            RECS.c.pseudonym,
            RECS.c.programme_id,
            RECS.c.survey_status,
            RECS.c.data,
        )
        .select_from(RECS.join(SUBS, RECS.c.submission_id == SUBS.c.id))
        .where(RECS.c.submission_id.in_([s["id"] for s in subs] or [-1]))
        .order_by(SUBS.c.institution_id, SUBS.c.cohort, SUBS.c.wave, RECS.c.pseudonym)
        .execution_options(yield_per=20_000)
    )
    with engine.connect() as conn:
        for (_iid, cohort), group in groupby(conn.execute(q), key=lambda r: (r[0], r[1])):
            waves: dict[str, list] = {"6m": [], "12m": []}
            status: dict[str, tuple[str, str]] = {}
            responded: set[str] = set()
            for _i, _c, wave, pid, prog, st, data in group:
                if st in RESPONDED:
                    waves.setdefault(wave, []).append((pid, prog, data))
                    responded.add(pid)
                elif wave == "12m" or pid not in status:  # the 12-month status wins
                    status[pid] = (prog, st)
            rows += merge_sorted(iter(waves["6m"]), iter(waves["12m"]), cohort, left)
            # graduates known who answered neither wave: counted in graduates only
            missing += [
                {"record_id": pid[:20], "programme_id": prog, "cohort": cohort, "survey_status": st}
                for pid, (prog, st) in status.items()
                if pid not in responded
            ]
    cols = OUTCOMES.names
    raw = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    status_col = ["responded"] * len(raw)
    if missing:
        raw = pd.concat(
            [raw, pd.DataFrame(missing, columns=[*cols, "survey_status"])[cols]], ignore_index=True
        )
        status_col += [m["survey_status"] for m in missing]
    out = coerce_table(OUTCOMES, raw, ValidationReport(), header=False)
    out["survey_status"] = pd.array(status_col, dtype="string")
    return out, {
        **left,
        "records": len(rows),
        "non_respondents": len(missing),
        "versions": len(subs),
    }


def read_tables(engine: Engine) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Catalogue (provinces, occupations, programmes) + outcomes; ``NoTracerData`` when
    no tracer record is held."""

    outcomes, counts = read_outcomes(engine)
    if not len(outcomes):
        raise NoTracerData("the tracer database holds no graduate record yet")
    tables = read_catalogue(engine)
    known = set(tables["programmes"]["programme_id"].astype(str))
    keep = outcomes["programme_id"].astype(str).isin(known).to_numpy()
    counts["unknown_programme"] = int((~keep).sum())
    tables["outcomes"] = outcomes[keep].reset_index(drop=True)
    return tables, counts


def read_demand(engine: Engine, months: int, cache: dict | None = None) -> pd.DataFrame | None:
    """The newest ``months`` demand snapshots (None when there are none)."""

    return serving_read_demand(engine, demand_key(engine, months), cache)

"""``guidance impact``: read the saved cases and the tracer outcomes from the database,
link them by the learner reference (pseudonymised with the server secret, as tracer
uploads are), and print :mod:`guidance.impact`'s figures."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd


def impact_inputs(engine: Any, secret: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cases, outcomes) for :func:`guidance.impact.impact`. A case's outcome is the
    12-month tracer record of a graduate whose pseudonym is the case's learner reference's
    and whose programme is the one the case enrolled in (the newest cohort if several)."""
    from guidance.store.cases import enrolment_rows
    from guidance.store.tracer import responded_records
    from guidance.tracer.pseudo import pseudonym

    rows = enrolment_rows(engine)
    cases = pd.DataFrame(
        rows,
        columns=["case_id", "learner_id", "shown_ids", "chosen_id", "enrolled_id", "enrolled_on"],
    )
    wanted = {
        (pseudonym(secret, r["learner_id"]), r["enrolled_id"]): r["case_id"]
        for r in rows
        if r["learner_id"] and r["enrolled_id"]
    }
    found: dict[int, dict[str, Any]] = {}
    if wanted:
        records, _ = responded_records(engine)
        for rec in sorted(records, key=lambda r: str(r.get("cohort"))):
            case_id = wanted.get((rec["pseudonym"], rec["programme_id"]))
            if case_id is not None and rec.get("wave") == "12m":
                found[case_id] = {**rec, "case_id": case_id}
    columns = [
        "case_id",
        "employed_6m",
        "employed_12m",
        "employment_type",
        "job_matches_training",
        "monthly_wage_vnd",
        "completed",
    ]
    outcomes = pd.DataFrame(
        [{c: r.get(c) for c in columns} for r in found.values()], columns=columns
    )
    return cases, outcomes


def impact_command(args: argparse.Namespace) -> int:
    from guidance.api.deps import server_secret
    from guidance.impact import impact, report_lines
    from guidance.settings import get_settings
    from guidance.stats.disclosure import DisclosureSettings
    from guidance.store.db import make_engine
    from guidance.store.migrate import upgrade

    settings = get_settings()
    url = args.database_url or settings.database_url
    engine = make_engine(url)
    try:
        upgrade(engine)
        cases, outcomes = impact_inputs(engine, server_secret(settings))
    finally:
        engine.dispose()
    rules = DisclosureSettings()
    result = impact(
        cases, outcomes, min_cell=rules.min_respondents, min_wage=rules.min_wage_respondents
    )
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    print(f"database: {shown} (cases, enrolments and tracer outcomes)", file=sys.stderr)
    for line in report_lines(result):
        print(line)
    return 0

"""``guidance impact``: the figures (shares of enrolments in recommended programmes, outcomes
of those learners) with small cells suppressed, the linking of cases to tracer outcomes by
pseudonym on both engines, and a clear message when no enrolment has been recorded."""

from __future__ import annotations

import argparse
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import insert

from guidance.impact import impact, report_lines
from guidance.store.cases import record_enrolment
from guidance.store.schema import TracerRecord, TracerSubmission, utcnow

SHOWN = ["P1", "P2", "P3", "P4", "P5"]


def _cases(enrolled: list[str | None], chosen: str = "P1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_id": range(1, len(enrolled) + 1),
            "shown_ids": [SHOWN] * len(enrolled),
            "chosen_id": [chosen] * len(enrolled),
            "enrolled_id": enrolled,
        }
    )


def _outcome(case_id: int, employed: bool, matches: bool, wage: float | None) -> dict:
    return {
        "case_id": case_id,
        "employed_6m": employed,
        "employed_12m": employed,
        "employment_type": "formal" if employed else None,
        "job_matches_training": matches if employed else None,
        "monthly_wage_vnd": wage if employed else None,
        "completed": True,
    }


def test_shares_of_enrolments_and_suppression():
    # 30 enrolments: 12 in P1 (top 3, chosen), 9 in P5 (recommended, rank 5), 9 elsewhere
    cases = _cases(["P1"] * 12 + ["P5"] * 9 + ["X9"] * 9 + [None] * 4)
    r = impact(cases, min_cell=20)
    assert (r.cases, r.enrolments) == (34, 30)
    assert (r.recommended.n, r.recommended.of, r.recommended.value) == (21, 30, 21 / 30)
    assert (r.top3.n, r.top3.value) == (12, 12 / 30)
    assert (r.as_chosen.n, r.as_chosen.value) == (12, 12 / 30)
    # the same cases with a higher minimum: every share is suppressed, counts stay
    small = impact(cases, min_cell=31)
    assert small.recommended.value is None and small.recommended.n == 21
    assert any("suppressed: fewer than 31" in line for line in report_lines(small))


def test_outcomes_by_group_use_the_published_definitions_and_minimum():
    cases = _cases(["P1"] * 25 + ["X9"] * 5)
    rows = [
        _outcome(i, employed=i <= 20, matches=i <= 10, wage=6e6 + i * 1e5) for i in range(1, 26)
    ]
    rows += [_outcome(26, employed=True, matches=True, wage=9e6)]  # not recommended
    outcomes = pd.DataFrame(rows)
    r = impact(cases, outcomes, min_cell=20)
    rec, other = r.outcomes["recommended"], r.outcomes["not_recommended"]
    assert (rec.enrolled, rec.answered_12m) == (25, 25)
    assert rec.rates["employment_12m"] == pytest.approx(20 / 25)
    assert rec.rates["in_occupation_12m"] == pytest.approx(10 / 25)
    assert rec.wage_median == pytest.approx(6e6 + 10.5 * 1e5)  # median of 20 wages
    # one answer for the other group: below the minimum, everything suppressed
    assert (other.enrolled, other.answered_12m) == (5, 1)
    assert other.rates == {"employment_12m": None, "in_occupation_12m": None}
    assert other.wage_median is None
    # an outcome of a case without an enrolment is not counted
    extra = pd.concat([outcomes, pd.DataFrame([_outcome(99, True, True, 1e7)])])
    assert impact(cases, extra, min_cell=20).outcomes == r.outcomes


def test_no_enrolments_is_said_clearly():
    lines = report_lines(impact(_cases([None, None]), min_cell=20))
    assert any(line.startswith("no enrolments recorded yet") for line in lines)
    assert not any("recommended programme:" in line for line in lines)
    lines = report_lines(impact(_cases([]), min_cell=20))
    assert any(line.startswith("no saved cases") for line in lines)


def _data(employed: bool, matches: bool, wage: float) -> dict:
    """A tracer record's data (its outcome columns; no case id: the link is the pseudonym)."""
    return {k: v for k, v in _outcome(0, employed, matches, wage).items() if k != "case_id"}


def _seed(engine, secret: bytes, n: int) -> None:  # noqa: ANN001
    """``n`` saved cases of learners L000.., each enrolled in P1 and traced 12 months later
    (the first 15 employed); plus one case without enrolment and one graduate of another
    programme with the same learner reference (not this enrolment's outcome)."""
    from guidance.store.audit import record_feedback
    from guidance.store.db import write_tx
    from guidance.tracer.pseudo import pseudonym

    ids = []
    for i in range(n + 1):
        ids.append(
            record_feedback(
                engine,
                programme_id="P1",
                recommended_ids=SHOWN,
                consent_case=True,
                case={"learner_id": f"L{i:03d}", "age": 18, "home_province_code": "01"},
                shown=[{"id": p, "rank": k + 1} for k, p in enumerate(SHOWN)],
            )
        )
    for case_id in ids[:n]:
        assert record_enrolment(engine, case_id, "P1", date(2024, 9, 1), owner=None)
    with write_tx(engine) as conn:
        sub = conn.execute(
            insert(TracerSubmission.__table__)
            .values(
                institution_id="I1",
                cohort="2025",
                wave="12m",
                version=1,
                kind="records",
                created_at=utcnow(),
                actor="test",
                row_count=n + 1,
                content_hash="0" * 64,
            )
            .returning(TracerSubmission.__table__.c.id)
        ).scalar_one()
        recs = [
            {
                "submission_id": sub,
                "pseudonym": pseudonym(secret, f"L{i:03d}"),
                "programme_id": "P1",
                "survey_status": "responded",
                "data": _outcome(0, employed=i < 15, matches=i < 5, wage=7e6) | {"case_id": None},
            }
            for i in range(n)
        ]
        recs.append(
            {
                "submission_id": sub,
                "pseudonym": pseudonym(secret, "L-OTHER"),
                "programme_id": "P1",
                "survey_status": "responded",
                "data": _data(True, True, 7e6),
            }
        )
        conn.execute(insert(TracerRecord.__table__), recs)


def test_cases_are_linked_to_tracer_outcomes_by_pseudonym(db_url, capsys):
    from guidance.impact_cli import impact_command, impact_inputs
    from guidance.store.db import make_engine
    from guidance.store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    secret = b"impact-test-secret"
    _seed(engine, secret, 24)
    cases, outcomes = impact_inputs(engine, secret)
    assert len(cases) == 25 and cases["enrolled_id"].notna().sum() == 24
    assert sorted(outcomes["case_id"]) == sorted(cases["case_id"][:24])
    r = impact(cases, outcomes, min_cell=20)
    assert r.recommended.value == 1.0 and r.top3.value == 1.0
    assert r.outcomes["recommended"].rates["employment_12m"] == pytest.approx(15 / 24)
    # a wrong secret links nobody: outcomes are matched by pseudonym only
    _, none = impact_inputs(engine, b"another secret")
    assert none.empty
    # the command on this database (its own secret: no outcome linked, shares printed)
    assert impact_command(argparse.Namespace(database_url=db_url)) == 0
    out = capsys.readouterr().out
    assert "enrolments recorded: 24" in out
    assert "enrolled in a recommended programme: 24 of 24 (100.0 %)" in out
    engine.dispose()


def test_the_command_says_when_no_enrolment_is_recorded(db_url, capsys):
    from guidance.impact_cli import impact_command

    assert impact_command(argparse.Namespace(database_url=db_url)) == 0
    out = capsys.readouterr().out
    assert "no saved cases" in out

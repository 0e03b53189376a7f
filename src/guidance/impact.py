"""Does guidance work? The figures of ``guidance impact`` (pure: frames in, figures out).

The inputs are the counsellors' saved cases (``store.cases.enrolment_rows``) and, where a
case's learner reference matches a graduate of the tracer database, that graduate's outcome
record. The figures:

- **cases** — saved cases (feedback with the learner's consent to keep the case);
- **enrolments** — cases whose enrolment was recorded later;
- **enrolled in a recommended programme** — the enrolled programme was among those shown
  (``shown``: the recommendation as it was served; older cases: ``recommended_ids``), and
  **in the top 3**; **as chosen** — the enrolment is the programme chosen at the session.
  Shares are / enrolments;
- **outcomes** — for enrolled learners whose 12-month outcome is known, by group (enrolled
  in a recommended programme or not): employment and in-occupation rates at 12 months
  (/ answered 12 months, ``stats.definitions``), and the median monthly wage of those
  employed with a wage.

Disclosure: a share or rate whose denominator is below ``min_cell`` (the published
statistics' minimum respondents, ``stats.disclosure.DisclosureSettings.min_respondents``)
is suppressed (None), and so is a median of fewer wages than ``min_wage``; the counts
behind them are shown to staff only (the command reads the database directly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from guidance.stats.definitions import RATES, indicators, wage_quartiles

TOP = 3
GROUPS = ("recommended", "not_recommended")
OUTCOME_RATES = ("employment_12m", "in_occupation_12m")


@dataclass(frozen=True)
class Share:
    n: int
    of: int
    value: float | None  # None: suppressed (``of`` below the minimum cell) or no denominator


@dataclass(frozen=True)
class GroupOutcomes:
    enrolled: int
    answered_12m: int
    rates: dict[str, float | None]
    wage_median: float | None
    wages: int


@dataclass(frozen=True)
class Impact:
    cases: int
    enrolments: int
    recommended: Share
    top3: Share
    as_chosen: Share
    outcomes: dict[str, GroupOutcomes] = field(default_factory=dict)
    min_cell: int = 20


def _share(n: int, of: int, min_cell: int) -> Share:
    return Share(n, of, n / of if of >= min_cell and of > 0 else None)


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def impact(
    cases: pd.DataFrame,
    outcomes: pd.DataFrame | None = None,
    *,
    min_cell: int,
    min_wage: int | None = None,
) -> Impact:
    """The figures above. ``cases``: ``case_id``, ``shown_ids`` (a list, rank order),
    ``chosen_id``, ``enrolled_id`` (None when not recorded). ``outcomes``: one row per case
    with a known outcome record: ``case_id`` and the contract's outcome columns
    (``survey_status`` optional, ``employed_6m``, ``employed_12m``, ``employment_type``,
    ``job_matches_training``, ``monthly_wage_vnd``, ``completed``)."""
    min_wage = min_cell if min_wage is None else min_wage
    enrolled = cases[cases["enrolled_id"].notna()]
    shown = enrolled["shown_ids"].map(lambda s: list(s or []))
    rec = pd.Series(
        [e in s for e, s in zip(enrolled["enrolled_id"], shown, strict=True)],
        index=enrolled.index,
        dtype=bool,
    )
    top = pd.Series(
        [e in s[:TOP] for e, s in zip(enrolled["enrolled_id"], shown, strict=True)],
        index=enrolled.index,
        dtype=bool,
    )
    chosen = enrolled["enrolled_id"] == enrolled["chosen_id"]
    n = len(enrolled)
    groups: dict[str, GroupOutcomes] = {}
    known = pd.DataFrame()
    if outcomes is not None and len(outcomes):
        known = outcomes[outcomes["case_id"].isin(enrolled["case_id"])].copy()
        known = known.drop_duplicates("case_id", keep="last")
    is_rec = dict(zip(enrolled["case_id"], rec, strict=True))
    for g in GROUPS:
        want = g == "recommended"
        members = int((rec == want).sum())
        part = (
            known[known["case_id"].map(lambda c, w=want: is_rec.get(c) == w)]
            if len(known)
            else known
        )
        if len(part):
            ind = indicators(part.reset_index(drop=True))
            counts = ind.drop(columns="wage").sum()
            wages = ind["wage"].dropna()
        else:
            counts = pd.Series(0, index=["answered_12m", "employed_12m", "in_occupation"])
            wages = pd.Series([], dtype="float64")
        answered = int(counts["answered_12m"])
        rates: dict[str, float | None] = {}
        for name in OUTCOME_RATES:
            fn, num, den = RATES[name]
            value = float(fn(counts[num], counts[den]))
            rates[name] = _finite(value) if int(counts[den]) >= min_cell else None
        median = _finite(wage_quartiles(wages)[1]) if len(wages) >= min_wage else None
        groups[g] = GroupOutcomes(members, answered, rates, median, len(wages))
    return Impact(
        cases=len(cases),
        enrolments=n,
        recommended=_share(int(rec.sum()), n, min_cell),
        top3=_share(int(top.sum()), n, min_cell),
        as_chosen=_share(int(chosen.sum()), n, min_cell),
        outcomes=groups,
        min_cell=min_cell,
    )


def _pct(s: Share, min_cell: int) -> str:
    if s.value is None:
        why = "no enrolments" if s.of == 0 else f"suppressed: fewer than {min_cell} enrolments"
        return f"{s.n} of {s.of} ({why})"
    return f"{s.n} of {s.of} ({100 * s.value:.1f} %)"


def report_lines(result: Impact) -> list[str]:
    """``guidance impact``'s text (staff only)."""
    lines = [
        f"saved cases: {result.cases}",
        f"enrolments recorded: {result.enrolments}",
    ]
    if result.cases == 0:
        return [
            *lines,
            "no saved cases: counsellors save a case with the learner's consent from the "
            "counsellor page (POST /api/v1/feedback with consent_case), then record the "
            "enrolment on /counsellor/cases; there is nothing to report yet",
        ]
    if result.enrolments == 0:
        return [
            *lines,
            "no enrolments recorded yet: record what a learner enrolled in on "
            "/counsellor/cases (PUT /api/v1/cases/{id}/enrolment); until then it cannot be "
            "said how often recommended programmes were chosen",
        ]
    lines += [
        "enrolled in a recommended programme: " + _pct(result.recommended, result.min_cell),
        f"  of which in the top {TOP}: " + _pct(result.top3, result.min_cell),
        "enrolled in the programme chosen at the session: "
        + _pct(result.as_chosen, result.min_cell),
        f"outcomes at 12 months (rates need {result.min_cell} answers, else suppressed):",
    ]
    for g, o in result.outcomes.items():
        label = "recommended" if g == "recommended" else "not recommended"
        rates = ", ".join(
            f"{name} {'suppressed' if v is None else f'{100 * v:.1f} %'}"
            for name, v in o.rates.items()
        )
        wage = "suppressed" if o.wage_median is None else f"{o.wage_median:,.0f} VND"
        lines.append(
            f"  {label}: {o.enrolled} enrolled, {o.answered_12m} answered at 12 months; "
            f"{rates}; median wage {wage}"
        )
    return lines

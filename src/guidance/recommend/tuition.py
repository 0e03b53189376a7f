"""Tuition after the exemptions the law gives, decided from the learner's profile alone
(the programme's level and the schooling completed): the packaged table
``reference/data/tuition_exemptions.csv`` names each rule and its legal source, and says
whether it was checked against the current text (``verified``)."""

from __future__ import annotations

import functools

from guidance import reference
from guidance.recommend.types import TuitionExemption


@functools.cache
def _rules() -> tuple[dict[str, object], ...]:
    return tuple(reference.tuition_exemptions().to_dict("records"))


def exemption(
    level: str,
    education_level: int | None,
    tuition_vnd_per_year: float,
    total_tuition_vnd: float | None,
) -> TuitionExemption | None:
    """The exemption a learner with ``education_level`` years of schooling gets on a
    programme of ``level`` (the largest share when several rules apply), with the tuition
    after it; None when no rule of the table applies."""
    if education_level is None:
        return None
    rules = [
        row
        for row in _rules()
        if row["level"] == level and int(str(row["education_level"])) == int(education_level)
    ]
    if not rules:
        return None
    best = max(rules, key=lambda row: float(str(row["exempt_share"])))  # the first of a tie
    share = min(max(float(str(best["exempt_share"])), 0.0), 1.0)
    keep = 1.0 - share
    return TuitionExemption.model_construct(
        rule_id=str(best["rule_id"]),
        rule_vi=str(best["name_vi"]),
        rule_en=str(best["name_en"]),
        legal_source=str(best["legal_source"]),
        verified=str(best["verified"]).strip().lower() == "true",
        note_vi=str(best["note_vi"]) if best["note_vi"] == best["note_vi"] else "",
        note_en=str(best["note_en"]) if best["note_en"] == best["note_en"] else "",
        exempt_share=share,
        tuition_vnd_per_year=float(tuition_vnd_per_year) * keep,
        total_tuition_vnd=None if total_tuition_vnd is None else float(total_tuition_vnd) * keep,
    )

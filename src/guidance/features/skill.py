"""The skill level an offering's target occupations ask for, and its gap to the credential
(THE definition, used by the model's offering block)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

# ISCO-08 skill level (1–4) of each major group (first digit of the code): ILO, International
# Standard Classification of Occupations ISCO-08, Vol. 1 (2012), Table 2. Managers span levels
# 3 and 4 (3.5 here); armed forces (0) span 1–4 by sub-major group, so they count as unknown.
MAJOR_GROUP_SKILL = {
    "1": 3.5,
    "2": 4.0,
    "3": 3.0,
    **dict.fromkeys("45678", 2.0),
    "9": 1.0,
}
# The ISCO skill level a programme level prepares for, by its ISCED level (ISCO-08 Vol. 1,
# Table 1: level 2 ↔ ISCED 2–4, level 3 ↔ ISCED 5b): trung cấp (ISCED 3–4) 2, cao đẳng (short
# tertiary, ISCED 5b) 3; sơ cấp, a course of months, 1 (short training for the job).
LEVEL_SKILL = {"so_cap": 1.0, "trung_cap": 2.0, "cao_dang": 3.0}


def occupation_skill(occupations: pd.DataFrame) -> dict[str, float]:
    """occupation code → ISCO skill level: ``occupations.skill_level`` where the table gives
    it, else the level of the code's major group (``MAJOR_GROUP_SKILL``)."""
    codes = occupations["occupation_code"].astype("str")
    level = codes.str[:1].map(MAJOR_GROUP_SKILL)
    if "skill_level" in occupations:
        level = pd.to_numeric(occupations["skill_level"], errors="coerce").fillna(level)
    known = level.notna()
    return dict(zip(codes[known], level[known].astype("float64"), strict=True))


def target_skill(target_sets: Iterable[Any], skill_of: Mapping[str, float]) -> np.ndarray:
    """Per ``;``-separated set of target occupations: the mean skill level of its occupations
    (an occupation missing from ``skill_of`` counts by its major group; NaN when none is
    known)."""
    sets = list(target_sets)
    out = np.full(len(sets), np.nan)
    for i, t in enumerate(sets):
        levels = [
            v
            for c in str(t).split(";")
            if (v := skill_of.get(c, MAJOR_GROUP_SKILL.get(c[:1]))) is not None
        ]
        if levels:
            out[i] = float(np.mean(levels))
    return out


def skill_gap(skill: np.ndarray, level: pd.Series) -> np.ndarray:
    """Skill levels the targets ask for beyond what the programme level prepares for
    (negative: the credential is above them; NaN when either is unknown)."""
    prepared = level.map(LEVEL_SKILL).astype("float64").to_numpy()
    return np.asarray(np.asarray(skill, dtype="float64") - prepared)

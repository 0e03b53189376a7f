"""The column lists of the feature step: raw inputs, and which outputs are learner-side."""

from __future__ import annotations

import pandas as pd

PROTECTED = ("sex", "ethnic_minority")
RIASEC = tuple(f"riasec_{k}" for k in "riasec")
LEARNER_COLUMNS = (
    *["age", "home_province_code", "education_level", "gpa", "math_score", "literature_score"],
    "english_score",
    *RIASEC,
    "prior_work_months",
)
OFFERING_COLUMNS = (
    "programme_id",
    "programme_code",
    "field_code",
    "level",
    "duration_months",
    "province_code",
    "institution_id",
    "tuition_vnd_per_year",
    "mode",
    "min_education",
    "target_occupations",
    "predecessor_id",
)
INPUT_COLUMNS = (*LEARNER_COLUMNS, *OFFERING_COLUMNS, "cohort")
# Low-cardinality categoricals go to the trees as native categories. Programme code, field,
# province and institution enter through the shrunk history rates and the demand/distance
# features instead: as raw categories (hundreds of levels) they overfitted and cost ~0.03 AUC
# on the demo world's test split (docs/training.md).
CATEGORICAL = ("level", "mode", "region_study", "region_home")
NUMERIC_RAW = (
    *(c for c in LEARNER_COLUMNS if c != "home_province_code"),
    *["duration_months", "tuition_vnd_per_year", "min_education"],
)
LEARNER_NUMERIC = tuple(c for c in NUMERIC_RAW if c in LEARNER_COLUMNS)
DERIVED = ("cohort_t", "edu_gap", "distance_km", "same_province", "interest_fit", "interest_corr")
# Offering-side: the ISCO skill level the target occupations ask for, and its gap to the
# level the programme prepares for (``features.skill``).
SKILL = ("target_skill", "skill_gap")
# Output columns that depend on the learner (or the graduation month): the learner block.
# Every other output column depends only on the offering and the demand snapshot.
LEARNER_SIDE = (
    "region_home",
    *LEARNER_NUMERIC,
    *DERIVED,
    "dem_vac_home",
    "dem_vps_home",
    "dem_trend_home",
    "dem_lratio_region_home",
)


def text(s: pd.Series) -> pd.Series:
    """Codes as strings with missing values kept missing (pandas 2 would write "nan")."""
    return s.astype("str").where(s.notna())

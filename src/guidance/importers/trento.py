"""University of Trento master's graduates, employment one year after graduation
(``cross_1year``: Santi, Dickson & Espa 2019) → a contract data directory.

One row per graduate: ``employment_sit`` (Employed / Trainee / Unemployed), ``gender``,
``finalgrade``, ``duration``, ``social_class``, ``irregularity`` (Low/Average/High or
Short/Average/Long) and ``hsscore`` (high-school final mark, 60–100). The file has no year,
degree, wage or occupation, so most of the contract's columns are placeholders; every choice
is listed in docs/real_data.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from guidance.importers import MAX_REPORTED, ImportSourceError, check_source

COLUMNS = (
    "employment_sit",
    "gender",
    "finalgrade",
    "duration",
    "social_class",
    "irregularity",
    "hsscore",
)
STATUSES = ("Employed", "Trainee", "Unemployed")
GENDERS = {"Female": "F", "Male": "M"}
PROVINCE_CODE = "99"  # not a Vietnamese code: the import's own provinces table defines it
PROGRAMME_ID = "UNITN-MSC"
DEFAULT_COHORT = "2013-12"  # the survey covers 2009–2013 graduates; the file has no year
PLACEHOLDER_AGE = 22  # age at enrolment in a master's: unknown per graduate
PLACEHOLDER_OCCUPATION = "2422"  # ISCO "policy administration professionals": unknown field
# columns of the source kept as extra (ignored) outcome columns, prefixed ``src_``
KEPT = ("finalgrade", "duration", "social_class", "irregularity")


def read_source(source: str | Path) -> pd.DataFrame:
    check_source(source)
    try:
        df = pd.read_csv(source, dtype="str", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ImportSourceError(f"{source}: not a readable CSV ({exc})") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ImportSourceError(f"{source}: columns missing: {', '.join(missing)}")
    if df.empty:
        raise ImportSourceError(f"{source}: no rows")
    bad = []
    st = df["employment_sit"].str.strip()
    for i in np.flatnonzero(~st.isin(STATUSES).to_numpy())[:MAX_REPORTED]:
        bad.append(
            f"row {i + 2} employment_sit {df['employment_sit'].iloc[i]!r} not one of "
            f"{', '.join(STATUSES)}"
        )
    hs = pd.to_numeric(df["hsscore"].str.strip().replace("", None), errors="coerce")
    given = df["hsscore"].str.strip() != ""
    for i in np.flatnonzero((given & ~hs.between(60, 100)).to_numpy())[:MAX_REPORTED]:
        bad.append(f"row {i + 2} hsscore {df['hsscore'].iloc[i]!r} is not a number 60–100")
    sex = df["gender"].str.strip()
    for i in np.flatnonzero((~sex.isin([*GENDERS, ""])).to_numpy())[:MAX_REPORTED]:
        bad.append(f"row {i + 2} gender {df['gender'].iloc[i]!r} not Female or Male")
    if bad:
        raise ImportSourceError(f"{source}: {len(bad)} bad cell(s): " + "; ".join(bad))
    return df


def import_trento(
    source: str | Path,
    out: str | Path,
    *,
    cohort: str = DEFAULT_COHORT,
    trainee_employed: bool = False,
) -> dict[str, int]:
    """Write provinces, programmes, outcomes and an empty demand table to ``out``."""

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", cohort):
        raise ImportSourceError(f"--cohort {cohort!r} is not a period YYYY-MM")
    df = read_source(source)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    provinces = pd.DataFrame(
        [
            {
                "province_code": PROVINCE_CODE,
                "name_vi": "Trento (Ý)",
                "name_en": "Trento (Italy)",
                "region": "red_river_delta",
                "lat": 46.0679,
                "lon": 11.1211,
            }
        ]
    )
    programmes = pd.DataFrame(
        [
            {
                "programme_id": PROGRAMME_ID,
                "programme_code": PROGRAMME_ID,
                "name_vi": "Thạc sĩ (mọi ngành), Đại học Trento, Ý",
                "name_en": "Master's degree (all disciplines), University of Trento, Italy",
                "level": "cao_dang",
                "field_code": "0000",
                "institution_id": "UNITN",
                "institution_name": "Università degli Studi di Trento",
                "province_code": PROVINCE_CODE,
                "duration_months": 24,
                "tuition_vnd_per_year": 0,
                "min_education": 12,
                "target_occupations": PLACEHOLDER_OCCUPATION,
                "mode": "full_time",
                "active": True,
            }
        ]
    )
    status = df["employment_sit"].str.strip()
    employed = (status == "Employed") | ((status == "Trainee") & trainee_employed)
    hs = pd.to_numeric(df["hsscore"].str.strip().replace("", None), errors="coerce")
    outcomes = pd.DataFrame(
        {
            "record_id": [f"TN{i:05d}" for i in range(1, len(df) + 1)],
            "programme_id": PROGRAMME_ID,
            "cohort": cohort,
            "age": PLACEHOLDER_AGE,
            "home_province_code": PROVINCE_CODE,
            "education_level": 13,
            "gpa": (hs / 10).round(2),
            "sex": df["gender"].str.strip().map(GENDERS),
            "completed": True,
            "employed_6m": employed,
            "employed_12m": employed,
            "employment_type": np.where(employed, "formal", "none"),
            "job_matches_training": False,
            "src_employment_sit": status,
            **{f"src_{c}": df[c].str.strip() for c in KEPT},
        }
    )
    provinces.to_csv(out / "provinces.csv", index=False)
    programmes.to_csv(out / "programmes.csv", index=False)
    outcomes.to_csv(out / "outcomes.csv", index=False)
    pd.DataFrame(columns=["period", "province_code", "occupation_code", "vacancies"]).to_csv(
        out / "demand.csv", index=False
    )
    return {
        "outcomes": len(outcomes),
        "programmes": 1,
        "provinces": 1,
        "demand": 0,
        "employed": int(employed.sum()),
    }

"""A tiny valid data directory, and helpers to spoil one cell of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from guidance import reference

PROVINCE_CODES = ["01", "48", "79"]
OCCUPATIONS = [("7212", "R"), ("7411", "RIC"), ("5120", "RE")]

PROGRAMMES = [
    # id, code, name_vi, level, field, inst, inst name, province, months, tuition, min_edu,
    # targets, mode, capacity, predecessor, active
    (
        "P1",
        "5520123",
        "Hàn",
        "trung_cap",
        "0715",
        "I1",
        "Trường Cao đẳng Cơ giới",
        "01",
        24,
        8000000,
        9,
        "7212",
        "full_time",
        60,
        "",
        "true",
    ),
    (
        "P2",
        "6520227",
        "Điện công nghiệp",
        "cao_dang",
        "0713",
        "I2",
        "Trường Cao đẳng Kỹ thuật",
        "79",
        30,
        12000000,
        12,
        "7411",
        "full_time",
        80,
        "",
        "true",
    ),
    (
        "P3",
        "3810205",
        "Kỹ thuật chế biến món ăn",
        "so_cap",
        "1013",
        "I3",
        "Trung tâm Giáo dục nghề nghiệp Đà Nẵng",
        "48",
        6,
        3000000,
        0,
        "5120;7212",
        "",
        "",
        "",
        "",
    ),
]
PROGRAMME_COLS = [
    "programme_id",
    "programme_code",
    "name_vi",
    "level",
    "field_code",
    "institution_id",
    "institution_name",
    "province_code",
    "duration_months",
    "tuition_vnd_per_year",
    "min_education",
    "target_occupations",
    "mode",
    "capacity",
    "predecessor_id",
    "active",
]

OUTCOME_COLS = [
    "record_id",
    "programme_id",
    "cohort",
    "age",
    "home_province_code",
    "education_level",
    "gpa",
    "riasec_r",
    "sex",
    "completed",
    "employed_6m",
    "employed_12m",
    "employment_type",
    "occupation_code",
    "job_province_code",
    "monthly_wage_vnd",
    "job_matches_training",
]
OUTCOMES = [
    (
        "R01",
        "P1",
        "2024-06",
        18,
        "01",
        9,
        6.5,
        0.8,
        "M",
        "true",
        "true",
        "true",
        "formal",
        "7212",
        "01",
        9000000,
        "true",
    ),
    (
        "R02",
        "P1",
        "2024-06",
        19,
        "01",
        9,
        7.0,
        0.6,
        "F",
        "true",
        "false",
        "false",
        "none",
        "",
        "",
        "",
        "false",
    ),
    (
        "R03",
        "P1",
        "2024-12",
        22,
        "48",
        12,
        "",
        "",
        "",
        "false",
        "false",
        "true",
        "informal",
        "5120",
        "48",
        6000000,
        "false",
    ),
    (
        "R04",
        "P2",
        "2024-06",
        20,
        "79",
        12,
        8.1,
        0.9,
        "M",
        "true",
        "true",
        "true",
        "formal",
        "7411",
        "79",
        12000000,
        "true",
    ),
    (
        "R05",
        "P2",
        "2024-06",
        21,
        "79",
        12,
        5.5,
        0.4,
        "F",
        "true",
        "true",
        "true",
        "self_employed",
        "",
        "79",
        "",
        "false",
    ),
    (
        "R06",
        "P2",
        "2025-01",
        30,
        "01",
        13,
        6.0,
        0.7,
        "X",
        "true",
        "false",
        "false",
        "none",
        "",
        "",
        "",
        "false",
    ),
    (
        "R07",
        "P3",
        "2024-03",
        16,
        "48",
        9,
        5.0,
        0.2,
        "F",
        "true",
        "true",
        "true",
        "informal",
        "5120",
        "48",
        5500000,
        "true",
    ),
    (
        "R08",
        "P3",
        "2024-03",
        45,
        "48",
        5,
        "",
        "",
        "M",
        "true",
        "true",
        "true",
        "formal",
        "5120",
        "48",
        7000000,
        "true",
    ),
    (
        "R09",
        "P3",
        "2024-09",
        17,
        "79",
        9,
        4.5,
        0.1,
        "F",
        "false",
        "false",
        "false",
        "none",
        "",
        "",
        "",
        "false",
    ),
    (
        "R10",
        "P1",
        "2024-09",
        24,
        "79",
        12,
        6.8,
        0.5,
        "M",
        "true",
        "true",
        "true",
        "formal",
        "7212",
        "79",
        10000000,
        "true",
    ),
]
DEMAND_COLS = [
    "period",
    "province_code",
    "occupation_code",
    "vacancies",
    "job_seekers",
    "median_wage_vnd",
    "source",
]
DEMAND = [
    ("2025-06", "01", "7212", 120, 40, 9500000, "employment_service_centre"),
    ("2025-06", "79", "7411", 300, "", 11000000, "job_board"),
    ("2025-06", "48", "5120", 80, 10, "", "job_board"),
    ("2025-07", "01", "7212", 110, 35, 9600000, "employment_service_centre"),
]


def good_tables() -> dict[str, pd.DataFrame]:
    """The tiny valid directory as text frames (what a CSV reader sees)."""
    prov = reference.provinces()
    prov = prov[prov["province_code"].isin(PROVINCE_CODES)]
    isco = reference.isco_groups().set_index("code")["name_en"]
    occ = pd.DataFrame(
        {
            "occupation_code": [c for c, _ in OCCUPATIONS],
            "name_en": [isco[c] for c, _ in OCCUPATIONS],
            "riasec": [r for _, r in OCCUPATIONS],
            "skill_level": ["2", "2", "2"],
        }
    )
    frames = {
        "provinces": prov[["province_code", "name_vi", "name_en", "region", "lat", "lon"]],
        "occupations": occ,
        "programmes": pd.DataFrame(PROGRAMMES, columns=PROGRAMME_COLS),
        "outcomes": pd.DataFrame(OUTCOMES, columns=OUTCOME_COLS),
        "demand": pd.DataFrame(DEMAND, columns=DEMAND_COLS),
    }
    return {k: v.astype(str).reset_index(drop=True) for k, v in frames.items()}


def write_dir(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(path / f"{name}.csv", index=False)
    return path


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """A fresh copy of the good tables (text frames) to spoil in a test."""
    return good_tables()


@pytest.fixture
def make_dir(tmp_path: Path) -> Callable[[dict[str, pd.DataFrame]], Path]:
    """Write tables as CSV files into a new directory under ``tmp_path``."""
    counter = iter(range(1000))
    return lambda tabs: write_dir(tmp_path / f"dir{next(counter)}", tabs)


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    return write_dir(tmp_path / "good", good_tables())


@pytest.fixture
def spoil(tmp_path: Path) -> Callable[..., Path]:
    """``spoil(table, row, column, value)``: the good directory with one cell changed
    (``row`` is 1-based; ``column`` may be new). Returns the directory."""

    def _spoil(table: str, row: int, column: str, value: object) -> Path:
        tables = good_tables()
        df = tables[table]
        if column not in df.columns:
            df[column] = ""
        df.loc[row - 1, column] = str(value)
        return write_dir(tmp_path / "bad", tables)

    return _spoil

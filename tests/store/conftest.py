"""Every store test runs on SQLite (a WAL file in tmp_path) and on PostgreSQL.

PostgreSQL tests each get a fresh, randomly named schema (dropped afterwards) and
reach it through ``search_path``. When the server is down they FAIL, on purpose:
CI starts it, and a silent skip would hide a whole engine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine

from guidance.store.db import make_engine
from guidance.store.migrate import upgrade


@pytest.fixture
def empty_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A migrated, empty database."""
    upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def catalogue() -> dict[str, pd.DataFrame]:
    """A tiny catalogue with contract columns and dtypes (as the contract loader gives)."""
    provinces = pd.DataFrame(
        {
            "province_code": ["01", "79"],
            "name_vi": ["Hà Nội", "Thành phố Hồ Chí Minh"],
            "name_en": ["Ha Noi", "Ho Chi Minh City"],
            "region": ["red_river_delta", "southeast"],
            "lat": [21.03, 10.78],
            "lon": [105.85, 106.70],
        }
    ).astype({"province_code": "str", "name_vi": "str", "name_en": "str", "region": "str"})
    occupations = pd.DataFrame(
        {
            "occupation_code": ["3313", "7411", "5120"],
            "name_en": ["Accounting associate professionals", "Building electricians", "Cooks"],
            "name_vi": ["Kỹ thuật viên kế toán", "Thợ điện", "Đầu bếp"],
            "riasec": ["CE", "RI", pd.NA],
            "skill_level": pd.array([3, 2, pd.NA], dtype="Int64"),
        }
    ).astype({"occupation_code": "str", "name_en": "str", "name_vi": "str", "riasec": "str"})
    names = [
        (
            "P001",
            "KT01",
            "Kế toán doanh nghiệp",
            "Enterprise accounting",
            "cao_dang",
            "0411",
            "01",
            "3313",
            True,
        ),
        (
            "P002",
            "KT01",
            "Kế toán doanh nghiệp",
            "Enterprise accounting",
            "trung_cap",
            "0411",
            "79",
            "3313",
            True,
        ),
        (
            "P003",
            "DI01",
            "Điện công nghiệp",
            "Industrial electricity",
            "cao_dang",
            "0713",
            "01",
            "7411",
            True,
        ),
        (
            "P004",
            "DI02",
            "Kỹ thuật điện dân dụng",
            "Domestic electrical work",
            "so_cap",
            "0713",
            "79",
            "7411",
            pd.NA,
        ),
        (
            "P005",
            "NA01",
            "Kỹ thuật chế biến món ăn",
            "Culinary arts",
            "trung_cap",
            "1013",
            "79",
            "5120;3434",
            False,
        ),
        ("P006", "TO01", "Toán ứng dụng 100%", pd.NA, "cao_dang", "0541", "01", "2120", True),
    ]
    programmes = pd.DataFrame(
        names,
        columns=[
            "programme_id",
            "programme_code",
            "name_vi",
            "name_en",
            "level",
            "field_code",
            "province_code",
            "target_occupations",
            "active",
        ],
    )
    programmes["institution_id"] = ["I1", "I2", "I1", "I3", "I2", "I1"]
    programmes["institution_name"] = [
        "Trường Cao đẳng Hà Nội",
        "Trường Trung cấp Sài Gòn",
        "Trường Cao đẳng Hà Nội",
        "Trung tâm GDNN Quận 1",
        "Trường Trung cấp Sài Gòn",
        "Trường Cao đẳng Hà Nội",
    ]
    programmes["duration_months"] = pd.array([30, 18, 30, 3, 18, 36], dtype="Int64")
    programmes["tuition_vnd_per_year"] = pd.array(
        [12_000_000, 8_000_000, 13_500_000, 2_000_000, 9_000_000, 11_000_000], dtype="Int64"
    )
    programmes["min_education"] = pd.array([12, 9, 12, 0, 9, 12], dtype="Int64")
    programmes["mode"] = pd.Series(
        ["full_time", "full_time", pd.NA, "part_time", "full_time", pd.NA], dtype="str"
    )
    programmes["capacity"] = pd.array([60, 40, pd.NA, 25, 30, 20], dtype="Int64")
    programmes["predecessor_id"] = pd.Series([pd.NA] * 5 + ["P000"], dtype="str")
    programmes["active"] = pd.array(programmes["active"].tolist(), dtype="boolean")
    str_cols = [
        "programme_id",
        "programme_code",
        "name_vi",
        "name_en",
        "level",
        "field_code",
        "province_code",
        "target_occupations",
        "institution_id",
        "institution_name",
    ]
    programmes = programmes.astype(dict.fromkeys(str_cols, "str"))
    return {"provinces": provinces, "occupations": occupations, "programmes": programmes}


def demand_frame(period: str, n: int, *, seed: int = 0, source: str = "job_board") -> pd.DataFrame:
    """``n`` distinct (province, occupation) rows for one period, contract dtypes."""
    import numpy as np

    rng = np.random.default_rng(seed)
    provinces = [f"{i:02d}" for i in range(1, 100)]
    occupations = [f"{i:04d}" for i in range(1000, 1000 + -(-n // len(provinces)))]
    pairs = [(p, o) for o in occupations for p in provinces][:n]
    df = pd.DataFrame(pairs, columns=["province_code", "occupation_code"])
    df.insert(0, "period", period)
    df["vacancies"] = pd.array(rng.integers(0, 500, n), dtype="Int64")
    seekers = rng.integers(0, 800, n).astype(object)
    seekers[::7] = pd.NA
    df["job_seekers"] = pd.array(seekers, dtype="Int64")
    df["median_wage_vnd"] = pd.array(rng.integers(4, 30, n) * 500_000, dtype="Int64")
    df["source"] = source
    return df.astype(
        {"period": "str", "province_code": "str", "occupation_code": "str", "source": "str"}
    )


@pytest.fixture
def make_demand():  # noqa: ANN201
    return demand_frame

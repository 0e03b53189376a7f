"""The ``db upgrade|load``, ``keys`` and ``purge`` command handlers, on both engines."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest
from sqlalchemy import inspect

from guidance.store.audit import export_audit, record_audit
from guidance.store.cli import (
    db_upgrade_command,
    keys_create_command,
    keys_list_command,
    keys_revoke_command,
    purge_command,
)
from guidance.store.db import make_engine
from guidance.store.keys import authenticate
from guidance.store.migrate import head
from guidance.store.schema import TABLES, utcnow


def ns(db_url: str, **kw: object) -> argparse.Namespace:
    return argparse.Namespace(database_url=db_url, **kw)


def test_db_upgrade(db_url, capsys):
    assert db_upgrade_command(ns(db_url)) == 0
    newest = head()  # the newest migration (test_migrations pins its number)
    assert f"{newest} (was empty)" in capsys.readouterr().err
    engine = make_engine(db_url)
    assert set(TABLES) <= set(inspect(engine).get_table_names())
    engine.dispose()
    assert db_upgrade_command(ns(db_url)) == 0
    assert f"(was {newest})" in capsys.readouterr().err


def test_keys_create_list_revoke(db_url, capsys):
    assert keys_create_command(ns(db_url, name="Cô Lan", role="counsellor")) == 0
    out = capsys.readouterr()
    secret = out.out.strip()  # stdout carries the secret alone, for scripts
    assert "\n" not in secret and "shown once" in out.err
    engine = make_engine(db_url)
    info = authenticate(engine, secret)
    assert info is not None and info.role == "counsellor"

    assert keys_list_command(ns(db_url)) == 0
    listing = capsys.readouterr().out
    assert secret[:8] in listing and secret not in listing and "Cô Lan" in listing

    assert keys_revoke_command(ns(db_url, id=str(info.id))) == 0
    assert authenticate(engine, secret) is None
    assert keys_revoke_command(ns(db_url, id=str(info.id))) == 1
    assert keys_create_command(ns(db_url, name="x", role="superuser")) == 2
    engine.dispose()


def test_purge_command(db_url, capsys):
    engine = make_engine(db_url)
    db_upgrade_command(ns(db_url))
    now = utcnow()
    for days in (40, 10):
        record_audit(
            engine,
            request_id=f"r{days}",
            route="/x",
            role="public",
            status=200,
            created_at=now - timedelta(days=days),
        )
    assert purge_command(ns(db_url, older_than_days=30)) == 0
    assert "1 audit, 0 feedback" in capsys.readouterr().err
    left = export_audit(engine, now - timedelta(days=100), now + timedelta(days=1))
    assert [r["request_id"] for r in left] == ["r10"]
    assert purge_command(ns(db_url, older_than_days=None)) == 0  # default retention: 365 days
    assert "0 audit" in capsys.readouterr().err
    engine.dispose()


def test_db_load_from_a_contract_directory(db_url, tmp_path, catalogue, capsys):
    import pandas as pd

    from guidance.contract import ContractError, load_dir
    from guidance.store.cli import db_load_command
    from guidance.store.demand import latest_period, list_snapshots

    data = tmp_path / "data"
    data.mkdir()
    progs = catalogue["programmes"].copy()  # only references the contract accepts
    progs["target_occupations"] = ["3313", "3313", "7411", "7411", "5120", "3313"]
    progs["predecessor_id"] = pd.Series([pd.NA] * 5 + ["P001"], dtype="str")
    tables = {**catalogue, "programmes": progs}
    for name, df in tables.items():
        df.to_csv(data / f"{name}.csv", index=False)
    pd.DataFrame(
        {
            "record_id": ["R1", "R2"],
            "programme_id": ["P001", "P003"],
            "cohort": ["2024-06", "2024-06"],
            "age": [18, 19],
            "home_province_code": ["01", "79"],
            "education_level": [12, 12],
            "completed": [True, False],
            "employed_6m": [True, False],
            "employed_12m": [True, False],
            "employment_type": ["formal", "none"],
            "job_matches_training": [True, False],
        }
    ).to_csv(data / "outcomes.csv", index=False)
    demand = pd.DataFrame(
        {
            "period": ["2025-01", "2025-01", "2025-02"],
            "province_code": ["01", "79", "01"],
            "occupation_code": ["3313", "7411", "3313"],
            "vacancies": [5, 7, 9],
        }
    )
    demand.to_csv(data / "demand.csv", index=False)
    try:
        load_dir(data)
    except ContractError as exc:  # the fixture must satisfy the contract itself
        pytest.fail(f"test fixture is not a valid data directory: {exc}")

    assert db_load_command(ns(db_url, data_dir=str(data))) == 0
    assert "6 programmes" in capsys.readouterr().err
    engine = make_engine(db_url)
    assert latest_period(engine) == "2025-02"
    assert [s.row_count for s in list_snapshots(engine)] == [2, 1]
    engine.dispose()
    (data / "provinces.csv").write_text("province_code\n01\n")  # required columns missing
    assert db_load_command(ns(db_url, data_dir=str(data))) == 1

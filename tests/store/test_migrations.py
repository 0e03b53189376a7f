"""Migrations build the schema from nothing, match the models, and run from the package."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, inspect, text

from guidance.store.db import make_engine, normalise_url
from guidance.store.migrate import MIGRATIONS, current, diff, head, upgrade
from guidance.store.schema import TABLES, metadata


def test_upgrade_from_empty_creates_every_table(empty_engine):
    assert current(empty_engine) is None
    assert inspect(empty_engine).get_table_names() == []
    rev = upgrade(empty_engine)
    assert rev == head() == "0009"
    assert set(inspect(empty_engine).get_table_names()) == set(TABLES) | {"alembic_version"}
    assert upgrade(empty_engine) == rev  # idempotent: the app calls it at every start


def test_models_match_migrations(engine):
    assert diff(engine) == []


def test_diff_notices_a_model_change(engine):
    """The check above can fail: a column added to a model but not migrated is reported."""
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["audit_log"].append_column(Column("extra", Integer))
    found = diff(engine, changed)
    assert any(d[0] == "add_column" and d[3].name == "extra" for d in found)


def test_downgrade_to_base_drops_everything(engine):
    from alembic import command

    from guidance.store.db import write_tx
    from guidance.store.migrate import _config

    with write_tx(engine) as conn:
        command.downgrade(_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current(engine) is None


def test_migrations_ship_inside_the_package():
    assert (MIGRATIONS / "env.py").is_file()
    assert any(p.name.startswith("0001_") for p in (MIGRATIONS / "versions").glob("*.py"))
    assert "guidance" in MIGRATIONS.parts and "store" in MIGRATIONS.parts


def test_sqlite_pragmas_and_parent_dir(tmp_path):
    path = tmp_path / "a" / "b" / "x.db"
    engine = make_engine(f"sqlite:///{path}")
    assert not path.parent.exists()  # nothing happens before the first connection
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert path.exists()
    engine.dispose()


def test_sqlite_transactions_are_real(tmp_path):
    """The driver's lazy BEGIN is replaced by ours, so DDL inside a failed block rolls back."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        raise RuntimeError("boom")
    assert "t" not in inspect(engine).get_table_names()
    engine.dispose()


def test_postgres_url_uses_psycopg3():
    assert normalise_url("postgresql://u@h:5432/d").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///var/x.db") == "sqlite:///var/x.db"


def test_concurrent_upgrades_on_a_fresh_database(db_url):
    """Several workers starting at once all end at head, none fails on 'table exists'."""
    from concurrent.futures import ThreadPoolExecutor

    engines = [make_engine(db_url) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        revs = list(pool.map(upgrade, engines))
    assert revs == [head()] * 3
    for e in engines:
        e.dispose()


def test_upgrade_from_0001_keeps_the_catalogue_and_starts_counting_loads(empty_engine, catalogue):
    """A database loaded under 0001 moves to 0002 with its rows; the first load after it is
    generation 1, the next one 2."""
    from guidance.store.catalogue import catalogue_generation, load_catalogue, search_programmes

    assert upgrade(empty_engine, "0001") == "0001"
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO provinces (province_code, name_vi, region, lat, lon) "
                "VALUES ('01', 'Hà Nội', 'red_river_delta', 21.03, 105.85)"
            )
        )
    assert upgrade(empty_engine) == head()
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT name_vi FROM provinces")).scalar_one() == "Hà Nội"
    assert catalogue_generation(empty_engine) is None
    load_catalogue(empty_engine, catalogue)
    assert catalogue_generation(empty_engine) == 1
    load_catalogue(empty_engine, catalogue)
    assert catalogue_generation(empty_engine) == 2
    assert search_programmes(empty_engine).total == len(catalogue["programmes"])

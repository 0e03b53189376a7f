"""Demand snapshots: atomic replacement, newest period, read-back with contract dtypes."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from guidance.store.catalogue import load_catalogue
from guidance.store.db import StoreError
from guidance.store.demand import (
    get_demand,
    get_snapshot,
    latest_period,
    list_snapshots,
    replace_demand_period,
)
from guidance.store.fingerprint import table_fingerprints
from guidance.store.keys import create_key

KEY = ["province_code", "occupation_code"]


def same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got.sort_values(KEY).reset_index(drop=True),
        want.sort_values(KEY).reset_index(drop=True)[got.columns],
    )


def test_round_trip_and_snapshot_row(engine, make_demand):
    key_id, _ = create_key(engine, "ministry feed", "admin")
    df = make_demand("2025-03", 250)
    info = replace_demand_period(engine, "2025-03", df, uploaded_by=key_id)
    assert info.row_count == 250 and info.source == "job_board" and info.uploaded_by == key_id
    got = get_demand(engine, "2025-03")
    assert str(got["vacancies"].dtype) == "Int64" and got["province_code"].iloc[0] == "01"
    assert got["job_seekers"].isna().sum() == df["job_seekers"].isna().sum() > 0
    same_rows(got, df)
    stored = get_snapshot(engine, "2025-03")
    assert stored.content_hash == info.content_hash and stored.row_count == 250
    assert stored.uploaded_at.tzinfo is not None


def test_content_hash_is_of_the_canonical_rows(engine, make_demand):
    df = make_demand("2025-03", 40)
    a = replace_demand_period(engine, "2025-03", df)
    b = replace_demand_period(engine, "2025-03", df.sample(frac=1.0, random_state=1))
    assert a.content_hash == b.content_hash  # row order does not matter
    changed = df.copy()
    changed.loc[changed.index[5], "vacancies"] += 1
    assert replace_demand_period(engine, "2025-03", changed).content_hash != a.content_hash
    # Independent recomputation of the documented definition: one JSON array of the rows
    # sorted by (province, occupation), compact separators, missing values as null.
    import json

    rows = sorted(df.itertuples(index=False), key=lambda r: (r.province_code, r.occupation_code))
    text = json.dumps(
        [
            [
                r.period,
                r.province_code,
                r.occupation_code,
                int(r.vacancies),
                None if pd.isna(r.job_seekers) else int(r.job_seekers),
                int(r.median_wage_vnd),
                r.source,
            ]
            for r in rows
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    assert a.content_hash == hashlib.sha256(text.encode()).hexdigest()


def test_replacing_a_period_keeps_only_the_new_rows(engine, make_demand):
    replace_demand_period(engine, "2025-01", make_demand("2025-01", 30, seed=1))
    replace_demand_period(engine, "2025-02", make_demand("2025-02", 120, seed=2))
    new = make_demand("2025-02", 50, seed=3, source="employment_service_centre")
    replace_demand_period(engine, "2025-02", new)
    same_rows(get_demand(engine, "2025-02"), new)
    assert len(get_demand(engine, "2025-01")) == 30  # other periods untouched
    assert [s.period for s in list_snapshots(engine)] == ["2025-01", "2025-02"]
    assert get_snapshot(engine, "2025-02").row_count == 50


def test_latest_period_and_default_read(engine, make_demand):
    assert latest_period(engine) is None
    assert get_demand(engine).empty
    replace_demand_period(engine, "2024-12", make_demand("2024-12", 10))
    replace_demand_period(engine, "2024-05", make_demand("2024-05", 20))  # older, uploaded later
    assert latest_period(engine) == "2024-12"
    assert (get_demand(engine)["period"] == "2024-12").all()


def test_filters(engine, make_demand):
    replace_demand_period(engine, "2025-03", make_demand("2025-03", 300))
    one = get_demand(engine, "2025-03", province="07")
    # 300 rows fill occupations 1000-1002 for all 99 provinces, then 3 rows of 1003 (01-03).
    assert len(one) == 3 and set(one["province_code"]) == {"07"}
    assert len(get_demand(engine, "2025-03", province="02")) == 4
    both = get_demand(engine, "2025-03", province="07", occupation="1001")
    assert len(both) == 1
    assert get_demand(engine, "1999-01").empty


@pytest.fixture
def busy(engine, catalogue, make_demand):
    """A database with something in every kind of table, and its fingerprints."""
    load_catalogue(engine, catalogue)
    key_id, _ = create_key(engine, "admin", "admin")
    replace_demand_period(engine, "2025-01", make_demand("2025-01", 80, seed=1), uploaded_by=key_id)
    replace_demand_period(engine, "2025-02", make_demand("2025-02", 90, seed=2))
    return engine, table_fingerprints(engine)


def test_duplicate_key_mid_batch_rolls_everything_back(busy, make_demand):
    engine, before = busy
    df = make_demand("2025-02", 400, seed=9)
    df = pd.concat([df, df.iloc[[350]]], ignore_index=True)  # duplicate lands in a late chunk
    with pytest.raises(StoreError):
        replace_demand_period(engine, "2025-02", df, chunk_size=100)
    assert table_fingerprints(engine) == before


def test_exception_after_half_the_rows_rolls_everything_back(busy, make_demand):
    engine, before = busy
    written = []

    def hook(n: int) -> None:
        written.append(n)
        if n >= 200:
            raise KeyboardInterrupt  # even a non-Exception interrupt must not leave half a period

    with pytest.raises(KeyboardInterrupt):
        replace_demand_period(
            engine, "2025-03", make_demand("2025-03", 400), chunk_size=100, progress=hook
        )
    assert written == [100, 200]
    assert table_fingerprints(engine) == before
    assert latest_period(engine) == "2025-02"


def test_database_check_failure_rolls_back(busy, make_demand):
    engine, before = busy
    df = make_demand("2025-01", 10)
    df.loc[df.index[-1], "vacancies"] = -1  # validation is upstream; the DB still refuses
    with pytest.raises(StoreError):
        replace_demand_period(engine, "2025-01", df)
    assert table_fingerprints(engine) == before


def test_rows_of_another_period_are_refused_before_touching_the_db(busy, make_demand):
    engine, before = busy
    with pytest.raises(ValueError, match="other periods"):
        replace_demand_period(engine, "2025-04", make_demand("2025-05", 5))
    with pytest.raises(ValueError, match="YYYY-MM"):
        replace_demand_period(engine, "2025-4", make_demand("2025-4", 5))
    assert table_fingerprints(engine) == before


def test_fingerprints_see_a_change(busy, make_demand):
    engine, before = busy
    df = get_demand(engine, "2025-01")
    df.loc[df.index[0], "median_wage_vnd"] = 1
    replace_demand_period(engine, "2025-01", df)
    after = table_fingerprints(engine)
    assert after["demand_rows"][0] == before["demand_rows"][0]
    assert after["demand_rows"][1] != before["demand_rows"][1]
    assert after["programmes"] == before["programmes"]


@pytest.mark.slow
def test_hundred_thousand_rows(engine, make_demand):
    import time

    df = make_demand("2025-06", 100_000)
    t = time.perf_counter()
    info = replace_demand_period(engine, "2025-06", df)
    replaced = replace_demand_period(engine, "2025-06", df.iloc[::-1])
    elapsed = time.perf_counter() - t
    assert info.row_count == replaced.row_count == 100_000
    assert replaced.content_hash == info.content_hash
    got = get_demand(engine)
    assert len(got) == 100_000 and int(got["vacancies"].sum()) == int(df["vacancies"].sum())
    assert elapsed < 60, f"two 100k-row replacements took {elapsed:.1f} s"


def test_readers_see_the_old_snapshot_during_an_upload(engine, make_demand):
    old = make_demand("2025-01", 60, seed=1)
    replace_demand_period(engine, "2025-01", old)
    seen = []

    def hook(n: int) -> None:  # runs inside the writing transaction
        seen.append(
            (
                latest_period(engine),
                len(get_demand(engine, "2025-01")),
                get_snapshot(engine, "2025-01").row_count,
            )
        )

    replace_demand_period(
        engine, "2025-01", make_demand("2025-01", 250, seed=2), chunk_size=100, progress=hook
    )
    assert seen == [("2025-01", 60, 60)] * 3  # not blocked, and never a mixture
    assert len(get_demand(engine, "2025-01")) == 250


def test_concurrent_writers_wait_for_each_other(engine, make_demand):
    """Two uploads and a key creation at once all succeed (SQLite: busy timeout and
    BEGIN IMMEDIATE; PostgreSQL: the snapshot table lock)."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = [
        lambda p=p, i=i: replace_demand_period(engine, p, make_demand(p, 3_000, seed=i))
        for i, p in enumerate(["2025-01", "2025-02", "2025-01"])
    ]
    jobs.append(lambda: create_key(engine, "during uploads", "admin"))
    with ThreadPoolExecutor(4) as pool:
        results = [f.result(timeout=60) for f in [pool.submit(j) for j in jobs]]
    assert [r.row_count for r in results[:3]] == [3_000] * 3
    assert [s.period for s in list_snapshots(engine)] == ["2025-01", "2025-02"]
    assert len(get_demand(engine, "2025-01")) == 3_000


def test_serving_read_splits_one_query_by_period_and_reuses_its_cache(engine, make_demand):
    """``read_demand`` reads the snapshots it lacks in one query and splits them by period:
    the rows equal the per-period reads, with and without a partly filled cache."""
    from guidance.store.serving import demand_key, read_demand

    for period, n in (("2025-01", 40), ("2025-02", 55), ("2025-03", 30)):
        replace_demand_period(engine, period, make_demand(period, n))
    key = demand_key(engine, 3)
    want = pd.concat([get_demand(engine, p) for p, _ in key], ignore_index=True)
    cache: dict = {}
    pd.testing.assert_frame_equal(read_demand(engine, key, cache), want)
    assert [len(cache[k]) for k in key] == [40, 55, 30]
    assert [set(cache[k]["period"]) for k in key] == [{"2025-01"}, {"2025-02"}, {"2025-03"}]
    replace_demand_period(engine, "2025-02", make_demand("2025-02", 20))
    new_key = demand_key(engine, 3)
    kept = cache[key[0]]
    got = read_demand(engine, new_key, cache)
    assert cache[new_key[0]] is kept and key[1] not in cache  # only 2025-02 was read again
    want = pd.concat([get_demand(engine, p) for p, _ in new_key], ignore_index=True)
    pd.testing.assert_frame_equal(got, want)
    assert len(got) == 90

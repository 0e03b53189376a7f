"""Outcome tables on Dask (``stats.distributed``): the same frames, to the last bit, as the
single-process path over the same directory, on dask's local scheduler and on a real
``LocalCluster`` of 2 worker processes; CSV and Parquet; bad directories refused."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from guidance.contract import load_dir
from guidance.stats.tables import GROUPINGS, outcome_tables
from guidance.world.generate import generate_world


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    cache: dict = {}

    def get(scale: str, seed: int, fmt: str = "csv"):
        if (scale, seed, fmt) not in cache:
            d = tmp_path_factory.mktemp(f"dist-{scale}-{seed}-{fmt}")
            generate_world(d, seed=seed, scale=scale, fmt=fmt, progress=False)
            cache[(scale, seed, fmt)] = d
        return cache[(scale, seed, fmt)]

    return get


@pytest.fixture(scope="module")
def client():
    from distributed import Client

    from guidance.daskcluster import local_cluster

    with local_cluster(2) as cluster, Client(cluster) as c:
        yield c


def _assert_same(directory, **kw) -> dict:
    from guidance.stats.distributed import outcome_tables_dask

    single = outcome_tables(load_dir(directory))
    dist = outcome_tables_dask(directory, **kw)
    assert list(dist) == list(GROUPINGS)
    for name in GROUPINGS:
        assert len(single[name]) > 0, name
        pd.testing.assert_frame_equal(dist[name], single[name], check_exact=True, obj=name)
    return dist


def test_several_csv_blocks_on_the_local_scheduler(world_dir):
    from guidance.stats.distributed import read_outcomes

    d = world_dir("tiny", 1)
    assert read_outcomes(d, blocksize=100_000).npartitions >= 3  # the reduce is exercised
    _assert_same(d, blocksize=100_000)


def test_a_tiny_world_on_a_two_process_cluster(world_dir, client):
    ran_on = client.run(os.getpid)
    assert len(set(ran_on.values()) | {os.getpid()}) == 3
    _assert_same(world_dir("tiny", 2), client=client, blocksize=100_000)


@pytest.mark.slow
def test_a_small_world_on_a_two_process_cluster(world_dir, client):
    dist = _assert_same(world_dir("demo", 1), client=client, blocksize=1_000_000)
    assert int(dist["nation"].loc[~dist["nation"]["pooled"], "graduates"].sum()) == 30_000


def test_parquet_row_groups_on_the_cluster(world_dir, client, tmp_path):
    import pyarrow.parquet as pq

    from guidance.stats.distributed import read_outcomes

    src = world_dir("tiny", 3, "parquet")
    d = tmp_path / "rowgroups"
    shutil.copytree(src, d)
    table = pq.read_table(d / "outcomes.parquet")
    pq.write_table(table, d / "outcomes.parquet", row_group_size=700)  # several partitions
    assert read_outcomes(d).npartitions >= 4
    _assert_same(d, client=client)


def test_a_directory_that_breaks_the_contract_is_refused(world_dir, tmp_path):
    from guidance.stats.distributed import DirectoryError, outcome_tables_dask

    src = world_dir("tiny", 1)
    bad = tmp_path / "bad"
    shutil.copytree(src, bad)
    out = pd.read_csv(bad / "outcomes.csv", dtype=str, keep_default_na=False)
    out.loc[5, "employed_12m"] = "maybe"
    out.to_csv(bad / "outcomes.csv", index=False)
    with pytest.raises(DirectoryError, match="employed_12m") as exc:
        outcome_tables_dask(bad)
    assert "guidance validate" in str(exc.value)

    out.loc[5, "employed_12m"] = "true"
    out.loc[7, "programme_id"] = "NO-SUCH-OFFERING"
    out.to_csv(bad / "outcomes.csv", index=False)
    with pytest.raises(DirectoryError, match="1 outcome rows name a programme_id"):
        outcome_tables_dask(bad)
    with pytest.raises(FileNotFoundError):
        outcome_tables_dask(tmp_path / "missing")

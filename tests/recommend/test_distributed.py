"""Batch recommendations on a real Dask ``LocalCluster`` (2 worker processes, 1 thread each):
same answers as one process, a worker killed mid-run, resume, bad rows, the manifest."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from guidance.recommend.batch import OUTPUT_COLUMNS, run_batch  # noqa: E402
from guidance.recommend_dask import (  # noqa: E402
    BatchError,
    read_output,
    resolve_source,
    run_distributed,
    written_parts,
)

PART = 7  # rows per partition: 40 learners -> 6 partitions


@pytest.fixture(scope="module")
def artifact(tiny_models, tmp_path_factory):
    from guidance.artifacts import save_artifact

    job, _ = save_artifact(tiny_models, tmp_path_factory.mktemp("dmodels"), "guidance-outcomes", 3)
    return job


@pytest.fixture(scope="module")
def client():
    from distributed import Client

    from guidance.daskcluster import local_cluster

    with local_cluster(2) as cluster, Client(cluster) as c:
        yield c


def _worker_env() -> dict:
    import os

    return {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}


def test_workers_keep_glibcs_malloc_defaults(client):
    """``daskcluster.local_cluster``: Dask's nanny would set MALLOC_TRIM_THRESHOLD_ (which
    turns off glibc's dynamic mmap threshold: every large array mmap'd, ~30% slower batch);
    our workers do not have it, and still run one OpenMP thread."""
    envs = client.run(_worker_env)
    assert len(envs) == 2
    for env in envs.values():
        assert env == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def learners(tiny_tables, tmp_path_factory):
    out = tiny_tables["outcomes"].tail(40).reset_index(drop=True)
    df = out[
        [
            "record_id",
            "age",
            "home_province_code",
            "education_level",
            "gpa",
            "riasec_r",
            "riasec_i",
            "riasec_a",
            "riasec_s",
            "riasec_e",
            "riasec_c",
        ]
    ]
    df = df.rename(columns={"record_id": "learner_id"})
    df["willing_to_relocate"] = [i % 2 == 0 for i in range(len(df))]
    df["levels"] = ["so_cap;trung_cap" if i % 3 == 0 else None for i in range(len(df))]
    path = tmp_path_factory.mktemp("dlearners") / "learners.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def source(tiny_dir, artifact):
    return resolve_source(tiny_dir, artifact)


@pytest.fixture(scope="module")
def single(tiny_dir, artifact, learners, tmp_path_factory) -> pd.DataFrame:
    """The single-process run (k=3) that every distributed run must reproduce."""
    from guidance.recommend.loading import load_recommender

    out = tmp_path_factory.mktemp("dsingle") / "single.parquet"
    res = run_batch(load_recommender(tiny_dir, artifact), learners, out, k=3, progress=False)
    assert res["learners"] == 40 and not res["errors"]
    return pd.read_parquet(out)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["learner_id", "rank"]).reset_index(drop=True)


def _logging_task(log):
    """``run_partition`` that also appends its partition number to ``log`` (counts tasks)."""

    def task(src, part, *args):
        from guidance.recommend_dask import run_partition

        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{part}\n")
        return run_partition(src, part, *args)

    return task


def test_same_rows_as_one_process(client, source, learners, single, tmp_path):
    m = run_distributed(
        client, source, learners, tmp_path / "dask", k=3, partition_rows=PART, progress=False
    )
    got = read_output(tmp_path / "dask")
    want = single
    assert m["status"] == "complete" and m["rows"] == len(want) == len(got) > 0
    pd.testing.assert_frame_equal(_sorted(got[list(OUTPUT_COLUMNS)]), _sorted(want))
    # every learner's rows sit under their home province
    homes = pd.read_csv(learners, dtype=str).set_index("learner_id")["home_province_code"]
    assert (got["home_province_code"] == got["learner_id"].map(homes)).all()
    # each worker built the recommender at most once and reused it for its other partitions
    recs = written_parts(tmp_path / "dask").values()
    loads = [r for r in recs if r["loaded_model"]]
    assert 1 <= len(loads) <= 2 and len(recs) == 6
    assert len({r["worker_pid"] for r in recs}) >= len({r["worker_pid"] for r in loads})


def test_manifest(client, source, learners, tmp_path):
    out = tmp_path / "o"
    m = run_distributed(client, source, learners, out, k=3, partition_rows=PART, progress=False)
    disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert disk == m
    assert disk["status"] == "complete" and disk["model_version"] == "3"
    assert disk["demand_period"] == str(
        pd.read_csv(next(p for p in source_files(source, "demand")), dtype=str)["period"].max()
    )
    assert disk["catalogue_hash"] == source.data_hash and len(disk["catalogue_hash"]) == 64
    assert disk["model_sha256"] == source.sha256
    assert disk["partitions_total"] == disk["partitions_done"] == 6
    assert [p["part"] for p in disk["partitions"]] == list(range(6))
    assert [p["first_row"] for p in disk["partitions"]] == [1, 8, 15, 22, 29, 36]
    assert sum(p["learners"] for p in disk["partitions"]) == disk["learners"] == 40
    assert disk["rows"] == len(read_output(out)) and disk["bad_rows"] == 0
    assert disk["started"] <= disk["finished"] and len(disk["runs"]) == 1
    assert not (out / "_tmp").exists()
    # a rerun with other settings is refused rather than mixed into the same directory
    with pytest.raises(BatchError, match="top_k"):
        run_distributed(client, source, learners, out, k=5, partition_rows=PART, progress=False)


def source_files(source, table):
    from guidance.contract import table_files

    return table_files(source.data_dir)[table]


def test_resume_skips_written_partitions(client, source, learners, tmp_path):
    out, log = tmp_path / "o", tmp_path / "tasks.log"
    run_distributed(
        client,
        source,
        learners,
        out,
        k=3,
        partition_rows=PART,
        progress=False,
        task=_logging_task(str(log)),
    )
    assert sorted(int(x) for x in log.read_text().split()) == list(range(6))
    first = read_output(out)
    # partitions 2 and 4 "never finished": their done-records are gone (files may remain)
    for p in (2, 4):
        (out / "_partitions" / f"part-{p:05d}.json").unlink()
    log.unlink()
    m = run_distributed(
        client,
        source,
        learners,
        out,
        k=3,
        partition_rows=PART,
        progress=False,
        task=_logging_task(str(log)),
    )
    assert sorted(int(x) for x in log.read_text().split()) == [2, 4]
    assert m["status"] == "complete" and len(m["runs"]) == 2
    assert [r["partitions_run"] for r in m["runs"]] == [6, 2]
    pd.testing.assert_frame_equal(_sorted(read_output(out)), _sorted(first))
    # nothing left to do: a third run submits no task
    log.unlink()
    run_distributed(
        client,
        source,
        learners,
        out,
        k=3,
        partition_rows=PART,
        progress=False,
        task=_logging_task(str(log)),
    )
    assert not log.exists()


def test_killed_worker_partition_is_retried(client, source, learners, single, tmp_path):
    marker = str(tmp_path / "died-once")

    def dying(src, part, *args):
        from guidance.recommend_dask import run_partition

        if part == 3 and not os.path.exists(marker):
            open(marker, "w").close()  # noqa: SIM115 - the marker must exist before we die
            os._exit(1)  # the worker process dies mid-partition; its nanny restarts it
        return run_partition(src, part, *args)

    out = tmp_path / "o"
    m = run_distributed(
        client, source, learners, out, k=3, partition_rows=PART, progress=False, task=dying
    )
    assert os.path.exists(marker)
    got = read_output(out)
    per_learner = got.groupby("learner_id")["rank"].apply(list)
    assert sorted(per_learner.index) == sorted(set(single["learner_id"]))  # every learner …
    assert all(r == list(range(1, len(r) + 1)) for r in per_learner)  # … exactly once
    pd.testing.assert_frame_equal(_sorted(got[list(OUTPUT_COLUMNS)]), _sorted(single))
    assert m["status"] == "complete" and m["learners"] == 40
    client.wait_for_workers(2, timeout=60)  # the restarted worker is back for later tests


def test_bad_rows_reported_per_partition(client, source, learners, single, tmp_path):
    df = pd.read_csv(learners, dtype={"learner_id": str, "home_province_code": str})
    df.loc[9, "age"] = 300  # row 10: partition 1 (rows 8-14)
    df.loc[30, "home_province_code"] = "9"  # row 31: partition 4 (rows 29-35)
    src_file = tmp_path / "bad.csv"
    df.to_csv(src_file, index=False)
    m = run_distributed(
        client, source, src_file, tmp_path / "o", k=2, partition_rows=PART, progress=False
    )
    assert m["status"] == "complete" and m["bad_rows"] == 2 and m["learners"] == 40
    errs = {p["part"]: p["errors"] for p in m["partitions"] if p["errors"]}
    assert list(errs) == [1, 4]
    assert errs[1][0].startswith("dòng 11, cột age: ")  # spreadsheet rows: the header is row 1
    assert errs[4][0].startswith("dòng 32, cột home_province_code: ")  # "9" read as "09"
    got = set(read_output(tmp_path / "o")["learner_id"])
    assert got == set(single["learner_id"]) - {df.loc[9, "learner_id"], df.loc[30, "learner_id"]}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_registry_alias_is_pinned_and_loaded_by_the_workers(
    client, tiny_dir, artifact, learners, single, tmp_path
):
    import mlflow

    from guidance import registry
    from guidance.artifacts import sha256_file

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mc = registry.connect(uri)
    exp = registry.ensure_experiment(mc, tmp_path / "mlruns")
    with mlflow.start_run(experiment_id=exp):
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=registry.OutcomesPyfunc(),
            artifacts={"bundle": str(artifact), "metadata": str(artifact.with_suffix(".json"))},
            pip_requirements=["mlflow"],
        )
    mlflow.register_model(
        info.model_uri, "guidance-outcomes", tags={"sha256": sha256_file(artifact)}
    )
    mc.set_registered_model_alias("guidance-outcomes", "champion", "1")
    src = resolve_source(
        tiny_dir, alias="champion", tracking_uri=uri, model_name="guidance-outcomes"
    )
    assert src.registry_version == "1" and src.sha256 == sha256_file(artifact)
    m = run_distributed(
        client, src, learners, tmp_path / "o", k=3, partition_rows=PART, progress=False
    )
    assert m["model_source"] == "registry guidance-outcomes version 1"
    pd.testing.assert_frame_equal(
        _sorted(read_output(tmp_path / "o")[list(OUTPUT_COLUMNS)]), _sorted(single)
    )
    with pytest.raises(BatchError, match="no version of guidance-outcomes has alias"):
        resolve_source(
            tiny_dir, alias="challenger", tracking_uri=uri, model_name="guidance-outcomes"
        )


def test_cli_local_workers(artifact, tiny_dir, learners, tmp_path, capsys):
    from guidance.cli import main

    out = tmp_path / "cli"
    df = pd.read_csv(learners, dtype={"learner_id": str, "home_province_code": str})
    df.loc[24, "gpa"] = 11  # row 25, partition 1
    with_bad = tmp_path / "learners.csv"
    df.to_csv(with_bad, index=False)
    args = [
        "recommend-batch",
        "--data",
        str(tiny_dir),
        "--model",
        str(artifact),
        "--learners",
        str(with_bad),
        "--out",
        str(out),
        "--top-k",
        "2",
        "--local-workers",
        "1",
        "--partition-rows",
        "20",
        "--csv",
        "--quiet",
    ]
    assert main(args) == 0
    got = capsys.readouterr()
    assert "40 learners" in got.out and "2/2 partitions" in got.out
    assert "bad rows 1" in got.out
    assert "bỏ qua dòng 26, cột gpa: " in got.err and "(partition 1)" in got.err
    csv = pd.read_csv(out / "recommendations.csv", dtype={"learner_id": str})
    assert len(csv) == json.loads((out / "manifest.json").read_text())["rows"] > 0
    assert main([*args[:-4], "--partition-rows", "0"]) == 2
    assert "--partition-rows = 0" in capsys.readouterr().err
    assert (
        main(
            [
                "recommend-batch",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--learners",
                str(learners),
                "--out",
                str(tmp_path / "x.csv"),
                "--csv",
            ]
        )
        == 2
    )
    assert "--scheduler" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_leaves_a_resumable_run(artifact, tiny_dir, learners, single, tmp_path):
    """SIGINT to the whole process group (what Ctrl-C in a terminal does, workers included):
    exit 130, no traceback, finished partitions kept; the same command then completes."""
    import signal
    import subprocess
    import sys
    import time

    many = pd.concat([pd.read_csv(learners, dtype=str)] * 150, ignore_index=True)
    big = tmp_path / "many.csv"
    many.to_csv(big, index=False)  # 6,000 learners, 120 partitions of 50
    out = tmp_path / "o"
    cmd = [
        sys.executable,
        "-m",
        "guidance",
        "recommend-batch",
        "--data",
        str(tiny_dir),
        "--model",
        str(artifact),
        "--learners",
        str(big),
        "--out",
        str(out),
        "--top-k",
        "3",
        "--local-workers",
        "1",
        "--partition-rows",
        "50",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    t0 = time.monotonic()
    while not list((out / "_partitions").glob("*.json")):
        assert proc.poll() is None and time.monotonic() - t0 < 120, proc.stderr.read()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "rerun the same command to resume" in err
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "interrupted" and 1 <= m["partitions_done"] < 120
    again = subprocess.run(cmd + ["--quiet"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "complete" and m["partitions_done"] == 120 and len(m["runs"]) == 2
    got = read_output(out)
    assert len(got) == 150 * len(single)
    assert (got.groupby("learner_id").size() == 150 * single.groupby("learner_id").size()).all()

"""Batch recommendations on a Dask cluster (I/O edge).

The learners file is cut into partitions of ``partition_rows`` rows (partition ``i`` holds
data rows ``i * partition_rows + 1 …``). Each partition is one Dask task; a worker builds
the recommender once per (model sha256, data hash) and keeps it in ``_CACHE`` for every
later partition. A task writes Parquet files partitioned by the learner's home province
(``home_province_code=XX/part-00007.parquet``) under temporary names and renames them into
place, then writes its done-record ``_partitions/part-00007.json`` last: a partition counts
as written only once that record exists. The driver keeps ``manifest.json`` beside the
output (model, demand period, data hash, partitions done, rows, bad rows, start/finish), so
a rerun of the same command skips what is written (resume) and a worker that dies has its
partition run again elsewhere (the rewrite replaces any half-written files, so every
learner appears exactly once).

Dask is imported here only; the CLI imports this module only for ``--scheduler`` or
``--local-workers``. Workers must see the same file system as the driver (the learners
file, the data directory, the model and ``--out``): true for a ``LocalCluster``; on a real
cluster, use shared storage.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender

PARTITION_ROWS = 2000  # learners per task: ~15 s of work on the national catalogue
MANIFEST = "manifest.json"
DONE_DIR = "_partitions"
TMP_DIR = "_tmp"
HOME = "home_province_code"
CSV_MAX_ROWS = 1_000_000  # the optional CSV copy is for small runs only
MANIFEST_ERRORS = 200  # bad-row messages kept per partition in its record
MANIFEST_EVERY = 2.0  # seconds between manifest rewrites while running
# what the manifest keeps of each partition's done-record
MANIFEST_FIELDS = ("part", "first_row", "learners", "rows", "bad_rows", "errors", "provinces")


class BatchError(RuntimeError):
    """A distributed batch that cannot start or cannot finish (message for the operator)."""


@dataclass(frozen=True)
class Source:
    """What every worker loads: the model (a verified artifact, or one registry version
    resolved from an alias before the run starts) and the data directory."""

    data_dir: str
    sha256: str
    data_hash: str
    model_path: str | None = None
    tracking_uri: str | None = None
    model_name: str | None = None
    registry_version: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sha256, self.data_hash, self.data_dir)

    def describe(self) -> str:
        if self.model_path:
            return f"artifact {Path(self.model_path).name}"
        return f"registry {self.model_name} version {self.registry_version}"


def resolve_source(
    data_dir: str | Path,
    model: str | Path | None = None,
    *,
    alias: str | None = None,
    models_dir: str | Path = "models",
    tracking_uri: str | None = None,
    model_name: str | None = None,
) -> Source:
    """Pin the run to one model and one data directory: the artifact's sha256 (checked now,
    without unpickling) or the version the registry alias names now (a promotion during the
    run does not mix two models in one output)."""
    from guidance.artifacts import ArtifactMismatch, verify_artifact
    from guidance.contract import data_hash
    from guidance.recommend.loading import newest_artifact

    data = Path(data_dir).resolve()
    if not data.is_dir():
        raise BatchError(f"data directory not found: {data}")
    digest = data_hash(data)
    if alias:
        from guidance.registry import alias_version  # MLflow stays in the registry module

        try:
            version, sha = alias_version(str(tracking_uri), str(model_name), alias)
        except LookupError as exc:
            raise BatchError(str(exc)) from exc
        return Source(
            str(data),
            sha,
            digest,
            tracking_uri=str(tracking_uri),
            model_name=str(model_name),
            registry_version=version,
        )
    try:
        path = Path(model) if model else newest_artifact(models_dir)
        meta = verify_artifact(path)
    except (FileNotFoundError, ArtifactMismatch) as exc:
        raise BatchError(str(exc)) from exc
    return Source(str(data), str(meta["sha256"]), digest, model_path=str(path.resolve()))


# ---------------------------------------------------------------- worker side

_CACHE: dict[tuple, Recommender] = {}  # on each worker process: Source.key -> Recommender


def load_once(src: Source) -> tuple[Recommender, bool]:
    """The recommender for ``src`` on this process, built on first use; ``(rec, loaded)``
    where ``loaded`` says whether this call built it. One source is kept at a time."""
    rec = _CACHE.get(src.key)
    if rec is not None:
        return rec, False
    import tempfile

    from guidance.artifacts import verify_artifact
    from guidance.recommend.loading import load_recommender

    _CACHE.clear()
    if src.model_path:
        verify_artifact(src.model_path, expected_sha256=src.sha256)  # the bytes the run pinned
        rec = load_recommender(src.data_dir, src.model_path)
    else:
        from guidance.registry import fetch_bundle

        with tempfile.TemporaryDirectory(prefix="guidance-batch-") as tmp:
            path = fetch_bundle(
                str(src.tracking_uri), str(src.model_name), str(src.registry_version), tmp
            )
            verify_artifact(path, expected_sha256=src.sha256)
            rec = load_recommender(src.data_dir, path)
    _CACHE[src.key] = rec
    return rec, True


def part_name(part: int) -> str:
    return f"part-{part:05d}"


def run_partition(
    src: Source, part: int, first_row: int, frame: pd.DataFrame, out: str, k: int
) -> dict:
    """Recommend for one partition and write it (atomically per file, done-record last)."""
    import pyarrow.parquet as pq

    from guidance.recommend.batch import arrow_table, recommend_chunk

    t0 = time.perf_counter()
    rec, loaded = load_once(src)
    rows, errors = recommend_chunk(rec, frame, first_row, k, home=True)
    root = Path(out)
    name = part_name(part)
    tmp = root / TMP_DIR / f"{name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    provinces: list[str] = []
    if rows:
        df = pd.DataFrame(rows)
        homes = df.pop(HOME).to_numpy()
        table = arrow_table(df)  # one conversion, sliced per province
        for home, idx in pd.Series(range(len(homes))).groupby(homes, sort=True):
            staged = tmp / f"{home}.parquet"
            pq.write_table(table.take(idx.to_numpy()), staged)
            dest = root / f"{HOME}={home}"
            dest.mkdir(exist_ok=True)
            os.replace(staged, dest / f"{name}.parquet")
            provinces.append(str(home))
    record = {
        "part": part,
        "first_row": first_row + 1,
        "learners": len(frame),
        "rows": len(rows),
        "bad_rows": len(errors),
        "errors": errors[:MANIFEST_ERRORS],
        "provinces": provinces,
        "model_version": str(rec.model_version),
        "demand_period": str(rec.demand_period),
        "loaded_model": loaded,
        "worker_pid": os.getpid(),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    _write_json(tmp / "done.json", record)
    done = root / DONE_DIR
    done.mkdir(exist_ok=True)
    os.replace(tmp / "done.json", done / f"{name}.json")
    shutil.rmtree(tmp, ignore_errors=True)
    return record


# ---------------------------------------------------------------- driver side


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def count_rows(path: str | Path) -> int:
    """Data rows of a learners file (Parquet: from its metadata; CSV: one read pass)."""
    from guidance.recommend.batch import read_chunks

    p = Path(path)
    if p.suffix == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(p).metadata.num_rows)
    return sum(len(c) for c in read_chunks(p, 50_000))


def written_parts(out: str | Path) -> dict[int, dict]:
    """Done-records of the partitions already written under ``out``."""
    found = {}
    for f in sorted((Path(out) / DONE_DIR).glob("part-*.json")):
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # an unreadable record: the partition runs again
        found[int(rec["part"])] = rec
    return found


def _run_identity(src: Source, learners: Path, partition_rows: int, k: int) -> dict:
    from guidance.artifacts import sha256_file

    return {
        "model_sha256": src.sha256,
        "model_source": src.describe(),
        "catalogue_hash": src.data_hash,
        "learners_file": str(learners),
        "learners_sha256": sha256_file(learners),
        "partition_rows": partition_rows,
        "top_k": k,
    }


class _Progress:
    """One stderr line at most every ``every`` seconds: rows done, rate, ETA."""

    def __init__(self, total: int, done: int, enabled: bool, every: float = 1.0) -> None:
        self.total, self.start_done, self.done = total, done, done
        self.enabled, self.every = enabled, every
        self.t0 = self.last = time.monotonic()

    def update(self, learners: int, parts_done: int, parts_total: int, force: bool = False) -> None:
        self.done += learners
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < self.every):
            return
        self.last = now
        rate = (self.done - self.start_done) / max(now - self.t0, 1e-9)
        left = self.total - self.done
        eta = f"{left / rate:,.0f} s" if rate > 0 else "?"
        print(
            f"recommend-batch: {self.done:,}/{self.total:,} learners, "
            f"{parts_done}/{parts_total} partitions, {rate:,.1f} learners/s, ETA {eta}",
            file=sys.stderr,
            flush=True,
        )


def run_distributed(
    client: Any,
    src: Source,
    learners: str | Path,
    out: str | Path,
    *,
    k: int = 10,
    partition_rows: int = PARTITION_ROWS,
    retries: int = 2,
    progress: bool = True,
    task: Callable[..., dict] | None = None,
    in_flight: int | None = None,
) -> dict:
    """Recommend for every learner of ``learners`` into the directory ``out`` on the Dask
    ``client``'s cluster; returns the manifest. Partitions already written by an earlier
    run of the same model, data, learners file, ``k`` and ``partition_rows`` are skipped.
    ``task`` replaces ``run_partition`` (tests); ``in_flight`` bounds the partitions
    submitted at once (default: 2 per worker + 2), so memory stays flat."""
    from distributed import as_completed

    from guidance.recommend.batch import read_chunks

    learners, root = Path(learners).resolve(), Path(out).resolve()
    if not learners.is_file():
        raise BatchError(f"learners file not found: {learners}")
    if partition_rows < 1:
        raise BatchError("partition_rows must be at least 1")
    root.mkdir(parents=True, exist_ok=True)
    ident = _run_identity(src, learners, partition_rows, k)
    mpath = root / MANIFEST
    old = json.loads(mpath.read_text(encoding="utf-8")) if mpath.is_file() else None
    if old is not None:
        differ = [key for key, v in ident.items() if old.get(key) != v]
        if differ:
            raise BatchError(
                f"{root} holds another run (different {', '.join(differ)}); "
                "choose a new --out or delete it to start over"
            )
    done = written_parts(root)
    if old is None and done:
        raise BatchError(
            f"{root} holds written partitions but no manifest.json: their run "
            "is unknown; choose a new --out or delete it to start over"
        )
    total = count_rows(learners)
    n_parts = math.ceil(total / partition_rows) if total else 0
    started = old["started"] if old else _now()
    runs = (old or {}).get("runs", []) + [
        {"started": _now(), "finished": None, "partitions_run": 0, "status": "running"}
    ]
    manifest = {
        **ident,
        "status": "running",
        "started": started,
        "finished": None,
        "model_version": (old or {}).get("model_version"),
        "demand_period": (old or {}).get("demand_period"),
        "runs": runs,
    }

    def save(status: str) -> dict:
        if status != "running":  # records written since the last result count too
            done.update({p: r for p, r in written_parts(root).items() if p < n_parts})
        parts = [done[p] for p in sorted(done)]
        versions = {(r["model_version"], r["demand_period"]) for r in parts}
        if len(versions) > 1:  # cannot happen with one pinned Source; refuse to hide it
            raise BatchError(f"partitions disagree on model/demand: {sorted(versions)}")
        if versions:
            manifest["model_version"], manifest["demand_period"] = versions.pop()
        manifest.update(
            status=status,
            partitions_total=n_parts,
            partitions_done=len(parts),
            partitions=[{k2: r[k2] for k2 in MANIFEST_FIELDS} for r in parts],
            learners=sum(r["learners"] for r in parts),
            rows=sum(r["rows"] for r in parts),
            bad_rows=sum(r["bad_rows"] for r in parts),
            finished=_now() if status == "complete" else None,
        )
        runs[-1]["status"] = status
        if status != "running":
            runs[-1]["finished"] = _now()
        _write_json(mpath, manifest)
        return manifest

    save("running")
    fn = task or run_partition
    workers = max(1, len(client.nthreads()))
    limit = in_flight or 2 * workers + 2
    bar = _Progress(total, sum(r["learners"] for r in done.values()), progress)
    todo = ((p, f) for p, f in enumerate(read_chunks(learners, partition_rows)) if p not in done)
    pending = as_completed()  # type: ignore[no-untyped-call]
    futures = {}

    def submit_next() -> bool:
        nxt = next(todo, None)
        if nxt is None:
            return False
        part, frame = nxt
        fut = client.submit(
            fn,
            src,
            part,
            part * partition_rows,
            frame,
            str(root),
            k,
            retries=retries,
            pure=False,
            key=f"recommend-{part_name(part)}-{uuid.uuid4().hex[:8]}",
        )
        futures[fut.key] = fut
        pending.add(fut)  # type: ignore[no-untyped-call]
        return True

    saved = time.monotonic()
    try:
        while len(futures) < limit and submit_next():
            pass
        for fut in pending:
            del futures[fut.key]
            rec = fut.result()  # a task that failed after its retries raises here
            done[rec["part"]] = rec
            runs[-1]["partitions_run"] += 1
            if time.monotonic() - saved >= MANIFEST_EVERY:  # the done-records are the truth;
                save("running")  # the manifest follows them, rewritten at most every 2 s
                saved = time.monotonic()
            bar.update(rec["learners"], len(done), n_parts)
            submit_next()
    except KeyboardInterrupt:
        client.cancel(list(futures.values()))
        save("interrupted")
        raise
    except BatchError:
        raise
    except Exception as exc:
        client.cancel(list(futures.values()))
        save("failed")
        raise BatchError(
            f"a partition failed: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    shutil.rmtree(root / TMP_DIR, ignore_errors=True)
    bar.update(0, len(done), n_parts, force=True)
    return save("complete")


def read_output(out: str | Path) -> pd.DataFrame:
    """The whole output as one frame, ``home_province_code`` taken from the directory
    names; ordered by partition, then home province, then the learner's order in the file."""
    from guidance.recommend.batch import OUTPUT_COLUMNS

    frames = []
    for f in sorted(
        Path(out).glob(f"{HOME}=*/part-*.parquet"), key=lambda f: (f.stem, f.parent.name)
    ):
        df = pd.read_parquet(f)
        df.insert(0, HOME, f.parent.name.split("=", 1)[1])
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=[HOME, *OUTPUT_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def write_csv(out: str | Path, manifest: dict) -> Path:
    """The output as one CSV (small runs: at most ``CSV_MAX_ROWS`` rows)."""
    from guidance.csvsafe import safe_cell

    if manifest["rows"] > CSV_MAX_ROWS:
        raise BatchError(
            f"--csv is for small runs: {manifest['rows']:,} rows exceed "
            f"{CSV_MAX_ROWS:,}; read the Parquet directory instead"
        )
    df = read_output(out)
    text = df.select_dtypes(include=["object", "string"]).columns
    df = df.assign(**{c: df[c].map(safe_cell) for c in text})  # no spreadsheet formulas
    path = Path(out) / "recommendations.csv"
    tmp = path.with_name(".recommendations.csv.tmp")
    df.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def manifest_summary(m: dict) -> str:
    return (
        f"{m['learners']:,} learners → {m['rows']:,} rows in {m['partitions_done']}/"
        f"{m['partitions_total']} partitions; bad rows {m['bad_rows']:,}; model "
        f"{m['model_version']}, demand {m['demand_period']}"
    )

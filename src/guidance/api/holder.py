"""The model holder: load in the background, verify, smoke-test, swap one reference.

A request takes ``holder.require()`` once and keeps that ``Served`` object to the end, so
a swap never changes the model under a running request. A load that fails (bad sha256,
other library versions, corrupt file, a smoke prediction that raises) leaves the old model
serving and is reported by ``status()`` (``/readyz``, ``/models``). Every worker runs its
own watcher over the same source, so all workers converge on the same version. A new
catalogue load (``guidance db load``: a new ``catalogue_loads`` row) is noticed the same way
and the recommender is rebuilt on it; a new demand snapshot only switches the demand.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from guidance.api.errors import ModelBusy
from guidance.errors import ModelNotLoaded

log = logging.getLogger("guidance.api.holder")
WATCHER_ERROR = "watcher: "


class LoadFailed(RuntimeError):
    """A candidate model could not be loaded or failed its checks; the old one serves on."""


@dataclass
class Served:
    """One loaded model and the recommender built on it. ``lock``: one model call at a time
    per process (PERFORMANCE_NOTES: concurrent calls only fight over the cores)."""

    recommender: Any
    version: str
    sha256: str | None
    source: str
    metadata: dict
    demand_key: tuple
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # the source's and the catalogue's identity this model was built from
    fingerprint: tuple | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def demand_period(self) -> str:
        return str(self.recommender.demand_period)

    @contextlib.contextmanager
    def use(self, deadline: float | None = None) -> Iterator[Any]:
        """The recommender, held by this thread alone until the block ends. Waits for the
        model no later than ``deadline`` (``time.monotonic()``): a request whose answer is
        already too late (the edge has sent its 503) does not queue for the model and
        then compute for nobody."""
        wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self.lock.acquire(timeout=wait):
            raise ModelBusy("the model is busy; try again shortly", headers={"Retry-After": "1"})
        try:
            yield self.recommender
        finally:
            self.lock.release()


class FileSource:
    """A local artifact (``<name>-<version>.joblib`` + ``.json``); changes are noticed by
    the files' identity (inode, size, mtime)."""

    kind = "file"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.meta = self.path.with_suffix(".json")

    def fingerprint(self) -> tuple:
        out: list[tuple[int, int, int] | None] = []
        for p in (self.path, self.meta):
            try:
                st = p.stat()
                out.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except OSError:
                out.append(None)
        return tuple(out)

    def load(self) -> tuple[Any, dict, str]:
        from guidance.artifacts import ArtifactMismatch, load_artifact

        if not self.path.is_file():
            raise LoadFailed(f"artifact {self.path.name} does not exist")
        try:
            art = load_artifact(self.path)
        except ArtifactMismatch as exc:
            raise LoadFailed(str(exc)) from exc
        return art.models, art.metadata, str(art.metadata.get("version", "unknown"))

    def describe(self) -> dict:
        return {"kind": self.kind, "path": self.path.name}

    def versions(self) -> list[dict]:
        import json

        out = []
        for meta in sorted(self.path.parent.glob("*.json")):
            try:
                rec = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(rec, dict) or "sha256" not in rec:
                continue
            got = rec.get("metrics")
            metrics: dict = got if isinstance(got, dict) else {}
            out.append(
                {
                    "version": str(rec.get("version")),
                    "name": rec.get("name"),
                    "aliases": ["active"] if meta == self.meta else [],
                    "created": rec.get("created_utc"),
                    "created_at": rec.get("created_utc"),
                    "metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
                }
            )
        return out


# the version tags the admin page shows (set by training and by ``guidance promote``)
VERSION_TAGS = (
    "promoted_at",
    "promoted_from",
    "forced_reason",
    "beats_baselines",
    "metrics_unreliable",
)
MLFLOW_PROGRESS_ENV = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


def quiet_mlflow() -> None:
    """No MLflow download progress bars in the server's log (one per artifact of every
    load and every model-card read). MLflow reads this variable at each download; an
    operator who sets it explicitly keeps their choice. The command line keeps its bars."""
    os.environ.setdefault(MLFLOW_PROGRESS_ENV, "false")


class RegistrySource:
    """The MLflow registry's ``champion`` alias (MLflow is imported only here, lazily)."""

    kind = "registry"

    def __init__(self, tracking_uri: str, name: str) -> None:
        self.tracking_uri, self.name = tracking_uri, name
        self._client = None

    def client(self):  # noqa: ANN201 - MlflowClient
        if self._client is None:
            from guidance.registry import connect

            self._client = connect(self.tracking_uri)
        return self._client

    def fingerprint(self) -> tuple:
        from guidance.registry import champion_version

        return (champion_version(self.client(), self.name),)

    def load(self) -> tuple[Any, dict, str]:
        from guidance.artifacts import ArtifactMismatch
        from guidance.registry import champion_version, load_version

        version = champion_version(self.client(), self.name)
        if version is None:
            raise LoadFailed(f"no '{self.name}' version carries the champion alias")
        with tempfile.TemporaryDirectory(prefix="guidance-model-") as tmp:
            try:
                art = load_version(self.client(), self.name, version, tmp)
            except ArtifactMismatch as exc:
                raise LoadFailed(str(exc)) from exc
        return art.models, art.metadata, str(version)

    def describe(self) -> dict:
        return {"kind": self.kind, "registered_model": self.name}

    def versions(self) -> list[dict]:
        from guidance.registry import list_versions

        return [
            {
                "version": v.version,
                "name": self.name,
                "aliases": v.aliases,
                "created": v.created_ms,
                "created_at": datetime.fromtimestamp(v.created_ms / 1000, UTC).isoformat()
                if v.created_ms
                else None,
                "run_id": v.run_id,
                "tags": {k: str(v.tags[k])[:500] for k in VERSION_TAGS if k in v.tags},
                "metrics": v.metrics,
            }
            for v in list_versions(self.client(), self.name)
        ]


def smoke_profile(programmes: Any) -> dict:
    """A plain learner living where most offerings are: the smoke test's request."""
    home = str(programmes["province_code"].value_counts().index[0])
    return {"age": 18, "home_province_code": home, "education_level": 12, "gpa": 7.0}


class ModelHolder:
    def __init__(
        self,
        engine: Any,
        source: Any,
        *,
        poll_seconds: float = 5.0,
        demand_months: int = 15,
        shortlist: int | None = None,
        db_ready: Any = None,
    ) -> None:
        self.engine = engine
        self.source = source
        self.poll_seconds = poll_seconds
        self.demand_months = demand_months
        self.shortlist = shortlist
        self._db_ready = db_ready or (lambda: True)
        self._current: Served | None = None
        self._load_lock = threading.Lock()
        # one demand refresh at a time: the job runner, every status poll of a finished
        # upload and the watcher all ask; the first does the work, the others find it done
        self._refresh_lock = threading.Lock()
        self._demand_frames: dict = {}  # (period, content hash) -> rows, reused across swaps
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tried_fp: tuple | None = None
        self.last_error: str | None = None
        self.last_attempt: datetime | None = None
        self.loads = 0
        self.failures = 0
        self.listeners: list[Any] = []

    # -- reading -------------------------------------------------------------------------
    @property
    def current(self) -> Served | None:
        return self._current

    def require(self) -> Served:
        cur = self._current
        if cur is None:
            # why not is for admins (/readyz with an admin key), not for every caller
            raise ModelNotLoaded()
        return cur

    def status(self) -> dict:
        cur = self._current
        return {
            "ready": cur is not None,
            "source": self.source.describe(),
            "version": cur.version if cur else None,
            "sha256": cur.sha256 if cur else None,
            "loaded_at": cur.loaded_at.isoformat() if cur else None,
            "demand_period": cur.demand_period if cur else None,
            "last_error": self.last_error,
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
            "loads": self.loads,
            "failures": self.failures,
        }

    # -- loading -------------------------------------------------------------------------
    def reload(self, *, force: bool = True) -> tuple[Served, bool]:
        """Load the source now (if it changed since the last attempt; with ``force`` also
        after a failed attempt); returns the served model and whether it was swapped.
        Nothing is rebuilt, even with ``force``, while the source and the catalogue are
        exactly those of the served model (the admin's "reload" then says "no change").
        Raises ``LoadFailed`` (the old one serves on)."""
        from guidance.store.catalogue import catalogue_generation

        with self._load_lock:
            # a new artifact or champion, or a new catalogue load: build the recommender anew
            fp = (self.source.fingerprint(), catalogue_generation(self.engine))
            cur = self._current
            if cur is not None and fp == cur.fingerprint:
                self._tried_fp = fp
                self.last_error = None  # a failed candidate was withdrawn: nothing is wrong
                return cur, False
            if not force and cur is not None and fp == self._tried_fp:
                return cur, False
            self._tried_fp = fp
            self.last_attempt = datetime.now(UTC)
            try:
                new = self._build()
            except LoadFailed as exc:
                self._failed(str(exc))
                raise
            except Exception as exc:  # noqa: BLE001 - a corrupt file can raise anything
                if type(exc).__module__.startswith("sqlalchemy"):
                    # the database was away, the candidate untested: try it again next poll
                    self._tried_fp = None
                self._failed(f"{type(exc).__name__}: {exc}")
                raise LoadFailed(self.last_error) from exc
            new.fingerprint = fp
            self._current = new  # the swap: one reference assignment
            self.last_error = None
            self.loads += 1
            log.info("serving model version %s (demand %s)", new.version, new.demand_period)
            for fn in self.listeners:
                fn(new)
            return new, True

    def _failed(self, reason: str) -> None:
        self.failures += 1
        self.last_error = reason[:500]
        log.warning(
            "model load failed, keeping %s: %s",
            self._current.version if self._current else "no model",
            self.last_error,
        )

    def _build(self) -> Served:
        from guidance.recommend.loading import build_recommender
        from guidance.store.serving import demand_key, read_catalogue, read_demand

        tables = read_catalogue(self.engine)
        if len(tables["programmes"]) == 0:
            raise LoadFailed("the catalogue in the database is empty (guidance db load)")
        key = demand_key(self.engine, self.demand_months)
        demand = read_demand(self.engine, key, self._demand_frames)
        models, meta, version = self.source.load()
        try:
            rec = build_recommender(
                models, tables, demand, model_version=version, shortlist=self.shortlist
            )
            out = rec.recommend(smoke_profile(tables["programmes"]), k=3)
        except Exception as exc:  # noqa: BLE001
            raise LoadFailed(f"smoke prediction failed: {type(exc).__name__}: {exc}") from exc
        if not all(math.isfinite(it.score) for it in out.items):
            raise LoadFailed("smoke prediction gave non-finite scores")
        return Served(rec, version, meta.get("sha256"), self.source.kind, meta, key)

    def refresh_demand(self) -> bool:
        """Point the served recommender at the newest snapshots if they changed."""
        from guidance.store.serving import demand_key, read_demand

        with self._refresh_lock:
            cur = self._current
            if cur is None:
                return False
            key = demand_key(self.engine, self.demand_months)
            if key == cur.demand_key:
                return False
            demand = read_demand(self.engine, key, self._demand_frames)
            if demand is None:
                return False
            with cur.lock:  # no request is inside the model while it changes
                cur.recommender.set_demand(demand)
                cur.demand_key = key
        log.info("demand switched to %s", cur.demand_period)
        for fn in self.listeners:
            fn(cur)
        return True

    # -- watching ------------------------------------------------------------------------
    def check_once(self) -> None:
        if not self._db_ready():
            return
        with contextlib.suppress(LoadFailed):  # recorded in last_error; old model serves
            self.reload(force=False)
        try:
            self.refresh_demand()
        except Exception as exc:  # noqa: BLE001 - the database may be briefly away
            log.warning("demand refresh failed: %s", type(exc).__name__)

    def clear_watcher_error(self) -> None:
        """A poll went through: an error of an earlier poll is stale (a load failure
        stays until a load succeeds)."""
        if self.last_error is not None and self.last_error.startswith(WATCHER_ERROR):
            self.last_error = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return  # one watcher, however many lifespans the app runs
        self._thread = threading.Thread(target=self._run, name="model-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                self.check_once()
            except Exception as exc:  # noqa: BLE001 - the watcher must never die
                self.last_error = f"{WATCHER_ERROR}{type(exc).__name__}"
                log.warning("model watcher error: %s", type(exc).__name__)
            else:
                self.clear_watcher_error()
            self._stop.wait(max(0.05, self.poll_seconds - (time.monotonic() - t0)))

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

"""``ctx.stats``: the published statistics bundle, built once per data key.

``get()`` answers from memory. At most every ``check_seconds`` one caller reads the cheap
data key (``store.stats.data_key`` + the served model version); when it changed, ONE
background build starts (single-flight, like ``holder.refresh_demand``) and every caller
keeps getting the previous bundle until the new one is swapped in (one reference
assignment). Before the first bundle exists ``get()`` starts the build and waits for it up
to ``first_wait`` seconds, then raises ``StatsNotReady`` (503, Retry-After); when the
database holds no tracer record it raises ``NoStatistics`` (404) until the key changes.

Value added: the served model's predicted probability of employment at 12 months on the
outcome rows (``features.training_pairs`` of the respondents), under the model's lock.
Without a served model the bundle is built without value added (the key then changes when
a model is served, and the bundle is rebuilt).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np

from guidance.api.errors import ApiError, ServiceUnavailable
from guidance.features import training_pairs
from guidance.stats import bundle as stats_bundle
from guidance.stats.definitions import RESPONDED
from guidance.store.stats import NoTracerData, data_key, read_demand, read_tables

log = logging.getLogger("guidance.api.stats")


class StatsNotReady(ServiceUnavailable):
    code = "statistics_not_ready"


class NoStatistics(ApiError):
    status, code = 404, "no_statistics"


NOT_READY = (
    "Số liệu thống kê đang được tính, vui lòng thử lại sau ít giây. / The statistics "
    "are being computed; try again in a few seconds."
)
NO_DATA = (
    "Chưa có số liệu khảo sát người tốt nghiệp nên chưa có thống kê. / No graduate "
    "tracer data has been submitted yet, so there are no statistics."
)


def expected_employment(served: Any, tables: dict) -> Any:
    """Per outcome row, the served model's predicted probability of employment at 12 months
    (NaN for non-respondents, whose expected value the tables ignore)."""

    out = tables["outcomes"]
    p = np.full(len(out), np.nan)
    resp = (
        out["survey_status"].isin(RESPONDED).fillna(False).to_numpy(dtype=bool)
        if "survey_status" in out
        else np.ones(len(out), bool)
    )
    rows = out[resp].assign(_row=np.flatnonzero(resp))
    if not len(rows):
        return p
    pairs = training_pairs(rows, tables["programmes"])
    with served.use() as rec:
        pred = rec.models.predict(pairs)["p_employed_12m"].to_numpy(dtype="float64")
    p[pairs["_row"].to_numpy()] = pred
    return p


class StatsCache:
    def __init__(
        self,
        engine: Any,
        holder: Any,
        *,
        check_seconds: float = 30.0,
        demand_months: int = 15,
        disclosure: Any = None,
        first_wait: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine, self.holder = engine, holder
        self.check_seconds = check_seconds
        self.demand_months = demand_months
        self.disclosure = disclosure
        self.clock = clock
        self.first_wait = first_wait
        self._bundle: Any = None
        self._key: tuple | None = None  # key of the served bundle (or of "no data")
        self._empty = False  # the last build found no tracer data
        self._checked = float("-inf")
        self._building = threading.Lock()  # held for the whole of one build
        self._thread: threading.Thread | None = None
        self._demand_frames: dict = {}
        self.builds = 0
        self.last_error: str | None = None
        self.last_build_seconds: float | None = None
        # the routes' per-bundle memo (serialised answers by ETag, derived frames)
        self.memo: dict[str, Any] = {}
        self.memo_lock = threading.Lock()

    # -- the key -------------------------------------------------------------------------
    def key(self) -> tuple:
        cur = self.holder.current
        return (*data_key(self.engine, self.demand_months), cur.version if cur else None)

    @property
    def current(self) -> Any:
        return self._bundle

    @property
    def etag_key(self) -> tuple | None:
        return self._key

    # -- building ------------------------------------------------------------------------
    def build(self, key: tuple | None = None) -> Any:
        """Build now in this thread (single-flight: a concurrent build is waited for)."""
        with self._building:
            return self._build_locked(key)

    def _build_locked(self, key: tuple | None) -> Any:
        key = self.key() if key is None else key
        if key == self._key and (self._bundle is not None or self._empty):
            return self._bundle
        t0 = time.perf_counter()
        try:
            tables, counts = read_tables(self.engine)
        except NoTracerData:
            self._key, self._empty, self._bundle = key, True, None
            self.last_error = None
            return None
        demand = read_demand(self.engine, self.demand_months, self._demand_frames)
        served = self.holder.current
        expected = expected_employment(served, tables) if served is not None else None
        bundle = stats_bundle.build_bundle(tables, demand, expected, self.disclosure)
        meta = dict(bundle.meta)
        meta["tracer"] = counts
        meta["model_version"] = served.version if served is not None else None
        if served is None:
            meta["value_added"] = "not available: no outcome model is served yet"

        bundle = replace(bundle, meta=MappingProxyType(meta))
        self._bundle, self._key, self._empty = bundle, key, False  # the swap
        self.builds += 1
        self.last_error = None
        self.last_build_seconds = time.perf_counter() - t0
        log.info("statistics bundle built in %.1f s", self.last_build_seconds)
        return bundle

    def _background(self, key: tuple | None) -> None:
        try:
            self._build_locked(key)
        except Exception as exc:  # noqa: BLE001 - the previous bundle keeps serving
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("statistics build failed: %s", type(exc).__name__)
        finally:
            self._building.release()

    def _start(self, key: tuple | None) -> bool:
        """Start a background build unless one runs; True when one was started."""
        if not self._building.acquire(blocking=False):
            return False
        self._thread = threading.Thread(
            target=self._background, args=(key,), name="stats-build", daemon=True
        )
        self._thread.start()
        return True

    def wait(self, timeout: float = 120.0) -> None:
        """Wait for a running background build (tests, benchmarks)."""
        t = self._thread
        if t is not None:
            t.join(timeout)

    # -- reading -------------------------------------------------------------------------
    def get(self) -> Any:
        """The current bundle; checks the data key at most every ``check_seconds``."""
        now = self.clock()
        bundle = self._bundle
        if (bundle is not None or self._empty) and now - self._checked < self.check_seconds:
            return self._answer(bundle)
        if self._building.locked():  # a build runs: serve what there is
            return self._first(bundle)
        self._checked = now
        try:
            key = self.key()
        except Exception as exc:  # noqa: BLE001 - the database may be briefly away
            log.warning("statistics key check failed: %s", type(exc).__name__)
            return self._answer(bundle)
        if key != self._key or (bundle is None and not self._empty):
            self._start(key)
            return self._first(bundle)
        return self._answer(bundle)

    def _first(self, bundle: Any) -> Any:
        """While a build runs: the old bundle, or (none yet) wait up to ``first_wait``."""
        if bundle is not None:
            return bundle
        t = self._thread
        if t is not None:
            t.join(self.first_wait)
        if self._bundle is not None or (self._empty and not self._building.locked()):
            return self._answer(self._bundle)
        return self._answer(None, building=True)

    def _answer(self, bundle: Any, building: bool = False) -> Any:
        if bundle is not None:
            return bundle
        if self._empty and not building:
            raise NoStatistics(NO_DATA)
        raise StatsNotReady(NOT_READY, headers={"Retry-After": "5"})

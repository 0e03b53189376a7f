"""The job runner: one background thread per app that runs the jobs this worker accepted.

Generic: ``runner.register(kind, fn)``; ``fn(job, progress)`` does the work and, for
success, calls ``store.jobs.mark_succeeded`` inside the transaction that commits its data.
``progress(done, total)`` records progress (throttled) and raises ``JobCancelled`` when a
cancel was requested or the app is stopping. Any other exception ends the job ``failed``
(``JobFailed`` carries the error list). Jobs live in the database, so every worker can
answer their status; the work itself (e.g. a spooled upload file) is local to the worker
that accepted it. On start, active jobs whose runner is gone (a dead process, or an
earlier app in this process) end ``failed``: "interrupted; nothing was committed".
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from guidance.store.jobs import (
    INTERRUPTED,
    JobCancelled,
    JobInfo,
    fail_orphans,
    finish_job,
    get_job,
    set_progress,
    start_job,
)

log = logging.getLogger("guidance.api.jobs")
_LIVE: set[str] = set()  # runner tokens alive in this process
_HOST = socket.gethostname()


class JobFailed(Exception):
    """The job's input was refused: ``errors`` lists why (row, column, rule, message)."""

    def __init__(
        self, message: str, errors: list[dict] | None = None, result: dict | None = None
    ) -> None:
        super().__init__(message)
        self.message, self.errors, self.result = message, errors or [], result


def _alive(params: dict) -> bool:
    if params.get("host") != _HOST:
        return True  # another machine's job: not ours to judge
    pid = params.get("pid")
    if pid == os.getpid():
        return params.get("runner") in _LIVE
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, TypeError, ValueError):
        return False
    except PermissionError:
        return True
    return True


class JobRunner:
    def __init__(self, engine: Any, *, progress_every: float = 0.5) -> None:
        self.engine = engine
        self.token = uuid.uuid4().hex
        self.kinds: dict[str, Callable[[JobInfo, Callable[[int, int | None], None]], None]] = {}
        self.progress_every = progress_every
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recovered = False
        self.current: str | None = None

    def register(self, kind: str, fn: Callable) -> None:
        self.kinds[kind] = fn

    def owner(self) -> dict[str, Any]:
        """The params that tie a job to this runner (for the recovery after a crash)."""
        return {"host": _HOST, "pid": os.getpid(), "runner": self.token}

    def recover(self) -> list[str]:
        """Fail the jobs left active by a runner that is gone (once the database is up)."""

        dead = fail_orphans(self.engine, _alive)
        self._recovered = True
        if dead:
            log.warning("%d interrupted job(s) marked failed", len(dead))
        return dead

    def start(self) -> None:
        """Start the runner's thread, once: a second start (a second lifespan of the same
        app) would add a thread that ``stop``'s single wake-up might never reach."""
        if self._thread is not None and self._thread.is_alive():
            return
        _LIVE.add(self.token)
        self._thread = threading.Thread(target=self._loop, name="guidance-jobs", daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        self._queue.put(job_id)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
        _LIVE.discard(self.token)

    def _loop(self) -> None:
        while not self._stop.is_set():
            job_id = self._queue.get()
            if job_id is None:
                break
            try:
                self._run(job_id)
            except Exception as exc:  # noqa: BLE001 - the runner thread must survive
                log.error("job %s: runner error %s", job_id, type(exc).__name__)
        # jobs still queued here are failed by the next start's recovery

    def _run(self, job_id: str) -> None:
        if not self._recovered:
            try:
                self.recover()
            except Exception:  # noqa: BLE001 - database down: try again next job
                log.warning("job recovery failed")
        if not start_job(self.engine, job_id):
            return  # cancelled while queued
        job = get_job(self.engine, job_id)
        fn = self.kinds.get(job.kind) if job else None
        if job is None or fn is None:
            finish_job(self.engine, job_id, "failed", f"unknown job kind {job and job.kind!r}")
            return
        self.current = job_id
        last = [0.0]

        def progress(done: int, total: int | None = None, force: bool = False) -> None:
            if self._stop.is_set():
                raise JobCancelled(INTERRUPTED)
            now = time.monotonic()
            if force or now - last[0] >= self.progress_every:
                last[0] = now
                if set_progress(self.engine, job_id, done, total):
                    raise JobCancelled("cancelled; nothing was committed")

        progress.stopping = self._stop.is_set  # type: ignore[attr-defined]
        try:
            fn(job, progress)
        except JobCancelled as exc:
            stopping = self._stop.is_set()
            finish_job(
                self.engine,
                job_id,
                "failed" if stopping else "cancelled",
                INTERRUPTED if stopping else "cancelled; nothing was committed",
            )
            log.info("job %s %s", job_id, "interrupted" if stopping else "cancelled")
            del exc
        except JobFailed as exc:
            finish_job(
                self.engine, job_id, "failed", exc.message, result=exc.result, errors=exc.errors
            )
        except Exception as exc:  # noqa: BLE001 - any failure ends the job, never the thread
            log.error("job %s failed: %s", job_id, type(exc).__name__)
            finish_job(
                self.engine,
                job_id,
                "failed",
                f"failed ({type(exc).__name__}); nothing was committed",
            )
        finally:
            self.current = None

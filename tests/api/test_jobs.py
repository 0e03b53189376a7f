"""The job runner's thread: one per runner however often it is started (an app whose
lifespan runs twice, as schemathesis' ASGI transport does beside a test client), so that
``stop`` wakes it at once instead of waiting out its join timeout on a thread it never
woke."""

from __future__ import annotations

import threading
import time

from guidance.api.jobs import JobRunner


def _runner_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "guidance-jobs" and t.is_alive()]


def test_a_second_start_adds_no_thread_and_stop_is_prompt():
    before = len(_runner_threads())
    runner = JobRunner(engine=None)
    runner.start()
    runner.start()
    assert len(_runner_threads()) == before + 1
    t0 = time.monotonic()
    runner.stop(timeout=10)
    assert time.monotonic() - t0 < 2  # before: 10 s, the second thread never woke
    assert len(_runner_threads()) == before

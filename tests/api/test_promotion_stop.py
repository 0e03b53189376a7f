"""A promotion job whose runner stops (the worker shuts down) ends its gate process instead
of leaving it to promote as an orphan, and says truthfully what happened: the registry's
champion alias decides between "interrupted, nothing changed" and "promoted"."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from guidance.api.jobs import JobFailed
from guidance.api.routes import models
from guidance.store.jobs import INTERRUPTED, JobCancelled


class Source:
    tracking_uri, name = "sqlite:///unused.db", "guidance-outcomes"

    def __init__(self, champion: str | None = None, error: Exception | None = None) -> None:
        self.champion, self.error = champion, error

    def fingerprint(self) -> tuple:
        if self.error is not None:
            raise self.error
        return (self.champion,)


def _fake_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, ignore_term: bool) -> Path:
    """A 'python' that writes its pid and sleeps a minute (optionally deaf to SIGTERM)."""
    pid = tmp_path / "pid"
    script = tmp_path / "gate.sh"
    trap = "trap '' TERM\n" if ignore_term else ""
    script.write_text(f"#!/bin/sh\n{trap}echo $$ > {pid}\nexec sleep 60\n")
    script.chmod(0o755)
    monkeypatch.setattr(models.sys, "executable", str(script))
    return pid


def _stop_once_started(pid: Path):
    return lambda: pid.exists() and pid.read_text().strip() != ""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("ignore_term", [False, True], ids=["sigterm", "sigkill"])
def test_a_stopping_runner_ends_the_gate_process(tmp_path, monkeypatch, ignore_term):
    monkeypatch.setattr(models, "GATE_GRACE", 1.0)
    monkeypatch.setattr(models, "GATE_POLL", 0.1)
    pid_file = _fake_gate(tmp_path, monkeypatch, ignore_term=ignore_term)
    t0 = time.monotonic()
    with pytest.raises(models.GateStopped):
        models._run_gate(Source(), {"version": "2"}, _stop_once_started(pid_file))
    assert time.monotonic() - t0 < 20  # not the gate's minute, nor PROMOTE_TIMEOUT
    assert _gone(int(pid_file.read_text()))  # ended and reaped: it cannot promote later


def test_a_gate_that_runs_out_of_time_is_ended_and_the_job_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "PROMOTE_TIMEOUT", 0.5)
    monkeypatch.setattr(models, "GATE_POLL", 0.1)
    pid_file = _fake_gate(tmp_path, monkeypatch, ignore_term=False)
    with pytest.raises(JobFailed, match="could not run.*nothing changed"):
        models._run_gate(Source(), {"version": "2"})
    assert _gone(int(pid_file.read_text()))


def test_after_a_stop_the_registry_says_what_happened():
    # the gate moved the alias before it ended: the job reports the promotion
    code, out = models._stopped_gate(Source(champion="2"), "2")
    assert code == 0 and out == {"promoted": True, "version": "2", "interrupted": True}
    # it had not: interrupted, nothing committed (the runner records INTERRUPTED)
    with pytest.raises(JobCancelled, match=INTERRUPTED):
        models._stopped_gate(Source(champion="1"), "2")
    # the registry cannot be read: nothing is claimed either way
    with pytest.raises(JobFailed, match="could not be read.*version 2") as got:
        models._stopped_gate(Source(error=OSError("down")), "2")
    assert "phiên bản 2" in got.value.result["message_vi"]

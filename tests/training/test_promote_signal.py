"""The champion's tags and alias are written whole: a SIGTERM (the API's job runner ending
a gate at shutdown) that arrives while they are written takes effect after them."""

from __future__ import annotations

import signal
import subprocess
import sys

from training.promote import sigterm_deferred

CHILD = """
import os, signal
from training.promote import sigterm_deferred
with sigterm_deferred():
    os.kill(os.getpid(), signal.SIGTERM)
    print("tags and alias written", flush=True)
print("never reached", flush=True)
"""


def test_a_sigterm_inside_waits_for_the_block_then_ends_the_process():
    r = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert r.stdout == "tags and alias written\n", r.stderr
    assert r.returncode == -signal.SIGTERM


def test_the_previous_handler_is_back_after_the_block():
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_deferred():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before

"""Benchmarks' shared helper: a generated world written by a child process (so that the
generator's memory does not count in the benchmark's own peak)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def generate_in_child(data: Path, seed: int, scale: str) -> None:
    """``guidance.world.generate.generate_world`` into ``data`` in a child process; prints
    its wall time."""
    t = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from guidance.world.generate import generate_world; "
            f"generate_world({str(data)!r}, seed={seed}, scale={scale!r}, "
            "progress=False)",
        ],
        check=True,
    )
    print(f"generate ({scale}, child process): {time.perf_counter() - t:.1f} s")

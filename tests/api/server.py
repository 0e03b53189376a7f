"""A real ``guidance serve`` subprocess on 127.0.0.1 with a free port (for kill and load
tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(
        self, tmp: Path, db_url: str, model_path: Path, workers: int = 1, **env: str
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "GUIDANCE_DATABASE_URL": db_url,
            "GUIDANCE_MODEL_PATH": str(model_path),
            "GUIDANCE_API_SECRET": "s",
            "GUIDANCE_VAR_DIR": str(tmp / "var"),
            "GUIDANCE_MODEL_POLL_SECONDS": "0.2",
            "GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE": "1000000",
            "GUIDANCE_MAX_UPLOAD_BYTES": str(256 << 20),
            **env,
        }
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    def start(self, ready: str = "/readyz", timeout: float = 90.0) -> Server:
        fh = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "guidance",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
        fh.close()
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + ready, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"server not ready: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

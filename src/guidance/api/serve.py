"""``guidance serve``: the app under uvicorn.

With more than one worker, uvicorn 0.54 hands the workers a listening socket on whose
accepted connections TCP_NODELAY is never set, so Nagle's algorithm meets delayed ACK and
every keep-alive response waits ~40 ms (PERFORMANCE_NOTES; uvicorn issue #3149). We bind
the socket ourselves with TCP_NODELAY (Linux copies it to accepted sockets) and pass its
file descriptor. Model calls use one OpenMP thread per worker.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
from pathlib import Path

from guidance.api.metrics import MULTIPROC_ENV
from guidance.settings import get_settings


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _metrics_dir(var_dir: Path, port: int) -> Path:
    """A fresh directory where the workers share their Prometheus figures (emptied at
    every start: a previous run's counters are not ours)."""

    path = Path(var_dir) / f"metrics-{port}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def serve_command(args: argparse.Namespace) -> int:
    # lazy: uvicorn loads only when serving
    import uvicorn

    s = get_settings()
    host = args.host or s.host
    port = args.port if args.port is not None else s.port
    workers = args.workers or s.workers
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if workers > 1:
        _metrics_dir(s.var_dir, port)
    sock = listening_socket(host, port)
    print(f"guidance API on http://{host}:{port} ({workers} worker(s)); docs at /docs", flush=True)
    config = uvicorn.Config(
        "guidance.api.app:create_app",
        factory=True,
        fd=sock.fileno(),
        workers=workers,
        server_header=False,
        date_header=True,
        access_log=False,
        timeout_graceful_shutdown=30,
        log_level="info",
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    if workers > 1:
        # lazy: uvicorn loads only when serving
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
    return 0

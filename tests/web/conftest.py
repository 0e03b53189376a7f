"""Web fixtures: the real app (the API's ``create_app`` plus the web pages) under uvicorn
in a thread on 127.0.0.1 with a free port, on the tiny demo world with a tiny model (the
API tests' world and model fixtures), and a headless Debian Chromium driven by Playwright.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.api.conftest import artifacts, newest_demand, world  # noqa: F401 - fixtures

CHROMIUM = os.environ.get("GUIDANCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "tests" / "artifacts" / "screenshots"


@dataclass
class Live:
    url: str
    admin_key: str
    counsellor_key: str
    periods: list[str]
    world: dict = field(repr=False)
    institution_key: str = ""
    institution_id: str = ""  # the institution of institution_key (most offerings)
    other_institution_key: str = ""
    other_institution_id: str = ""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def web_server(
    tmp: Path, env: dict[str, str], *, ready: tuple[str, ...] = ("/readyz",), timeout: float = 90.0
) -> Iterator[str]:
    """The real app (``tests.web.serve_app``) under uvicorn in a subprocess on a free port,
    with ``env`` over the test defaults; yields its base URL once every path of ``ready``
    answers 200 (the server log in the error otherwise); terminated on exit."""
    import httpx

    port = _free_port()
    full = {
        **os.environ,
        "GUIDANCE_API_SECRET": "s",
        "GUIDANCE_VAR_DIR": str(tmp / "var"),
        "OMP_NUM_THREADS": "1",
        "GUIDANCE_RATE_LIMIT_PUBLIC_PER_MINUTE": "100000",
        "GUIDANCE_MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}",
        **env,
    }
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.web.serve_app:create",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO,
        env=full,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    try:
        while True:
            try:
                if all(httpx.get(base + p, timeout=5).status_code == 200 for p in ready):
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() - t0 > timeout:
                raise AssertionError(
                    "web test server not ready: " + (tmp / "server.log").read_text()[-3000:]
                )
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live(world, artifacts, tmp_path_factory) -> Iterator[Live]:  # noqa: F811
    """One server for the whole web session (pages are read-only except feedback and
    demand uploads, which the tests make distinct)."""
    import httpx
    from tests.api.conftest import install_model

    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.demand import load_demand
    from guidance.store.keys import create_key
    from guidance.store.migrate import upgrade

    tmp = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'guidance.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_catalogue(engine, world)
    demand = newest_demand(world, 3)
    load_demand(engine, demand)
    _, admin = create_key(engine, "admin", "admin")
    _, counsellor = create_key(engine, "counsellor", "counsellor")
    by_size = (
        world["programmes"]
        .groupby("institution_id")
        .size()
        .sort_values(ascending=False, kind="stable")
    )
    inst, other = str(by_size.index[0]), str(by_size.index[1])
    _, inst_key = create_key(engine, "clerk", "institution", institution_id=inst)
    _, other_key = create_key(engine, "clerk2", "institution", institution_id=other)
    engine.dispose()
    model = tmp / "serving" / "guidance-outcomes-active.joblib"
    install_model(artifacts["1"], model)
    with web_server(
        tmp,
        {
            "GUIDANCE_DATABASE_URL": url,
            "GUIDANCE_MODEL_PATH": str(model),
            "GUIDANCE_MODEL_POLL_SECONDS": "0.5",
        },
    ) as base:
        for path in ("/", "/counsellor", "/institution", "/admin"):  # compile templates once
            assert httpx.get(base + path, timeout=10).status_code == 200
        yield Live(
            base,
            admin,
            counsellor,
            sorted(demand["period"].unique()),
            world,
            inst_key,
            inst,
            other_key,
            other,
        )


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@contextmanager
def open_page(browser, width: int = 360, height: int = 780) -> Iterator:  # noqa: ANN001
    """A fresh page of the given viewport; console errors (CSP violations included) fail
    the test."""
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, locale="vi-VN", accept_downloads=True
    )
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    try:
        yield pg
    finally:
        ctx.close()
    # 4xx answers the test provoked on purpose (bad key, bad file) are logged by Chromium
    expected = "Failed to load resource: the server responded with a status of 4"
    assert not [e for e in errors if not e.startswith(expected)], errors


@pytest.fixture
def page(browser, live) -> Iterator:
    """A fresh phone-sized page (360 × 780)."""
    with open_page(browser) as pg:
        yield pg


def shot(page, name: str, full: bool = True) -> Path:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path

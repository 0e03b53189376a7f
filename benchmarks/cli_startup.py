"""Wall time of ``guidance`` commands, each run N times in a fresh subprocess.

    python benchmarks/cli_startup.py                       # --help, info, models, recommend
    python benchmarks/cli_startup.py -n 9 --world DIR      # a demo world made by setup below
    python benchmarks/cli_startup.py --compare ../old      # this checkout and another one

``--world DIR`` holds a demo world prepared once with this checkout's code::

    guidance demo-data --out DIR/data
    GUIDANCE_VAR_DIR=DIR/var GUIDANCE_MODELS_DIR=DIR/models \\
      GUIDANCE_MLFLOW_TRACKING_URI=sqlite:///DIR/var/mlflow.db guidance train --data DIR/data
    GUIDANCE_DATABASE_URL=sqlite:///DIR/var/guidance.db guidance db upgrade
    GUIDANCE_DATABASE_URL=sqlite:///DIR/var/guidance.db guidance db load DIR/data

(``--setup`` does exactly this when DIR is empty). Every command runs with the world's
``GUIDANCE_*`` variables, so ``recommend`` reads what the server would read (older code
reads the data directory and the newest artifact: the same world either way). Each checkout
runs with its own ``PYTHONPATH=<checkout>/src:<checkout>``; the median of the N runs is
printed per command (the first run of each command is a warm-up and is not counted).

Bytecode: an installed package has its ``.pyc`` files; a shell with
``PYTHONDONTWRITEBYTECODE=1`` and a virtualenv without ``__pycache__`` compiles every module
from source on every start (seconds for scikit-learn, pandas and MLflow). The runs therefore
write and reuse bytecode under ``--pycache DIR`` (``PYTHONPYCACHEPREFIX``; default a folder
in the temporary directory), never inside the virtualenv; ``--no-pycache`` measures the
compile-every-time case.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
LEARNER = {
    "profile": {"age": 17, "home_province_code": "01", "education_level": 12, "gpa": 7.5},
    "preferences": {},
}


def world_env(world: Path) -> dict[str, str]:
    return {
        "GUIDANCE_VAR_DIR": str(world / "var"),
        "GUIDANCE_DATA_DIR": str(world / "data"),
        "GUIDANCE_MODELS_DIR": str(world / "models"),
        "GUIDANCE_MLFLOW_TRACKING_URI": f"sqlite:///{world / 'var' / 'mlflow.db'}",
        "GUIDANCE_DATABASE_URL": f"sqlite:///{world / 'var' / 'guidance.db'}",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }


def commands(world: Path | None) -> dict[str, list[str]]:
    cmds = {"--help": ["--help"], "info": ["info"]}
    if world is not None:
        learner = world / "learner.json"
        learner.write_text(json.dumps(LEARNER), encoding="utf-8")
        cmds["models"] = ["models"]
        cmds["recommend"] = ["recommend", "--learner", str(learner), "--top-k", "5"]
    return cmds


PYCACHE: Path | None = None  # set by main(): where bytecode is written and reused


def run_once(checkout: Path, argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    full = {**os.environ, **env, "PYTHONPATH": f"{checkout / 'src'}:{checkout}"}
    if PYCACHE is not None:
        full.pop("PYTHONDONTWRITEBYTECODE", None)
        full["PYTHONPYCACHEPREFIX"] = str(PYCACHE / checkout.name)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "guidance", *argv],
        env=full,
        cwd=checkout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return time.perf_counter() - t0, proc.returncode


def measure(checkout: Path, world: Path | None, n: int) -> dict[str, float | None]:
    env = world_env(world) if world is not None else {}
    out: dict[str, float | None] = {}
    for name, argv in commands(world).items():
        run_once(checkout, argv, env)  # warm-up: the page cache, numba's cache, .pyc files
        times = []
        for _ in range(n):
            dt, rc = run_once(checkout, argv, env)
            if rc != 0:
                times = []
                break
            times.append(dt)
        out[name] = statistics.median(times) if times else None
    return out


def setup(world: Path) -> None:
    env = {**os.environ, **world_env(world), "PYTHONPATH": f"{HERE / 'src'}:{HERE}"}
    steps = [
        ["demo-data", "--out", str(world / "data")],
        ["train", "--data", str(world / "data"), "--quiet"],
        ["db", "upgrade"],
        ["db", "load", str(world / "data")],
    ]
    for argv in steps:
        print("setup: guidance", " ".join(argv), file=sys.stderr)
        subprocess.run([sys.executable, "-m", "guidance", *argv], env=env, cwd=HERE, check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=5, help="timed runs per command (median)")
    ap.add_argument("--world", type=Path, default=None, help="demo world for models/recommend")
    ap.add_argument("--setup", action="store_true", help="build the world in --world first")
    ap.add_argument("--compare", type=Path, default=None, help="another checkout to time too")
    ap.add_argument("--pycache", type=Path, default=None, help="bytecode folder (default: tmp)")
    ap.add_argument("--no-pycache", action="store_true", help="compile from source every run")
    args = ap.parse_args()
    global PYCACHE
    if not args.no_pycache:
        PYCACHE = args.pycache or Path(tempfile.gettempdir()) / "guidance-cli-startup-pyc"
    if args.setup:
        if args.world is None:
            ap.error("--setup needs --world")
        args.world.mkdir(parents=True, exist_ok=True)
        setup(args.world.resolve())
    world = args.world.resolve() if args.world else None
    checkouts = {"new": HERE}
    if args.compare is not None:
        checkouts = {"old": args.compare.resolve(), "new": HERE}
    results = {label: measure(path, world, args.n) for label, path in checkouts.items()}
    names = list(commands(world))
    print(
        f"median wall time of {args.n} runs (s); load average {os.getloadavg()[0]:.1f}; "
        f"bytecode {'compiled every run' if PYCACHE is None else 'cached in ' + str(PYCACHE)}"
    )
    print(f"{'command':<12}" + "".join(f"{label:>10}" for label in results))
    for name in names:
        cells = "".join(
            f"{r[name]:>10.2f}" if r.get(name) is not None else f"{'failed':>10}"
            for r in results.values()
        )
        print(f"{name:<12}{cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

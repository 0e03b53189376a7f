"""The command line: fast help, lazy imports, plugin commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from guidance.cli import build_parser, main

HEAVY = ("pandas", "sklearn", "mlflow", "scipy", "matplotlib", "fastapi", "numba", "numpy")


def test_help_imports_no_heavy_library():
    code = (
        "import sys, json, contextlib, io\n"
        "from guidance.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_info_imports_no_heavy_library(tmp_path):
    """``guidance info`` answers from package metadata and the csv module (under a second)."""
    code = (
        "import sys, json, contextlib, io\n"
        "from guidance.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    rc = main(['info'])\n"
        f"print(json.dumps([rc, buf.getvalue(), [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    rc, text, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    assert rc == 0 and heavy == []
    from guidance import reference

    for name, n in reference.summary().items():  # the same counts as pandas reads
        assert f"  {name:<24} {n:>6} rows" in text


def test_subcommands_are_listed(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for name in ("validate", "demo-data", "info", "demand", "train"):
        assert name in text


def test_every_handler_resolves_to_a_callable():
    import importlib

    parser = build_parser()
    seen = []
    stack = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                stack.extend(action.choices.values())
        handler = p.get_default("cmd_handler")
        if handler:
            module, _, func = handler.partition(":")
            assert callable(getattr(importlib.import_module(module), func)), handler
            seen.append(handler)
    assert len(seen) >= 4


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_guidance_never_imports_training():
    import pathlib

    src = pathlib.Path(__file__).resolve().parents[1] / "src" / "guidance"
    offenders = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if any(
            line.lstrip().startswith(("import training", "from training"))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def test_console_script_freezes_the_heap_after_one_shot_commands_only(monkeypatch, capsys):
    """``guidance`` (the console script) ends a one-shot command without the collector's walk
    over what it loaded; other commands end as usual. The recommend command pauses the
    collector while it runs and restores it for the caller."""
    import gc

    from guidance import cli

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    assert cli.console(["info"]) == 0
    assert frozen == [True]
    assert cli.console(["db"]) == 2  # a group without its subcommand: help, not one-shot
    assert frozen == [True]
    capsys.readouterr()
    assert gc.isenabled()
    assert cli.console(["recommend", "--learner", "/no/such/file.json"]) != 0
    assert gc.isenabled() and frozen == [True, True]
    assert "/no/such/file.json" in capsys.readouterr().err

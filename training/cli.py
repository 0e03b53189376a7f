"""Commands that ``training`` adds to ``guidance`` (kept free of heavy imports)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Entry point ``guidance.commands``: add ``train``, ``promote`` and ``models``."""
    p = sub.add_parser("train", help="train, evaluate, log and register the outcome models")
    p.add_argument("--data", required=False, default=None, help="data directory (default: settings)")
    p.add_argument("--config", default=None, help="TOML training config")
    p.set_defaults(_handler="training.cli:train_command")

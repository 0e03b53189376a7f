"""``guidance validate DIR``: exit 0 valid, 1 invalid, 2 directory or table file missing."""

from __future__ import annotations

import argparse
import sys

from guidance.contract import validate_dir


def validate_command(args: argparse.Namespace) -> int:
    try:
        report = validate_dir(args.data_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary(max_errors=max(args.max_errors, 0)))
    if report.has_rule("missing_table"):
        return 2
    return 0 if report.ok else 1

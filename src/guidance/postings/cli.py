"""``guidance demand ingest-postings``."""

from __future__ import annotations

import argparse
import sys

from guidance.csvsafe import safe_cell
from guidance.postings.adapters import PostingsReadError
from guidance.postings.ingest import ingest_postings
from guidance.postings.report import issues_frame


def ingest_command(args: argparse.Namespace) -> int:
    """Run an ingest and print its counts; exit 1 if the snapshot does not validate."""

    try:
        result = ingest_postings(
            args.files,
            args.period,
            args.out,
            source=args.source,
            mapping=args.mapping,
            usd_rate=args.usd_rate,
            min_confidence=args.min_confidence,
            progress=True,
        )
    except (ValueError, PostingsReadError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    issues = issues_frame(result)
    if len(issues):
        # messages quote raw postings
        issues.map(safe_cell).to_csv(result.demand_path.parent / "issues.csv", index=False)
    for k, v in sorted(result.counts.items()):
        print(f"{k}: {v}")
    for i in result.issues[:10]:
        where = f"{i.file} row {i.row}" if i.row is not None else i.file
        print(f"  {i.kind}: {where}: {i.message}", file=sys.stderr)
    if len(result.issues) > 10:
        print(f"  ... {len(result.issues) - 10} more in issues.csv", file=sys.stderr)
    print(f"wrote {result.demand_path} and {result.report_path}")
    if result.validation_errors:
        print(
            "demand.csv does NOT validate:",
            *result.validation_errors[:10],
            sep="\n  ",
            file=sys.stderr,
        )
        return 1
    return 0

"""``guidance import trento|fr-master SOURCE --out DIR`` handlers."""

from __future__ import annotations

import argparse
import sys

from guidance.importers import ImportSourceError
from guidance.importers.fr_master import import_fr_master
from guidance.importers.trento import import_trento


def trento_command(args: argparse.Namespace) -> int:
    try:
        n = import_trento(
            args.source, args.out, cohort=args.cohort, trainee_employed=args.trainee_employed
        )
    except (ImportSourceError, OSError) as exc:
        print(f"import trento: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {args.out}: {n['outcomes']:,} tracer records ({n['employed']:,} employed), "
        f"1 offering, 1 province, no demand rows; next: guidance validate {args.out}"
    )
    return 0


def fr_master_command(args: argparse.Namespace) -> int:
    try:
        n = import_fr_master(args.source, args.out)
    except (ImportSourceError, OSError) as exc:
        print(f"import fr-master: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {args.out}/cohort_aggregates.csv: {n['rows']:,} offering × cohort × wave rows "
        f"({n['offerings']:,} offerings; employment rate known in "
        f"{n['with_employment_rate']:,}, wage median in {n['with_wage_median']:,})"
    )
    return 0

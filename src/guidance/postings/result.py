"""What an ingest of job postings produced: the demand rows, every parsed posting and the
problems met (its own module so that the ingest and the coverage report both import it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from guidance.postings.salary import DEFAULT_USD_RATE


@dataclass(frozen=True)
class Issue:
    """A problem with one row (or a whole file when ``row`` is None)."""

    file: str
    row: int | None
    kind: str
    message: str


@dataclass
class IngestResult:
    """What an ingest produced and what it could not use."""

    demand: pd.DataFrame
    postings: pd.DataFrame  # one row per input posting with every parsed field
    issues: list[Issue] = field(default_factory=list)
    demand_path: Path | None = None
    report_path: Path | None = None
    min_confidence: float = 0.0
    usd_rate: float = DEFAULT_USD_RATE
    validation_errors: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Issues by kind, plus totals."""
        c = Counter(i.kind for i in self.issues)
        p = self.postings
        kept = p[p["kept"]] if len(p) else p
        c["postings_read"] = len(p)
        c["postings_kept"] = len(kept)
        c["unclassified"] = int((~kept["classified"]).sum()) if len(kept) else 0
        c["demand_rows"] = len(self.demand)
        return dict(c)

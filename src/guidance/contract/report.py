"""What validation found: issues with a place, a rule and a readable message.

A bad file can hold millions of failing cells, so the report keeps exact counts
per (table, column, rule, severity) but only the first ``max_examples`` issues
of each as ``Issue`` objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import pandas as pd

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding. ``row`` is the 1-based data row (None for table-level findings)."""

    table: str
    row: int | None
    column: str | None
    rule: str
    message: str
    value: object = None
    severity: str = ERROR


class ContractError(ValueError):
    """A data directory (or table) broke the contract; ``.report`` says where."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.summary(max_errors=20))


@dataclass
class TableInfo:
    rows: int | None = None
    source: str = ""  # file name, "packaged reference" or "frame"


@dataclass
class ValidationReport:
    max_examples: int = 1000
    issues: list[Issue] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    tables: dict[str, TableInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    path: str | None = None
    # rows (0-based) whose cell failed type conversion, per (table, column): not re-reported
    # as empty required cells
    type_failed: dict = field(default_factory=dict, repr=False)
    # added to every row number: a file validated in chunks reports rows of the whole file
    row_offset: int = 0

    # ------------------------------------------------------------------ adding
    def location(self, table: str, row: int | None, column: str | None) -> str:
        where = table
        if row is not None:
            row += self.row_offset
            where += f" row {row}"
            if self.tables.get(table, TableInfo()).source.endswith(".csv"):
                where += f" (line {row + 1})"
        if column:
            where += f", column {column}"
        return where

    def add(
        self,
        table: str,
        column: str | None,
        rule: str,
        detail: str,
        *,
        row: int | None = None,
        value: object = None,
        severity: str = ERROR,
        count: int = 1,
    ) -> None:
        """Record one issue (``count`` > 1 when it stands for several cells)."""
        key = (table, column, rule, severity)
        if self.counts[key] < self.max_examples:
            msg = f"{self.location(table, row, column)}: {detail}"
            at = None if row is None else row + self.row_offset
            self.issues.append(Issue(table, at, column, rule, msg, _plain(value), severity))
        self.counts[key] += count

    def add_cells(
        self,
        table: str,
        column: str | None,
        rule: str,
        rows: Iterable[int],
        values: Iterable[object],
        detail: Callable[[object], str],
        *,
        n: int,
        severity: str = ERROR,
    ) -> None:
        """Record ``n`` failing cells; only the first examples are turned into messages."""
        key = (table, column, rule, severity)
        room = max(self.max_examples - self.counts[key], 0)
        for i, (row, value) in enumerate(zip(rows, values, strict=False)):
            if i >= room:
                break
            value = _plain(value)
            msg = f"{self.location(table, int(row), column)}: {detail(value)}"
            self.issues.append(
                Issue(table, int(row) + self.row_offset, column, rule, msg, value, severity)
            )
        self.counts[key] += n

    # ---------------------------------------------------------------- reading
    @property
    def error_count(self) -> int:
        return sum(n for k, n in self.counts.items() if k[3] == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(n for k, n in self.counts.items() if k[3] == WARNING)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    def has_rule(self, rule: str) -> bool:
        return any(k[2] == rule and n for k, n in self.counts.items())

    def to_records(self) -> list[dict]:
        """Issues as plain dicts (JSON-ready), errors first."""
        ordered = sorted(self.issues, key=lambda i: i.severity != ERROR)
        return [asdict(i) for i in ordered]

    def summary(self, max_errors: int = 50) -> str:
        """Readable summary: tables, then per table and rule the count and first examples."""
        lines = []
        head = "Data directory" if self.path else "Validation"
        lines.append(f"{head} {self.path or ''}".rstrip() + " — data contract v1")
        for name, info in self.tables.items():
            rows = "?" if info.rows is None else f"{info.rows:,}"
            lines.append(f"  {name:<12} {rows:>11} rows  {info.source}")
        lines.extend(f"  note: {n}" for n in self.notes)
        budget = max_errors
        for severity, title in ((ERROR, "Errors"), (WARNING, "Warnings")):
            groups = self._groups(severity)
            if not groups:
                continue
            total = sum(sum(c.values()) for c in groups.values())
            lines.append(f"{title}: {total:,}")
            for (table, rule), per_col in groups.items():
                cols = ", ".join(f"{c} {n:,}" for c, n in per_col.items() if c)
                n = sum(per_col.values())
                lines.append(f"  {table} · {rule}: {n:,}" + (f" ({cols})" if cols else ""))
                examples = [
                    i
                    for i in self.issues
                    if (i.table, i.rule, i.severity) == (table, rule, severity)
                ]
                shown = examples[: min(5, budget)] if severity == ERROR else examples[:3]
                if severity == ERROR:
                    budget -= len(shown)
                lines.extend(f"    {i.message}" for i in shown)
                if len(shown) < n:
                    lines.append(f"    … {n - len(shown):,} more")
        verdict = "VALID" if self.ok else "INVALID"
        lines.append(
            f"Result: {verdict} — {self.error_count:,} errors, {self.warning_count:,} warnings"
        )
        return "\n".join(lines)

    def _groups(self, severity: str) -> dict[tuple[str, str], Counter]:
        groups: dict[tuple[str, str], Counter] = {}
        for (table, column, rule, sev), n in self.counts.items():
            if sev == severity and n:
                groups.setdefault((table, rule), Counter())[column] += n
        return groups


def _plain(value: object) -> object:
    """numpy/pandas scalars → Python values (JSON-ready); missing → None."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    item = getattr(value, "item", None)
    return item() if callable(item) else value

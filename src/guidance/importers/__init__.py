"""Importers: real outcome data → a contract data directory (or, for aggregates, the
tracer cohort-aggregate CSV). They read a path the user gives; nothing here reads
``../shared`` or any fixed location. Mapping choices are documented in docs/real_data.md.
"""

from __future__ import annotations

from pathlib import Path


class ImportSourceError(ValueError):
    """The source file cannot be imported: one plain sentence naming file, column, reason."""


MAX_SOURCE_BYTES = 200 * 1024 * 1024  # refuse larger sources (these files are a few MB)
MAX_REPORTED = 20  # examples of bad cells named in a message


def check_source(path) -> None:
    p = Path(path)
    if not p.is_file():
        raise ImportSourceError(f"{p}: no such file")
    size = p.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise ImportSourceError(
            f"{p}: {size:,} bytes is more than the {MAX_SOURCE_BYTES:,} bytes an import accepts"
        )

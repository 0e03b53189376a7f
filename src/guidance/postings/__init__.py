"""Labour demand from job postings: read boards' files, parse, classify, aggregate.

``ingest_postings(paths, period, out_dir)`` is the entry point (and
``guidance demand ingest-postings`` its command). See ``docs/postings.md``.
"""

from __future__ import annotations

from guidance.postings.ingest import ingest_postings
from guidance.postings.result import IngestResult, Issue

__all__ = ["IngestResult", "Issue", "ingest_postings"]

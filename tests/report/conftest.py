"""The session's tiny world (directory, tables) and its published bundle, for the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest


@dataclass
class ReportWorld:
    dir: Path
    tables: dict
    bundle: object
    year: int
    province: str
    """The province with the most published respondents among single-year cells of
    ``year`` (so its figures are shown for that year, not pooled)."""


@pytest.fixture(scope="session")
def report_world(tiny_dir, tiny_tables) -> ReportWorld:
    """The session's tiny world (tests/conftest.py; read-only) and its published bundle."""
    from guidance.stats.bundle import build_bundle

    d, tables = tiny_dir, tiny_tables
    bundle = build_bundle(tables, tables["demand"])
    prov = bundle.outcomes["province"]
    year = max(int(c) for c in prov.loc[~prov["pooled"], "cohort"])
    single = prov[(prov["cohort"] == str(year)) & ~prov["suppressed"]]
    best = single.sort_values("respondents", ascending=False).iloc[0]
    return ReportWorld(d, tables, bundle, year, str(best["province_code"]))


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def published_row(bundle, grouping: str, cohort: str, **keys) -> pd.Series:
    t = bundle.outcomes[grouping]
    m = t["cohort"] == cohort
    for k, v in keys.items():
        m &= t[k].astype(str) == v
    rows = t[m]
    assert len(rows) == 1, (grouping, cohort, keys, len(rows))
    return rows.iloc[0]

"""Job-posting files -> a validated ``demand`` snapshot plus a coverage report.

``ingest_postings`` reads each file through its adapter, then for every
posting: checks the title, parses the location (provinces / buckets), parses
the salary, removes reposts, classifies the occupation, and finally aggregates
vacancies by province x occupation. Every row that cannot be used is counted
with its file and row number in ``IngestResult.issues``; one bad row never
stops the file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from guidance.contract import validate_table
from guidance.postings import adapters
from guidance.postings.aggregate import allocate, dedupe_key, demand_rows
from guidance.postings.classify import DEFAULT_MIN_CONFIDENCE, default_classifier
from guidance.postings.location import parse_location
from guidance.postings.report import coverage_report
from guidance.postings.result import IngestResult, Issue
from guidance.postings.salary import DEFAULT_USD_RATE, parse_salary
from guidance.text import fold

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# A stated headcount in the title: "Số lượng: 02", "(SL: 3)", "tuyển 5 ...".
_HEADCOUNT = re.compile(r"(?:so luong|\bsl)\s*:?\s*(\d{1,3})\b|\btuyen (\d{1,3}) ")


def _headcount(title: str, stated: str) -> int:
    if stated and stated.strip().isdigit() and int(stated) > 0:
        return int(stated)

    m = _HEADCOUNT.search(fold(title))
    if m:
        n = int(m.group(1) or m.group(2))
        if 0 < n <= 500:
            return n
    return 1


def ingest_postings(
    paths,
    period: str,
    out_dir=None,
    *,
    source: str | None = None,
    mapping=None,
    usd_rate: float | None = None,
    min_confidence: float | None = None,
    classifier=None,
    validate: bool = True,
    progress: bool = False,
) -> IngestResult:
    """Ingest posting files into a demand snapshot.

    Args:
        paths: CSV files (one layout each).
        period: ``YYYY-MM`` of the snapshot.
        out_dir: where ``demand.csv`` and ``coverage.md`` go (None: write nothing).
        source: adapter name (``careerviet_unified``, ``itviec``, ``generic``);
            default: detected from each header.
        mapping: generic adapter mapping (dict, JSON text or JSON file).
        usd_rate: VND per USD (default ``salary.DEFAULT_USD_RATE``).
        min_confidence: classifier confidence below which a posting is unclassified.
        classifier: a fitted ``PostingClassifier`` (default: fitted on the shipped labels).
    """

    if not _PERIOD.match(str(period)):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    if source is not None and source not in adapters.ADAPTERS:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(adapters.ADAPTERS)}")
    usd_rate = DEFAULT_USD_RATE if usd_rate is None else float(usd_rate)
    min_conf = DEFAULT_MIN_CONFIDENCE if min_confidence is None else float(min_confidence)
    mapping = adapters.load_mapping(mapping)
    issues: list[Issue] = []
    frames = []
    for path in [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]:
        try:
            raw = adapters.read_file(path)
            if raw.note:
                kind = "empty_file" if raw.frame.empty else "encoding"
                issues.append(Issue(path.name, None, kind, raw.note))
            if raw.frame.empty and not len(raw.frame.columns):
                continue
            name = source or adapters.detect(list(raw.frame.columns), mapping)
            frames.append(adapters.to_canonical(raw, name, mapping))
        except (adapters.PostingsReadError, OSError) as exc:
            issues.append(Issue(path.name, None, "unreadable_file", str(exc)))
    cols = ["file", *adapters.CANONICAL]
    p = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols, dtype=str)
    p = _parse(p, usd_rate, issues, progress)
    p = _classify(p, classifier or default_classifier(), min_conf)
    demand = demand_rows(allocate(p[p["kept"] & p["classified"]]), str(period))
    result = IngestResult(demand, p, issues, min_confidence=min_conf, usd_rate=usd_rate)
    if validate:
        result.validation_errors = _validate(demand)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        result.demand_path = out / "demand.csv"
        demand.to_csv(result.demand_path, index=False)
        result.report_path = out / "coverage.md"
        result.report_path.write_text(coverage_report(result, str(period)), encoding="utf-8")
    return result


def _parse(p: pd.DataFrame, usd_rate: float, issues: list[Issue], progress: bool) -> pd.DataFrame:
    """Title check, location, salary, headcount and duplicates for every posting."""
    p = p.copy()
    for c in ("title", "company", "location", "salary_text", "industry", "skills", "headcount"):
        p[c] = p[c].fillna("").astype(str)
    p["has_title"] = p["title"].str.strip().ne("") & ~p["title"].str.lower().isin(["nan", "none"])
    for r in p.loc[~p["has_title"]].itertuples():
        issues.append(Issue(r.file, r.row, "missing_title", "no job title; posting skipped"))
    it = p["location"]
    if progress:
        it = tqdm(it, desc="locations", file=sys.stderr, leave=False)
    locs = [parse_location(v) for v in it]
    p["province_codes"] = [loc.codes for loc in locs]
    p["buckets"] = [loc.buckets for loc in locs]
    p["n_places"] = [loc.n_places for loc in locs]
    p["old_province_names"] = [loc.old_names for loc in locs]
    for r, loc in zip(p.itertuples(), locs, strict=True):
        if r.has_title and loc.n_places == 0:
            issues.append(
                Issue(
                    r.file,
                    r.row,
                    "unknown_location",
                    f"location {r.location!r} not recognised; posting not placed",
                )
            )
        elif r.has_title and loc.unparsed:
            issues.append(
                Issue(
                    r.file,
                    r.row,
                    "partial_location",
                    f"part of location not recognised: {', '.join(loc.unparsed)!r}",
                )
            )
    cache = {s: parse_salary(s, usd_rate) for s in p["salary_text"].unique()}
    sal = [cache[s] for s in p["salary_text"]]
    p["salary_min_vnd"] = pd.array([s.min_vnd for s in sal], dtype="Int64")
    p["salary_max_vnd"] = pd.array([s.max_vnd for s in sal], dtype="Int64")
    p["salary_status"] = [s.status for s in sal]
    p["wage_mid"] = np.array([np.nan if s.midpoint is None else s.midpoint for s in sal], float)
    for r in p.loc[p["has_title"] & (p["salary_status"] == "unparsed")].itertuples():
        issues.append(
            Issue(
                r.file,
                r.row,
                "unparsed_salary",
                f"salary {r.salary_text!r} not understood; left unknown",
            )
        )
    p["vacancies"] = [_headcount(t, h) for t, h in zip(p["title"], p["headcount"], strict=True)]
    places = [
        ("+".join(sorted(c + b)) if (c or b) else "?" + loc)
        for c, b, loc in zip(p["province_codes"], p["buckets"], p["location"], strict=True)
    ]
    p["dedupe_key"] = dedupe_key(p["title"], p["company"], pd.Series(places, index=p.index))
    cand = p["has_title"]
    dup = cand & p["dedupe_key"].where(cand).duplicated(keep="first")
    first = p[cand].drop_duplicates("dedupe_key").set_index("dedupe_key")
    for r in p.loc[dup].itertuples():
        f = first.loc[r.dedupe_key]
        where = f"{f['file']} row {f['row']}"
        kind = "duplicate_cross_source" if f["source"] != r.source else "duplicate"
        issues.append(Issue(r.file, r.row, kind, f"repost of {where}; counted once"))
    p["duplicate"] = dup
    p["kept"] = p["has_title"] & ~dup
    return p


def _classify(p: pd.DataFrame, clf, min_conf: float) -> pd.DataFrame:
    p["occupation_code"] = pd.Series([None] * len(p), index=p.index, dtype=object)
    p["confidence"] = np.nan
    m = p["kept"].to_numpy()
    if m.any():
        codes, conf = clf.predict(
            p.loc[m, "title"].tolist(), p.loc[m, "industry"].tolist(), p.loc[m, "skills"].tolist()
        )
        p.loc[m, "predicted_code"] = codes
        p.loc[m, "confidence"] = conf
        ok = conf >= min_conf
        p.loc[p.index[m][ok], "occupation_code"] = codes[ok]
    p["classified"] = p["occupation_code"].notna()
    return p


def _validate(demand: pd.DataFrame) -> list[str]:
    """Contract check of the snapshot; returns error messages (empty = valid)."""

    report = validate_table("demand", demand)
    return [i.message for i in report.issues if i.severity == "error"]

"""The coverage report written beside each demand snapshot (Markdown)."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from guidance.postings.result import IngestResult
from guidance.reference import occupations, province_names

_SKEW = (
    "**Read this before using the numbers.** These are job-board postings, not the labour "
    "market. Boards such as CareerViet, TopCV, VietnamWorks and ITviec serve office and IT "
    "jobs in the big cities, and crawls are often keyword searches; manual, farm, informal "
    "and small-firm jobs are almost absent. Use the table as a signal of *advertised* "
    "demand for the occupations shown, never as a count of all vacancies."
)


def _pct(n: int, d: int) -> str:
    return f"{n / d:.1%}" if d else "n/a"


def coverage_report(result: IngestResult, period: str) -> str:
    """Markdown: coverage shares, issue counts, top occupations by province, skew."""

    p = result.postings
    kept = p[p["kept"]] if len(p) else p
    n = len(kept)
    placed = int((kept["province_codes"].map(len) > 0).sum()) if n else 0
    salary = int((kept["salary_status"] == "range").sum()) if n else 0
    classified = int(kept["classified"].sum()) if n else 0
    c = result.counts
    lines = [
        f"# Demand snapshot {period}: coverage report",
        "",
        _SKEW,
        "",
        "## Postings",
        "",
        "| | count | share of kept postings |",
        "|---|---|---|",
        f"| read | {c.get('postings_read', 0)} | |",
        f"| skipped: no title | {c.get('missing_title', 0)} | |",
        f"| skipped: duplicates (same board) | {c.get('duplicate', 0)} | |",
        f"| skipped: duplicates (across boards) | {c.get('duplicate_cross_source', 0)} | |",
        f"| kept | {n} | 100% |",
        f"| with a province | {placed} | {_pct(placed, n)} |",
        f"| with a salary figure | {salary} | {_pct(salary, n)} |",
        f"| with a confident occupation (confidence ≥ {result.min_confidence:.2f}) "
        f"| {classified} | {_pct(classified, n)} |",
        f"| unclassified (low confidence; not in demand.csv) | {n - classified} "
        f"| {_pct(n - classified, n)} |",
        "",
    ]
    buckets = Counter(b for bs in kept["buckets"] for b in bs) if n else Counter()
    lines += [
        "## Places that are not a province",
        "",
        "Their share of a posting's vacancies is not written to demand.csv.",
        "",
        "| bucket | postings |",
        "|---|---|",
    ]
    for name in ("nationwide", "abroad", "other_places"):
        lines.append(f"| {name} | {buckets.get(name, 0)} |")
    lines.append(f"| location not recognised | {c.get('unknown_location', 0)} |")
    multi = int((kept["n_places"] > 1).sum()) if n else 0
    old = int((kept["old_province_names"] > 0).sum()) if n else 0
    lines += [
        "",
        f"Postings listing several places: {multi} (vacancies split equally). "
        f"Postings naming a pre-2025 province: {old} (mapped to the 34 provinces).",
        "",
    ]
    if n:
        lines += [
            "## Sources",
            "",
            "| source | kept postings | share | salary given |",
            "|---|---|---|---|",
        ]
        for src, g in kept.groupby("source"):
            lines.append(
                f"| {src} | {len(g)} | {_pct(len(g), n)} | "
                f"{_pct(int((g['salary_status'] == 'range').sum()), len(g))} |"
            )
        it = kept["occupation_code"].fillna("").str.startswith(("25", "35", "1330", "2434"))
        d = result.demand
        big = d.loc[d["province_code"].isin(["01", "79"]), "vacancies"].sum() if len(d) else 0
        total = d["vacancies"].sum() if len(d) else 0
        lines += [
            "",
            f"Skew in this snapshot: ICT occupations (ISCO 25xx, 35xx, 1330, 2434) "
            f"are {_pct(int(it.sum()), n)} of kept postings; Hà Nội and Hồ Chí Minh City "
            f"hold {_pct(int(big), int(total))} of the written vacancies.",
            "",
        ]
    names = occupations().set_index("occupation_code")["name_en"].to_dict()
    prov = province_names()
    d = result.demand
    lines += ["## Top occupations by province", ""]
    if d.empty:
        lines.append("No demand rows.")
    else:
        totals = d.groupby("province_code")["vacancies"].sum().sort_values(ascending=False)
        lines += ["| province | vacancies | top occupations (vacancies) |", "|---|---|---|"]
        for code, total in totals.items():
            top = d[d["province_code"] == code].nlargest(3, "vacancies")
            desc = "; ".join(
                f"{r.occupation_code} {names.get(r.occupation_code, '?')} ({r.vacancies})"
                for r in top.itertuples()
            )
            lines.append(f"| {prov.get(code, code)} ({code}) | {total} | {desc} |")
    lines += ["", "## Issues by kind", "", "| kind | count |", "|---|---|"]
    for kind, k in sorted(Counter(i.kind for i in result.issues).items()):
        lines.append(f"| {kind} | {k} |")
    if result.validation_errors:
        lines += ["", "## Contract validation FAILED", ""]
        lines += [f"- {e}" for e in result.validation_errors[:20]]
    else:
        lines += ["", "demand.csv validates against data contract v1 (table `demand`)."]
    lines.append(f"\nUSD salaries converted at {result.usd_rate:,.0f} VND/USD.")
    return "\n".join(lines) + "\n"


def issues_frame(result: IngestResult) -> pd.DataFrame:
    """Issues as a table (file, row, kind, message)."""
    return pd.DataFrame(
        [vars(i) for i in result.issues], columns=["file", "row", "kind", "message"]
    )

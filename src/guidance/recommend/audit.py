"""Exposure audit: which occupation families reach the top-k of each group.

The ranking never reads ``sex`` or ``ethnic_minority``; groups can still see different
recommendations through correlated inputs (home province, schooling, marks). This reports
the share of each ISCO major group (occupation family) among the top-k items, by sex and
by ethnic-minority status, against the whole sample.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from guidance.recommend.batch import read_chunks, row_request

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender

ISCO_MAJOR = {
    "0": "armed forces",
    "1": "managers",
    "2": "professionals",
    "3": "technicians and associate professionals",
    "4": "clerical support",
    "5": "service and sales",
    "6": "skilled agricultural",
    "7": "craft and trades",
    "8": "plant and machine operators",
    "9": "elementary occupations",
}
AUDIT_ATTRIBUTES = ("sex", "ethnic_minority")
MIN_GROUP = 30  # smaller groups are shown but not called out: their shares are noise
REPORT_COLUMNS = ["attribute", "group", "family", "n_learners", "share", "share_all", "difference"]


def learner_sample(
    data_dir: str | Path, learners: str | Path | None = None, n: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Learners from a file, or a sample of the newest year of tracer records."""
    if learners:
        frame = pd.concat(list(read_chunks(learners)), ignore_index=True)
    else:
        from guidance.contract import load_dir

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = load_dir(data_dir)["outcomes"]
        newest = sorted(out["cohort"].dropna().unique())[-12:]
        frame = out[out["cohort"].isin(newest)]
        frame = frame.rename(columns={"record_id": "learner_id"})
    if len(frame) > n:
        frame = frame.sample(n=n, random_state=seed)
    return frame.reset_index(drop=True)


def exposure_audit(
    rec: Recommender,
    learners: pd.DataFrame,
    k: int = 10,
    progress: bool = True,
    prefs_override: dict | None = None,
) -> pd.DataFrame:
    """One row per (attribute, group, family): share of top-k items, whole-sample share,
    difference, and number of learners in the group."""
    from tqdm import tqdm

    fam_rows = []
    rows = learners.to_dict("records")
    bar = tqdm(rows, desc="audit", unit="learner", disable=not progress, file=sys.stderr)
    for i, row in enumerate(bar):
        try:
            profile, prefs = row_request(row, i)
        except ValueError:
            continue
        if prefs_override:
            prefs = prefs.model_copy(update=prefs_override)
        r = rec.recommend(profile, prefs, k=k, explain=False)
        groups = {a: _group(row.get(a)) for a in AUDIT_ATTRIBUTES}
        for it in r.items:
            first = rec.offering_facts(it.programme_id)["first_target_occupation"]
            fam_rows.append(
                {"learner": i, "family": ISCO_MAJOR.get(first[:1], "unknown"), **groups}
            )
    items = pd.DataFrame(fam_rows, columns=["learner", "family", *AUDIT_ATTRIBUTES])
    if items.empty:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    overall = items["family"].value_counts(normalize=True)
    out = []
    for a in AUDIT_ATTRIBUTES:
        for g, part in items.groupby(a, dropna=False):
            share = part["family"].value_counts(normalize=True)
            for fam in overall.index:
                s = float(share.get(fam, 0.0))
                out.append(
                    {
                        "attribute": a,
                        "group": g,
                        "family": fam,
                        "n_learners": int(part["learner"].nunique()),
                        "share": s,
                        "share_all": float(overall[fam]),
                        "difference": s - float(overall[fam]),
                    }
                )
    return pd.DataFrame(out)


def _group(v: object) -> str:
    return (
        "unknown" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
    )


def format_audit(report: pd.DataFrame) -> str:
    if report.empty:
        return "no recommendations to audit"
    lines = []
    for a, part in report.groupby("attribute", sort=False):
        wide = part.pivot_table(index="family", columns="group", values="share")
        wide.insert(0, "all", part.groupby("family")["share_all"].first())
        ns = part.groupby("group")["n_learners"].first()
        lines.append(
            f"exposure by {a} (share of top-k items; learners: "
            + ", ".join(f"{g}={n}" for g, n in ns.items())
            + ")"
        )
        lines.append(
            wide.sort_values("all", ascending=False).to_string(float_format=lambda x: f"{x:6.3f}")
        )
        big = part[part["n_learners"] >= MIN_GROUP]
        if big.empty:
            lines.append(f"no group of {a} has {MIN_GROUP} learners: no gap reported\n")
            continue
        worst = big.loc[big["difference"].abs().idxmax()]
        lines.append(
            f"largest gap (groups of ≥ {MIN_GROUP} learners): {worst['family']} for "
            f"{a}={worst['group']}: {worst['share']:.3f} vs "
            f"{worst['share_all']:.3f} overall\n"
        )
    return "\n".join(lines)

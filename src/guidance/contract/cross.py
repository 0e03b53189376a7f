"""Rules that look beyond one column: references between tables, old province
codes, and the logical consistency of an outcome record."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from guidance import reference
from guidance.contract.report import WARNING, ValidationReport
from guidance.contract.schema import OCCUPATION_COLUMNS, PROVINCE_COLUMNS, TABLES
from guidance.reference import resolve_province


@dataclass(frozen=True)
class Context:
    """Known codes that a table's references must point to (None = not checked)."""

    province_codes: frozenset[str] | None = None
    occupation_codes: frozenset[str] | None = None
    programme_ids: frozenset[str] | None = None

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame]) -> Context:
        """Context from loaded (typed) tables; missing tables leave their codes unchecked."""

        def codes(name: str, col: str) -> frozenset[str] | None:
            df = tables.get(name)
            if df is None or col not in df.columns:
                return None
            return frozenset(df[col].dropna().astype(str))

        return cls(
            codes("provinces", "province_code"),
            codes("occupations", "occupation_code"),
            codes("programmes", "programme_id"),
        )

    @classmethod
    def from_reference(cls) -> Context:
        """Context from the packaged reference (34 provinces, ISCO-08 unit groups)."""

        return cls(
            frozenset(reference.provinces()["province_code"].astype(str)),
            frozenset(reference.occupations()["occupation_code"].astype(str)),
        )


@lru_cache(maxsize=1)
def _reference_province_codes() -> frozenset[str]:
    return frozenset(reference.provinces()["province_code"].astype(str))


@lru_cache(maxsize=1)
def isced_detailed_codes() -> frozenset[str]:
    return frozenset(reference.isced_fields()["detailed_code"].dropna().astype(str))


def map_old_provinces(
    name: str, df: pd.DataFrame, context: Context | None, report: ValidationReport
) -> pd.DataFrame:
    """Replace pre-2025 province codes/names by their 2025 codes (one warning per column)."""

    known = (
        context.province_codes
        if context and context.province_codes is not None
        else _reference_province_codes()
    )
    for col in PROVINCE_COLUMNS.get(name, ()):
        if col not in df.columns:
            continue
        s = df[col]
        mapping = {}
        for value in s.dropna().unique():
            if value in known:
                continue
            code, was_old = resolve_province(value)
            if code is not None and was_old:
                mapping[value] = code
        if not mapping:
            continue
        hit = s.isin(list(mapping))
        n = int(hit.sum())
        df[col] = s.where(~hit, s.map(mapping))
        examples = ", ".join(f"{k!r} → {v!r}" for k, v in list(mapping.items())[:3])
        report.add(
            name,
            col,
            "old_province",
            f"{n:,} rows used pre-2025 province codes/names, mapped to the 2025 codes "
            f"(e.g. {examples})",
            value=dict(mapping),
            severity=WARNING,
            count=n,
        )
    return df


def cross_checks(
    name: str, df: pd.DataFrame, context: Context | None, report: ValidationReport
) -> None:
    """Reference and consistency rules of table ``name`` (skips absent columns)."""
    ctx = context or Context()
    for col in PROVINCE_COLUMNS.get(name, ()):
        _member(name, df, col, ctx.province_codes, "provinces", report)
    for col in OCCUPATION_COLUMNS.get(name, ()):
        _member(name, df, col, ctx.occupation_codes, "occupations", report)
    if name == "programmes":
        _member(
            name, df, "field_code", isced_detailed_codes(), "the ISCED-F detailed fields", report
        )
        _target_occupations(df, ctx.occupation_codes, report)
        own = set(df["programme_id"].dropna()) if "programme_id" in df.columns else set()
        _member(
            name, df, "predecessor_id", own | set(ctx.programme_ids or ()), "programmes", report
        )
        _age_order(df, report)
    if name == "outcomes":
        _member(name, df, "programme_id", ctx.programme_ids, "programmes", report)
        _outcome_consistency(df, report)


def _well_formed(name: str, col: str, s: pd.Series) -> pd.Series:
    """Cells that passed their format rule (others are already reported)."""
    pattern = TABLES[name].by_name[col].pattern
    if pattern is None:
        return s.notna()
    return s.str.fullmatch(pattern).fillna(False).astype(bool)


def _member(
    name: str, df: pd.DataFrame, col: str, allowed, where: str, report: ValidationReport
) -> None:
    if allowed is None or col not in df.columns:
        return
    s = df[col]
    bad = (_well_formed(name, col, s) & ~s.isin(list(allowed))).to_numpy(dtype=bool)
    n = int(bad.sum())
    if not n:
        return
    rows = np.flatnonzero(bad)[: report.max_examples]
    report.add_cells(
        name,
        col,
        "reference",
        rows + 1,
        s.iloc[rows].tolist(),
        lambda v: f"{v!r} is not in {where}",
        n=n,
    )


def _target_occupations(df: pd.DataFrame, allowed, report: ValidationReport) -> None:
    col = "target_occupations"
    if allowed is None or col not in df.columns:
        return
    ok = _well_formed("programmes", col, df[col])
    items = df.loc[ok, col].str.split(";").explode()
    unknown = items[~items.isin(list(allowed))]
    if unknown.empty:
        return
    per_row = unknown.groupby(level=0).agg(list)
    report.add_cells(
        "programmes",
        col,
        "reference",
        per_row.index.to_numpy() + 1,
        per_row.tolist(),
        lambda v: f"{';'.join(v)} not in occupations",
        n=len(per_row),
    )


def _age_order(df: pd.DataFrame, report: ValidationReport) -> None:
    """v1.3: an offering's ``min_age`` is at most its ``max_age`` (when both are given)."""
    if not {"min_age", "max_age"} <= set(df.columns):
        return
    lo = pd.to_numeric(df["min_age"], errors="coerce")
    hi = pd.to_numeric(df["max_age"], errors="coerce")
    bad = (lo > hi).fillna(False).to_numpy(dtype=bool)
    n = int(bad.sum())
    if not n:
        return
    rows = np.flatnonzero(bad)[: report.max_examples]
    report.add_cells(
        "programmes",
        "min_age",
        "age_order",
        rows + 1,
        [(int(a), int(b)) for a, b in zip(lo.iloc[rows], hi.iloc[rows], strict=True)],
        lambda v: f"min_age {v[0]} is above max_age {v[1]} (min_age must be at most max_age)",
        n=n,
    )


_NONE = "none"


def _outcome_consistency(df: pd.DataFrame, report: ValidationReport) -> None:
    cols = set(df.columns)
    if not {"employed_12m"} <= cols:
        return
    emp = df["employed_12m"]
    rules = []
    if "employment_type" in cols:
        et = df["employment_type"]
        rules.append(
            (
                "employment_type",
                (et == _NONE) & (emp == True),  # noqa: E712 - nullable boolean comparison
                lambda v: "employment_type is 'none' but employed_12m is true",
            )
        )
        rules.append(
            (
                "employment_type",
                et.notna()
                & (et != _NONE)
                & et.isin(TABLES["outcomes"].by_name["employment_type"].choices)
                & (emp == False),  # noqa: E712
                lambda v: f"employment_type is {v!r} but employed_12m is false",
            )
        )
    if "monthly_wage_vnd" in cols:
        rules.append(
            (
                "monthly_wage_vnd",
                df["monthly_wage_vnd"].notna() & (emp == False),  # noqa: E712
                lambda v: f"wage {v} given but employed_12m is false (must be empty)",
            )
        )
        # v1.1: an empty employed_12m is unknown (12-month wave not answered); the rules
        # above never fire on it (a comparison with an empty cell is not true), but a wage
        # belongs to a graduate known to be employed at 12 months
        rules.append(
            (
                "monthly_wage_vnd",
                df["monthly_wage_vnd"].notna() & emp.isna(),
                lambda v: (
                    f"wage {v} given but employed_12m is empty (a wage needs employed_12m true)"
                ),
            )
        )
    if "job_matches_training" in cols:
        rules.append(
            (
                "job_matches_training",
                (df["job_matches_training"] == True) & (emp == False),  # noqa: E712
                lambda v: "job_matches_training is true but employed_12m is false",
            )
        )
    for col, mask, detail in rules:
        bad = mask.fillna(False).to_numpy(dtype=bool)
        n = int(bad.sum())
        if n:
            rows = np.flatnonzero(bad)[: report.max_examples]
            report.add_cells(
                "outcomes", col, "consistency", rows + 1, df[col].iloc[rows].tolist(), detail, n=n
            )

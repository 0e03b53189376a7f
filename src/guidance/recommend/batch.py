"""Batch recommendations: a learners file (CSV or Parquet) in, one row per learner × rank
out. Reads and writes in chunks, so memory stays flat however many learners."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from guidance.errors import GuidanceError
from guidance.recommend.types import COMPONENTS, LearnerProfile, Preferences

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender

LIST_PREFS = ("levels", "field_codes", "provinces")
SCALAR_PREFS = (
    "max_duration_months",
    "max_tuition_vnd_per_year",
    "max_distance_km",
    "willing_to_relocate",
    "start_period",
)
CODE_COLUMNS = {
    "learner_id": "str",
    "record_id": "str",
    "home_province_code": "str",
    "field_codes": "str",
    "provinces": "str",
    "levels": "str",
    "start_period": "str",
}
OUTPUT_COLUMNS = (
    "learner_id",
    "rank",
    "programme_id",
    "programme_code",
    "institution_id",
    "province_code",
    "score",
    *(f"comp_{c}" for c in COMPONENTS),
    "p_employed_12m",
    "p_employed_12m_lo",
    "p_employed_12m_hi",
    "p_job_matches_training",
    "p_completed",
    "wage_q50",
    "n_graduates",
    "flags",
    "model_version",
    "demand_period",
)


def read_chunks(path: str | Path, chunk_rows: int = 2000) -> Iterator[pd.DataFrame]:
    p = Path(path)
    if p.suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(p).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(
            p, dtype=CODE_COLUMNS, keep_default_na=False, na_values=[""], chunksize=chunk_rows
        )


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    return v.item() if hasattr(v, "item") else v


def row_request(row: dict, index: int) -> tuple[LearnerProfile, Preferences]:
    """A learner and their preferences from one input row (lists ``;``-separated)."""
    fields = LearnerProfile.model_fields
    prof = {k: _clean(row.get(k)) for k in fields if k in row}
    if prof.get("learner_id") is None:
        prof["learner_id"] = str(_clean(row.get("record_id")) or f"row{index}")
    prof["learner_id"] = str(prof["learner_id"])
    if isinstance(prof.get("ethnic_minority"), str):
        prof["ethnic_minority"] = prof["ethnic_minority"].strip().lower() in ("true", "1")
    prefs: dict[str, Any] = {}
    for k in LIST_PREFS:
        v = _clean(row.get(k))
        if v is not None and str(v).strip():
            prefs[k] = [s.strip() for s in str(v).split(";") if s.strip()]
    for k in SCALAR_PREFS:
        v = _clean(row.get(k))
        if v is not None and v != "":
            prefs[k] = (
                v.strip().lower() in ("true", "1", "yes")
                if k == "willing_to_relocate" and isinstance(v, str)
                else v
            )
    return LearnerProfile.model_validate(prof), Preferences.model_validate(prefs)


def recommendation_rows(
    rec: Recommender, profile: LearnerProfile, prefs: Preferences, k: int
) -> list[dict]:
    r = rec.recommend(profile, prefs, k=k, explain=False)
    rows = []
    for it in r.items:
        row = {
            "learner_id": profile.learner_id,
            "rank": it.rank,
            "programme_id": it.programme_id,
            "programme_code": it.programme_code,
            "institution_id": it.institution_id,
            "province_code": it.province_code,
            "score": it.score,
        }
        row.update({f"comp_{c}": it.components[c] for c in COMPONENTS})
        lo, hi = it.p_employed_12m_interval
        row.update(
            p_employed_12m=it.p_employed_12m,
            p_employed_12m_lo=lo,
            p_employed_12m_hi=hi,
            p_job_matches_training=it.p_job_matches_training,
            p_completed=it.p_completed,
            wage_q50=it.wage_q50,
            n_graduates=it.basis.n_graduates,
            flags=";".join(it.flags),
            model_version=r.model_version,
            demand_period=r.demand_period,
        )
        rows.append(row)
    return rows


def _reason(exc: Exception) -> str:
    """A bad row's reason naming its columns (pydantic) or the first line of the error."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()[:3]
        )
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def recommend_chunk(
    rec: Recommender, chunk: pd.DataFrame, first_row: int, k: int, *, home: bool = False
) -> tuple[list[dict], list[str]]:
    """Output rows for every learner of ``chunk`` and its bad rows as ``row N: reason``
    (rows numbered from ``first_row + 1``, the file's data rows); a bad row never stops the
    chunk. ``home``: each row also carries the learner's ``home_province_code``."""
    rows: list[dict] = []
    errors: list[str] = []
    for n, rec_row in enumerate(chunk.to_dict("records"), start=first_row + 1):
        try:
            profile, prefs = row_request(rec_row, n)
            got = recommendation_rows(rec, profile, prefs, k)
        except (ValidationError, GuidanceError) as exc:  # the row's fault; a bug is raised
            errors.append(f"row {n}: {_reason(exc)}")
            continue
        if home:
            for row in got:
                row["home_province_code"] = profile.home_province_code
        rows.extend(got)
    return rows, errors


class _Writer:
    """Appends frames to a CSV or Parquet file with one fixed schema."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parquet = path.suffix == ".parquet"
        self.writer: Any = None  # a pyarrow ParquetWriter once the first frame is written
        self.first = True

    def write(self, df: pd.DataFrame) -> None:
        df = df.reindex(columns=list(OUTPUT_COLUMNS))
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(
                df.astype({"rank": "int64", "n_graduates": "int64"}),
                schema=_schema(),
                preserve_index=False,
            )
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.path, table.schema)
            self.writer.write_table(table)
        else:
            from guidance.csvsafe import safe_cell

            text = df.select_dtypes(include=["object", "string"]).columns
            df = df.assign(**{c: df[c].map(safe_cell) for c in text})  # no spreadsheet formulas
            df.to_csv(self.path, mode="w" if self.first else "a", header=self.first, index=False)
        self.first = False

    def close(self) -> None:
        if self.first:  # no rows at all: still write a valid, empty file
            self.write(pd.DataFrame(columns=list(OUTPUT_COLUMNS)))
        if self.writer is not None:
            self.writer.close()


def _schema() -> Any:
    """The output table's Arrow schema (one fixed type per column)."""
    import pyarrow as pa

    text = {
        "learner_id",
        "programme_id",
        "programme_code",
        "institution_id",
        "province_code",
        "flags",
        "model_version",
        "demand_period",
    }
    ints = {"rank", "n_graduates"}
    return pa.schema(
        [
            (c, pa.string() if c in text else pa.int64() if c in ints else pa.float64())
            for c in OUTPUT_COLUMNS
        ]
    )


def run_batch(
    rec: Recommender,
    learners: str | Path,
    out: str | Path,
    k: int = 10,
    *,
    chunk_rows: int = 2000,
    progress: bool = True,
) -> dict:
    """Recommend for every learner of ``learners`` into ``out``; returns counts."""
    from tqdm import tqdm

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    n_learners = n_rows = 0
    errors: list[str] = []
    bar = tqdm(desc="learners", unit="learner", disable=not progress, file=sys.stderr)
    try:
        for chunk in read_chunks(learners, chunk_rows):
            rows, bad = recommend_chunk(rec, chunk, n_learners, k)
            n_learners += len(chunk)
            errors.extend(bad)
            bar.update(len(chunk))
            if rows:
                writer.write(pd.DataFrame(rows))
                n_rows += len(rows)
    finally:
        bar.close()
        writer.close()
    return {"learners": n_learners, "rows": n_rows, "errors": errors}

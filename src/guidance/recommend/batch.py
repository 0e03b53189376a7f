"""Batch recommendations: a learners file (CSV or Parquet) in, one row per learner × rank
out. Reads and writes in chunks, so memory stays flat however many learners."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from guidance.errors import GuidanceError
from guidance.recommend.learner_rows import ErrorList, InvalidRow, RowError, parse_row
from guidance.recommend.types import COMPONENTS, LearnerProfile, Preferences

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender

# every output column with its Arrow type: the CSV's column order and the Parquet schema
_TYPES = {
    "learner_id": "string",
    "rank": "int64",
    "programme_id": "string",
    "programme_code": "string",
    "programme_name": "string",
    "institution_id": "string",
    "institution_name": "string",
    "province_code": "string",
    "province_name": "string",
    "score": "float64",
    **{f"comp_{c}": "float64" for c in COMPONENTS},
    "p_employed_12m": "float64",
    "p_employed_12m_lo": "float64",
    "p_employed_12m_hi": "float64",
    "p_job_matches_training": "float64",
    "p_completed": "float64",
    "wage_q50": "float64",
    "n_graduates": "int64",
    "flags": "string",
    "model_version": "string",
    "demand_period": "string",
}
OUTPUT_COLUMNS = tuple(_TYPES)


def read_chunks(path: str | Path, chunk_rows: int = 2000) -> Iterator[pd.DataFrame]:
    p = Path(path)
    if p.suffix == ".parquet":
        # lazy: pyarrow only for a Parquet input
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(p).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
    else:
        # every cell as text, as the web page's upload reads it: the one parser
        # (learner_rows) turns it into numbers and codes and names the cell when it cannot
        yield from pd.read_csv(
            p, dtype=str, keep_default_na=False, na_values=[""], chunksize=chunk_rows
        )


def known_provinces(rec: Recommender) -> frozenset[str]:
    """The province codes of the recommender's catalogue (a row naming another is the
    row's error, said with its row and column)."""
    return rec.province_codes()


def row_request(
    row: dict, index: int | None, provinces: frozenset[str] | None = None
) -> tuple[LearnerProfile, Preferences]:
    """A learner and their preferences from one input row (lists ``;``-separated); ``index``
    is the spreadsheet row (the header is row 1). Raises :class:`InvalidRow` (a
    ``ValueError``) carrying every error of the row. The one parser (``learner_rows``) the
    web page and the API use too."""
    got = parse_row(row, index, provinces=provinces)
    if isinstance(got, list):
        raise InvalidRow(got)
    return got


def recommendation_rows(
    rec: Recommender, profile: LearnerProfile, prefs: Preferences, k: int, *, lang: str = "vi"
) -> list[dict]:
    """The output rows of one learner: ids, names (in ``lang``) and scores, one per rank."""
    r = rec.recommend(profile, prefs, k=k, explain=False)
    en = lang == "en"
    rows = []
    for it in r.items:
        lo, hi = it.p_employed_12m_interval
        row = {
            "learner_id": profile.learner_id,
            "rank": it.rank,
            "programme_id": it.programme_id,
            "programme_code": it.programme_code,
            "programme_name": (it.name_en or it.name_vi) if en else it.name_vi,
            "institution_id": it.institution_id,
            "institution_name": it.institution_name,
            "province_code": it.province_code,
            "province_name": it.province_name_en if en else it.province_name_vi,
            "score": it.score,
            **{f"comp_{c}": it.components[c] for c in COMPONENTS},
            "p_employed_12m": it.p_employed_12m,
            "p_employed_12m_lo": lo,
            "p_employed_12m_hi": hi,
            "p_job_matches_training": it.p_job_matches_training,
            "p_completed": it.p_completed,
            "wage_q50": it.wage_q50,
            "n_graduates": it.basis.n_graduates,
            "flags": ";".join(it.flags),
            "model_version": r.model_version,
            "demand_period": r.demand_period,
        }
        rows.append(row)
    return rows


def recommend_chunk(
    rec: Recommender,
    chunk: pd.DataFrame,
    first_row: int,
    k: int,
    *,
    home: bool = False,
    lang: str = "vi",
) -> tuple[list[dict], list[str]]:
    """Output rows for every learner of ``chunk`` and its bad rows as one line per error
    (``dòng N, cột C: rule``; ``first_row`` data rows come before the chunk, so its first
    learner is spreadsheet row ``first_row + 2``); a bad row never stops the chunk.
    ``home``: each row also carries the learner's ``home_province_code``."""
    rows, errors = recommend_chunk_errors(rec, chunk, first_row, k, home=home, lang=lang)
    return rows, [e.line(lang) for e in errors]


def recommend_chunk_errors(
    rec: Recommender,
    chunk: pd.DataFrame,
    first_row: int,
    k: int,
    *,
    home: bool = False,
    lang: str = "vi",
) -> tuple[list[dict], list[RowError]]:
    """:func:`recommend_chunk` with the errors as :class:`RowError` (both languages)."""
    rows: list[dict] = []
    errors: list[RowError] = []
    provinces = known_provinces(rec)
    for n, rec_row in enumerate(chunk.to_dict("records"), start=first_row + 2):
        got = parse_row(rec_row, n, provinces=provinces)
        if isinstance(got, list):
            errors.extend(got)
            continue
        profile, prefs = got
        try:
            out = recommendation_rows(rec, profile, prefs, k, lang=lang)
        except GuidanceError as exc:  # the row's fault; a bug is raised
            errors.append(
                RowError(n, exc.field, exc.rule or exc.code, exc.message_vi, exc.message_en)
            )
            continue
        if home:
            for row in out:
                row["home_province_code"] = profile.home_province_code
        rows.extend(out)
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
            # lazy: pyarrow only for a Parquet output
            import pyarrow.parquet as pq

            table = arrow_table(df)
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.path, table.schema)
            self.writer.write_table(table)
        else:
            # lazy: the CSV writer alone needs the formula guard
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


def arrow_table(rows: pd.DataFrame) -> Any:
    """Output rows as an Arrow table of the one output schema (a fixed type per column;
    missing columns are null), as the file writer and the Dask runner write them."""
    # lazy: pyarrow only for a Parquet output
    import pyarrow as pa

    schema = pa.schema([(c, pa.type_for_alias(t)) for c, t in _TYPES.items()])
    rows = rows.reindex(columns=list(OUTPUT_COLUMNS))
    ints = rows.astype({"rank": "int64", "n_graduates": "int64"})
    return pa.Table.from_pandas(ints, schema=schema, preserve_index=False)


def run_batch(
    rec: Recommender,
    learners: str | Path,
    out: str | Path,
    k: int = 10,
    *,
    chunk_rows: int = 2000,
    progress: bool = True,
    lang: str = "vi",
) -> dict:
    """Recommend for every learner of ``learners`` into ``out``; returns counts and the
    errors (``errors``: the first ``MAX_ERRORS`` as :class:`RowError`, ``n_errors``: all)."""
    # lazy: tqdm only when a batch runs
    from tqdm import tqdm

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    n_learners = n_rows = 0
    errors = ErrorList()
    bar = tqdm(desc="learners", unit="learner", disable=not progress, file=sys.stderr)
    try:
        for chunk in read_chunks(learners, chunk_rows):
            rows, bad = recommend_chunk_errors(rec, chunk, n_learners, k, lang=lang)
            n_learners += len(chunk)
            errors.add(bad)
            bar.update(len(chunk))
            if rows:
                writer.write(pd.DataFrame(rows))
                n_rows += len(rows)
    finally:
        bar.close()
        writer.close()
    return {
        "learners": n_learners,
        "rows": n_rows,
        "errors": errors.kept,
        "n_errors": errors.total,
        "error_lines": errors.lines(lang),
    }

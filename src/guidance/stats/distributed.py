"""The raw outcome tables of ``stats.tables.outcome_tables`` computed over a contract
directory (a generated world or a tracer database export) with ``dask.dataframe``.

Identical results to the single-process path ``outcome_tables(load_dir(directory))``
(tested frame by frame, every grouping), because only the pass over the records is
distributed and everything after it is the same code:

1. **map** — each partition of ``outcomes`` (a Parquet row group, or a CSV block) is typed
   with the contract's own coercion (``contract.coerce.coerce_table``, as ``load_dir``
   types it) and reduced by ``definitions.indicators`` (the one definition of every count) to
   its offering position, graduation year, indicator counts and wage;
2. **reduce, counts** — the counts are summed per (offering, year) by a dask ``groupby``
   (a tree of partial sums: exact, since they are integers);
3. **reduce, wages** — quartiles are not sums, so the wages themselves travel: the
   (offering, year, wage) triples of respondents employed with a wage (24 bytes each) are
   collected on the client, where they are exactly the input the single-process path sorts.
   Collecting is exact and small at national scale (5M records: 4.2M wages, ≈ 100 MB; the run
   peaked at 0.8 GB in the client); far past that, a shuffle by offering would be next.
4. ``tables.grouping_table`` then builds every grouping, cohort and pooled label from those
   (offering, year) cells, as in one process.

``dask`` is imported inside the functions. Not supported here: the optional expected
probabilities of ``value_added`` (``expected=``), which come from the model, not the files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from guidance.contract.coerce import coerce_table, csv_header, read_table
from guidance.contract.load import table_files
from guidance.contract.report import ValidationReport
from guidance.contract.schema import TABLES
from guidance.stats.definitions import INDICATORS, indicators
from guidance.stats.tables import GROUPINGS, POOLS, Records, grouping_table, offering_frame

NEEDED = (
    "programme_id",
    "cohort",
    "completed",
    "employed_6m",
    "employed_12m",
    "employment_type",
    "job_matches_training",
    "monthly_wage_vnd",
)
"""The outcome columns the tables read (``indicators`` plus offering and cohort)."""

CSV_BLOCKSIZE = 64 * 2**20  # bytes of CSV per partition


class DirectoryError(ValueError):
    """The directory cannot be tabulated: one sentence naming the table and the problem."""


def _typed(table: str, raw: pd.DataFrame, where: str) -> pd.DataFrame:
    """``raw`` cells in contract dtypes, as ``load_dir`` types them; a cell that does not
    convert is refused (the directory should pass ``guidance validate`` first)."""

    report = ValidationReport()
    out = coerce_table(TABLES[table], raw.reset_index(drop=True), report, header=False)
    if not report.ok:
        first = report.errors[0]
        raise DirectoryError(
            f"{where}: {report.error_count:,} cell(s) of {table} do not match "
            f"the data contract (first: column {first.column}: {first.message});"
            " run `guidance validate` on the directory for every row"
        )
    return out


def _table_file(root: Path, name: str) -> Path:
    files = table_files(root)[name]
    if len(files) != 1:
        raise DirectoryError(
            f"{root}: needs exactly one {name}.csv or {name}.parquet, found {len(files)}"
        )
    return files[0]


def offerings_of(root: Path) -> pd.DataFrame:
    """The offering attributes (``tables.offering_frame``) of the directory's programmes."""

    path = _table_file(root, "programmes")
    return offering_frame(_typed("programmes", read_table(path), path.name))


def record_cells(part: pd.DataFrame, programme_ids: pd.Index) -> pd.DataFrame:
    """One partition of outcomes → per record: offering position, year, indicators, wage."""
    out = _typed("outcomes", part, "outcomes.partition")
    pos = programme_ids.get_indexer(out["programme_id"].astype("string"))
    if (pos < 0).any():
        raise DirectoryError(
            f"{int((pos < 0).sum())} outcome rows name a programme_id that is not in programmes"
        )
    cohort = out["cohort"].astype("string")
    year = cohort.str[:4].astype("int64").to_numpy() if len(out) else np.zeros(0, "int64")
    ind = indicators(out)
    cells = pd.DataFrame({"off": pos.astype("int64"), "year": year}, index=part.index)
    for c in INDICATORS:
        cells[c] = ind[c].to_numpy().astype("int64")
    cells["wage"] = ind["wage"].to_numpy()
    return cells


def _meta() -> pd.DataFrame:
    cols = {
        "off": "int64",
        "year": "int64",
        **dict.fromkeys(INDICATORS, "int64"),
        "wage": "float64",
    }
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in cols.items()})


def read_outcomes(root: Path, blocksize: int = CSV_BLOCKSIZE):
    """``outcomes`` as a dask DataFrame of the ``NEEDED`` columns (Parquet: one partition
    per row group; CSV: blocks of ``blocksize`` bytes, every cell as text)."""
    # lazy: dask is heavy to import; only the distributed path needs it
    import dask.dataframe as dd

    path = _table_file(root, "outcomes")
    if path.suffix.lower() == ".parquet":
        # lazy: pyarrow's CSV/Parquet writers load only when writing files
        import pyarrow.parquet as pq

        have = set(pq.read_schema(path).names)
        return dd.read_parquet(
            path, columns=[c for c in NEEDED if c in have], split_row_groups=True
        )

    have = set(csv_header(path))
    return dd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        usecols=[c for c in NEEDED if c in have],
        blocksize=blocksize,
    )


class ReducedRecords(Records):
    """``tables.Records`` rebuilt from the reduced (offering, year) counts and the wages,
    so that ``tables.grouping_table`` runs unchanged."""

    def __init__(self, offerings: pd.DataFrame, counts: pd.DataFrame, wages: pd.DataFrame):
        self.offerings = offerings
        self.has_expected = False
        self.years = sorted({int(y) for y in counts["year"]})
        self.ny = ny = max(len(self.years), 1)
        ys = np.array(self.years, dtype="int64")
        cell = counts["off"].to_numpy("int64") * ny + np.searchsorted(
            ys, counts["year"].to_numpy("int64")
        )
        order = np.argsort(cell, kind="stable")
        keep = cell[order]
        grads = counts["graduates"].to_numpy()[order]
        keep, order = keep[grads > 0], order[grads > 0]
        self.b_off, self.b_yi = keep // ny, keep % ny
        self.b_counts = {c: counts[c].to_numpy("float64")[order] for c in INDICATORS}
        w = wages["wage"].to_numpy("float64")
        rows = np.argsort(w, kind="stable")
        self.w_off = wages["off"].to_numpy("int64")[rows]
        self.w_yi = np.searchsorted(ys, wages["year"].to_numpy("int64")[rows])
        self.w_val = w[rows]


def reduce_directory(
    path: str | Path, *, client=None, blocksize: int = CSV_BLOCKSIZE
) -> ReducedRecords:
    """The map-reduce pass over ``outcomes`` (on ``client``'s cluster when given, else on
    dask's default scheduler)."""
    # lazy: dask is heavy to import; only the distributed path needs it
    import dask

    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"data directory not found: {root}")
    offerings = offerings_of(root)
    ids = pd.Index(offerings["programme_id"])
    cells = read_outcomes(root, blocksize).map_partitions(record_cells, ids, meta=_meta())
    counts = cells.drop(columns="wage").groupby(["off", "year"]).sum(split_out=1)
    wages = cells[~cells["wage"].isna()][["off", "year", "wage"]]
    if client is not None:
        counts, wages = client.compute([counts, wages], sync=True)
    else:
        counts, wages = dask.compute(counts, wages)
    return ReducedRecords(offerings, counts.reset_index(), wages.reset_index(drop=True))


def outcome_tables_dask(
    path: str | Path, *, client=None, pools=POOLS, groupings=None, blocksize: int = CSV_BLOCKSIZE
) -> dict[str, pd.DataFrame]:
    """Raw outcome tables of every grouping of a contract directory, computed with
    ``dask.dataframe`` (see the module docstring); the same frames as
    ``tables.outcome_tables(load_dir(path))``. Raw tables are NOT publishable: pass them
    to ``disclosure.publish``."""
    rec = reduce_directory(path, client=client, blocksize=blocksize)
    return {name: grouping_table(rec, name, pools) for name in (groupings or GROUPINGS)}

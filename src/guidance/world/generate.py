"""Write a demo world: a contract data directory plus ``world.json``.

Outcomes are generated in fixed-size chunks, each from its own random stream,
so the files are identical for a seed whatever the machine, and national
scale never holds five million learners in memory at once.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from tqdm import tqdm

from guidance import reference
from guidance.world.catalogue import Catalogue, build_catalogue
from guidance.world.demand import DemandIndex, build_demand
from guidance.world.headline import HeadlineAccumulator
from guidance.world.learners import sample_learners
from guidance.world.outcomes import (
    OFF_TRADE,
    WorldContext,
    design,
    sample_outcomes,
    structural_probabilities,
)
from guidance.world.params import (
    GENERATOR_VERSION,
    LAST_DEMAND,
    N_COHORT_MONTHS,
    SCALES,
    STREAM_CATALOGUE,
    STREAM_DEMAND,
    STREAM_OUTCOMES,
    WorldParams,
    draw_params,
    world_label,
)

TABLES = ("provinces", "occupations", "programmes", "outcomes", "demand")
PROGRAMME_COLUMNS = [
    "programme_id",
    "programme_code",
    "name_vi",
    "name_en",
    "level",
    "field_code",
    "institution_id",
    "institution_name",
    "province_code",
    "duration_months",
    "tuition_vnd_per_year",
    "min_education",
    "target_occupations",
    "mode",
    "capacity",
    "predecessor_id",
    "active",
]
OCCUPATION_COLUMNS = ["occupation_code", "name_en", "name_vi", "riasec", "skill_level"]
PROVINCE_COLUMNS = ["province_code", "name_vi", "name_en", "region", "lat", "lon"]


@dataclass
class World:
    """Everything the generator and the oracle share (no outcomes)."""

    seed: int
    scale: str
    params: WorldParams
    catalogue: Catalogue
    demand: pd.DataFrame
    ctx: WorldContext


@dataclass
class WorldSummary:
    """What ``generate_world`` wrote, with the headline figures."""

    out_dir: str
    seed: int
    scale: str
    fmt: str
    sizes: dict = field(default_factory=dict)
    headline: dict = field(default_factory=dict)
    files: list = field(default_factory=list)


def _reference():
    prov = reference.provinces().sort_values("province_code").reset_index(drop=True)
    return prov, reference.occupations(), reference.training_occupations(), reference.wards()


def demand_occupations(
    cat: Catalogue, occupations: pd.DataFrame, scale_name: str, rng: np.random.Generator
) -> list[str]:
    """Occupations targeted by the offerings, common off-trade jobs, and a few others."""
    scale = SCALES[scale_name]
    targets = sorted({c for s in cat.programmes["target_occupations"] for c in s.split(";") if c})
    known = set(occupations["occupation_code"].astype(str))
    off = [o for o in OFF_TRADE if o in known and o not in targets]
    others = sorted(known - set(targets) - set(off))
    extra = (
        list(rng.choice(others, size=min(scale.extra_occupations, len(others)), replace=False))
        if others
        else []
    )
    codes = targets + off + [str(e) for e in extra]
    if scale.max_demand_occupations is not None:
        codes = codes[: scale.max_demand_occupations]
    return sorted(set(codes))


def build_world(
    seed: int = 42,
    scale: str = "demo",
    demand: pd.DataFrame | None = None,
    variant: str = "base",
) -> World:
    """Parameters, catalogue and demand for a seed (``demand`` given: use it) and a
    structural ``variant`` (``params.VARIANTS``)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {sorted(SCALES)}")
    prov, occ, training, wards = _reference()
    params = draw_params(seed, variant)
    cat = build_catalogue(
        params,
        SCALES[scale],
        prov,
        training,
        wards,
        np.random.default_rng([seed, STREAM_CATALOGUE]),
    )
    if demand is None:
        rng = np.random.default_rng([seed, STREAM_DEMAND])
        codes = demand_occupations(cat, occ, scale, rng)
        demand = build_demand(prov, occ, codes, rng)
    local = None
    if variant == "local":  # every province its own "region": the provinces' own demand
        local = DemandIndex(demand, prov.assign(region=prov["province_code"].astype(str)))
    ctx = WorldContext(params, prov, occ, DemandIndex(demand, prov), cat.quality, local)
    return World(seed, scale, params, cat, demand, ctx)


# Graduations cluster in June-July (end of the school year) and around Tết.
_GRAD_SEASON = np.array([1.5, 0.6, 0.5, 0.5, 0.8, 3.0, 3.0, 1.0, 0.6, 0.5, 0.6, 1.5])


def _cohort_sampler(cat: Catalogue):
    season = _GRAD_SEASON[np.arange(N_COHORT_MONTHS) % 12]
    cum = np.concatenate([[0.0], np.cumsum(season)])
    f = np.clip(cat.first_cohort, 0, N_COHORT_MONTHS)
    last = np.clip(cat.last_cohort + 1, 0, N_COHORT_MONTHS)
    lo, hi = cum[f], cum[np.maximum(last, f)]
    cap = cat.programmes["capacity"].to_numpy(float)
    w = cap * (hi - lo)
    w = w / w.sum()

    def draw(rng: np.random.Generator, n: int):
        idx = rng.choice(len(w), size=n, p=w)
        u = lo[idx] + rng.random(n) * (hi[idx] - lo[idx])
        t = np.searchsorted(cum, u, side="right") - 1
        return idx, np.clip(t, f[idx], last[idx] - 1)

    return draw


def outcome_chunks(world: World, progress: bool = True):
    """Yield outcome DataFrames chunk by chunk (contract column order)."""

    scale = SCALES[world.scale]
    prog = world.catalogue.programmes
    draw = _cohort_sampler(world.catalogue)
    n_total = scale.outcomes
    n_chunks = -(-n_total // scale.chunk_rows)
    labels = np.array([world_label(i) for i in range(N_COHORT_MONTHS)])
    for k in tqdm(
        range(n_chunks), desc="outcomes", unit="chunk", disable=not progress, file=sys.stderr
    ):
        start = k * scale.chunk_rows
        n = min(scale.chunk_rows, n_total - start)
        rng = np.random.default_rng([world.seed, STREAM_OUTCOMES, k])
        idx, t = draw(rng, n)
        offers = prog.iloc[idx].reset_index(drop=True)
        learners, mobile = sample_learners(offers, world.ctx, rng)
        x = design(learners, offers, t, world.ctx)
        pr = structural_probabilities(x, world.params)
        out = sample_outcomes(x, pr, mobile, world.ctx, rng)
        df = pd.concat(
            [
                pd.DataFrame(
                    {
                        "record_id": [f"R{start + i + 1:08d}" for i in range(n)],
                        "programme_id": offers["programme_id"].to_numpy(),
                        "cohort": labels[t],
                    }
                ),
                learners,
                out,
            ],
            axis=1,
        )
        yield df, offers["level"].to_numpy()


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    if fmt == "csv":
        # lazy: pyarrow's CSV/Parquet writers load only when writing files
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path, _csv_options())
    else:
        # lazy: pyarrow's CSV/Parquet writers load only when writing files
        import pyarrow.parquet as pq

        pq.write_table(table, path, compression="zstd")


def _csv_options():
    return pacsv.WriteOptions(quoting_style="needed", delimiter=",")


def generate_world(
    out_dir,
    *,
    seed: int = 42,
    scale: str = "demo",
    fmt: str | None = None,
    progress: bool = True,
    variant: str = "base",
) -> WorldSummary:
    """Generate the demo world into ``out_dir`` (created if needed); ``variant`` picks a
    structural variant of the outcome model (docs/demo_world.md, "Variants")."""
    fmt = fmt or ("parquet" if scale == "national" else "csv")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for t in TABLES:  # never leave a stale table of the other format behind
        for ext in ("csv", "parquet"):
            (out / f"{t}.{ext}").unlink(missing_ok=True)
    world = build_world(seed, scale, variant=variant)
    ext = fmt
    files = []

    def put(name: str, df: pd.DataFrame) -> None:
        _write_table(df, out / f"{name}.{ext}", fmt)
        files.append(f"{name}.{ext}")

    put("provinces", world.ctx.provinces[PROVINCE_COLUMNS])
    put(
        "occupations",
        world.ctx.occupations[OCCUPATION_COLUMNS]
        .sort_values("occupation_code")
        .reset_index(drop=True),
    )
    prog = world.catalogue.programmes[PROGRAMME_COLUMNS].copy()
    prog["active"] = prog["active"].astype(bool)
    put("programmes", prog)
    put("demand", world.demand)

    acc = HeadlineAccumulator()
    path = out / f"outcomes.{ext}"
    writer = schema = None
    try:
        # lazy: pyarrow's CSV/Parquet writers load only when writing files
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        for df, levels in outcome_chunks(world, progress):
            acc.add(df, levels)
            table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
            if writer is None:
                schema = table.schema
                writer = (
                    pacsv.CSVWriter(path, schema, write_options=_csv_options())
                    if fmt == "csv"
                    else pq.ParquetWriter(path, schema, compression="zstd")
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    files.append(f"outcomes.{ext}")

    sizes = {
        "institutions": int(prog["institution_id"].nunique()),
        "offerings": len(prog),
        "offerings_inactive": int((~prog["active"]).sum()),
        "offerings_with_predecessor": int(prog["predecessor_id"].notna().sum()),
        "offerings_without_graduates": int((world.catalogue.first_cohort >= N_COHORT_MONTHS).sum()),
        "outcomes": acc.n,
        "demand_rows": len(world.demand),
        "occupations": len(world.ctx.occupations),
        "provinces": len(world.ctx.provinces),
    }
    summary = WorldSummary(str(out), seed, scale, fmt, sizes, acc.headline(), files)
    meta = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "format": fmt,
        "now": LAST_DEMAND,
        "tables": files,
        "sizes": sizes,
        "headline": summary.headline,
        "note": "synthetic demo world; not a contract table (see docs/demo_world.md)",
    }
    if variant != "base":  # the base world's world.json stays byte-identical
        meta["variant"] = variant
    (out / "world.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return summary

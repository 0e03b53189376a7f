"""Contract directories in and out of the tracer database (file and database I/O).

``export_dir`` writes the catalogue, the demand snapshots and the responded individual
records merged per graduate (``guidance.tracer.export.merge_sorted``), plus ``export.json``
(data hash, submission versions held, graduates left out). ``load_demo`` turns a demo
directory's outcomes into submissions per institution × cohort × wave.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from guidance.contract.schema import DEMAND, OCCUPATIONS, OUTCOMES, PROGRAMMES, PROVINCES


def _table(engine: Engine, table: Any, cols: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(*(table.c[c] for c in cols))).all()
    return pd.DataFrame(rows, columns=cols)


def export_dir(engine: Engine, out: Path) -> dict[str, Any]:
    """Write the contract directory; the outcomes are streamed per (institution, cohort):
    the 6m and 12m responded records of the current versions, each read in pseudonym order,
    merge-joined and written row by row (memory does not grow with the records)."""
    from guidance.contract.load import data_hash
    from guidance.csvsafe import safe_cell
    from guidance.store.schema import DemandRow, Occupation, Programme, Province
    from guidance.store.tracer import current_record_versions, responded_sorted
    from guidance.tracer.export import _left, merge_sorted

    subs = current_record_versions(engine)
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for s in subs:
        groups.setdefault((s["institution_id"], s["cohort"]), {})[s["wave"]] = s["id"]
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "provinces": _table(engine, Province.__table__, PROVINCES.names),
        "occupations": _table(engine, Occupation.__table__, OCCUPATIONS.names),
        "programmes": _table(engine, Programme.__table__, PROGRAMMES.names),
        "demand": _table(engine, DemandRow.__table__, DEMAND.names),
    }
    left, n = _left(), 0
    names = OUTCOMES.names
    tmp = out / "outcomes.csv.part"
    with tmp.open("w", newline="", encoding="utf-8") as fh, engine.connect() as conn:
        w = csv.writer(fh)
        w.writerow(names)
        for (_iid, cohort), waves in sorted(groups.items()):
            for rec in merge_sorted(responded_sorted(conn, waves.get("6m")),
                                    responded_sorted(conn, waves.get("12m")), cohort, left):
                w.writerow(["" if v is None else safe_cell(v)
                            for v in map(rec.get, names)])
                n += 1
    if not n:
        tmp.unlink()
        raise ValueError("nothing to export: no graduate has both a 6m and a 12m response")
    tmp.replace(out / "outcomes.csv")
    for name, df in frames.items():
        df = df.map(safe_cell)
        df.to_csv(out / f"{name}.csv", index=False)
    meta = {"data_hash": data_hash(out), "outcomes": n, "left_out": left,
            "submissions": sorted(
                ({k: s[k] for k in ("institution_id", "cohort", "wave", "version")}
                 for s in subs), key=lambda s: (s["institution_id"], s["cohort"], s["wave"]))}
    (out / "export.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def load_demo(engine: Engine, data_dir: Path, secret: bytes, actor: str) -> list[Any]:
    """Load the directory's catalogue and demand, then submit its outcomes as tracer waves."""
    from guidance.contract import load_dir
    from guidance.store.catalogue import load_catalogue
    from guidance.store.demand import load_demand
    from guidance.store.tracer import offerings, submit
    from guidance.tracer.schema import LEARNER

    tables = load_dir(data_dir)
    load_catalogue(engine, tables)
    if not tables["demand"].empty:
        load_demand(engine, tables["demand"])
    inst = tables["programmes"].set_index("programme_id")["institution_id"]
    o = tables["outcomes"].copy()
    o["institution_id"] = o["programme_id"].map(inst)
    learner = [c.name for c in LEARNER]
    w12 = ["employment_type", "occupation_code", "job_province_code", "monthly_wage_vnd",
           "job_matches_training"]
    results = []
    known = offerings(engine)
    for (iid, cohort), g in o.groupby(["institution_id", "cohort"], sort=True):
        base = g[["record_id", "programme_id", *learner]].rename(
            columns={"record_id": "learner_ref"})
        for wave, extra in (("6m", {"employed": g["employed_6m"]}),
                            ("12m", {"employed": g["employed_12m"], **{c: g[c] for c in w12}})):
            df = base.assign(survey_status="responded", survey_wave=wave, **extra)
            recs = [{k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v))
                     for k, v in r.items()} for r in df.to_dict("records")]
            results.append(submit(engine, str(iid), str(cohort), wave, recs, secret, actor,
                                  offering_map=known))
    return results

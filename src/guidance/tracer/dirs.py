"""Contract directories in and out of the tracer database (file and database I/O).

``export_dir`` writes the catalogue, the demand snapshots and the responded individual
records merged per graduate (``guidance.tracer.export.merge_sorted``), plus ``export.json``
(data hash, submission versions held, one-wave graduates exported, graduates left out). ``load_demo`` turns a demo
directory's outcomes into submissions per institution × cohort × wave.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from guidance.contract import load_dir
from guidance.contract.load import data_hash
from guidance.contract.schema import DEMAND, OCCUPATIONS, OUTCOMES, PROGRAMMES, PROVINCES
from guidance.csvsafe import safe_cell
from guidance.store.catalogue import is_demo_world, load_catalogue
from guidance.store.demand import load_demand
from guidance.store.schema import DemandRow, Occupation, Programme, Province
from guidance.store.tracer import current_record_versions, offerings, responded_sorted, submit
from guidance.tracer.export import LEFT_OUT, ONE_WAVE, left_counts, merge_sorted
from guidance.tracer.schema import LEARNER


def _table(engine: Engine, table: Any, cols: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(*(table.c[c] for c in cols))).all()
    return pd.DataFrame(rows, columns=cols)


def export_dir(engine: Engine, out: Path) -> dict[str, Any]:
    """Write the contract directory; the outcomes are streamed per (institution, cohort):
    the 6m and 12m responded records of the current versions, each read in pseudonym order,
    merge-joined and written row by row (memory does not grow with the records)."""

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
    left, n = left_counts(), 0
    names = OUTCOMES.names
    tmp = out / "outcomes.csv.part"
    with tmp.open("w", newline="", encoding="utf-8") as fh, engine.connect() as conn:
        w = csv.writer(fh)
        w.writerow(names)
        for (_iid, cohort), waves in sorted(groups.items()):
            for rec in merge_sorted(
                responded_sorted(conn, waves.get("6m")),
                responded_sorted(conn, waves.get("12m")),
                cohort,
                left,
            ):
                # safe_cell only changes text: numbers and booleans skip the call
                w.writerow(
                    [
                        "" if v is None else safe_cell(v) if type(v) is str else v
                        for v in map(rec.get, names)
                    ]
                )
                n += 1
    if not n:
        tmp.unlink()
        raise ValueError("nothing to export: no responded graduate has the required values")
    tmp.replace(out / "outcomes.csv")
    for name, df in frames.items():
        numeric = set(df.select_dtypes(include=["number", "bool"]).columns)
        for c in df.columns:
            if c not in numeric:  # safe_cell changes text cells only
                df[c] = df[c].map(safe_cell)
        df.to_csv(out / f"{name}.csv", index=False)
    # v1.1: graduates who answered one wave are exported (the other wave's values empty)
    meta = {
        "data_hash": data_hash(out),
        "outcomes": n,
        "contract": "1.1",
        **{k: left[k] for k in ONE_WAVE},
        "left_out": {k: left[k] for k in LEFT_OUT},
        "submissions": sorted(
            ({k: s[k] for k in ("institution_id", "cohort", "wave", "version")} for s in subs),
            key=lambda s: (s["institution_id"], s["cohort"], s["wave"]),
        ),
    }
    (out / "export.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def export_provenance(data_dir: Path, files_hash: str) -> dict[str, Any] | None:
    """What a training run records about a tracer export it reads: the export's data hash,
    whether the files still match it, and the submission versions it holds (compact
    ``institution/cohort/wave/vN`` strings); ``None`` when ``data_dir`` is not an export."""
    path = Path(data_dir) / "export.json"
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        subs = [
            f"{s['institution_id']}/{s['cohort']}/{s['wave']}/v{int(s['version'])}"
            for s in meta.get("submissions", [])
        ]
        exp_hash = str(meta["data_hash"])
    except (ValueError, KeyError, TypeError) as exc:
        return {
            "data_hash": None,
            "matches_files": False,
            "submissions": [],
            "error": f"export.json is unreadable ({type(exc).__name__})",
        }
    return {
        "data_hash": exp_hash,
        "matches_files": exp_hash == files_hash,
        "outcomes": meta.get("outcomes"),
        "left_out": meta.get("left_out"),
        "one_wave_6m_only": meta.get("one_wave_6m_only"),
        "one_wave_12m_only": meta.get("one_wave_12m_only"),
        "submissions": subs,
    }


def _plain(v: Any) -> Any:
    """A pandas/numpy cell as a plain Python value (NaN/NA → None)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def load_demo(
    engine: Engine, data_dir: Path, secret: bytes, actor: str, *, catalogue: bool = True
) -> list[Any]:
    """Submit the directory's outcomes as tracer waves, one submission per institution ×
    cohort × wave (``catalogue``: first load its catalogue and demand, as ``db load`` does)."""

    tables = load_dir(data_dir)
    if catalogue:
        load_catalogue(engine, tables, synthetic=is_demo_world(data_dir))
        if not tables["demand"].empty:
            load_demand(engine, tables["demand"])
    known = offerings(engine)
    missing = sorted(set(tables["programmes"]["programme_id"]) - set(known))
    if missing:
        raise ValueError(
            f"{len(missing)} programme(s) of {data_dir} are not in the database "
            f"catalogue (e.g. {missing[0]}); run 'guidance db load {data_dir}'"
        )
    inst = tables["programmes"].set_index("programme_id")["institution_id"]
    o = tables["outcomes"]
    learner = [c.name for c in LEARNER]
    w12 = [
        "employment_type",
        "occupation_code",
        "job_province_code",
        "monthly_wage_vnd",
        "job_matches_training",
    ]
    cols = ["record_id", "programme_id", "cohort", "employed_6m", "employed_12m", *learner, *w12]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    institution = o["programme_id"].map(inst)
    for iid, values in zip(institution, o[cols].itertuples(index=False, name=None), strict=True):
        r = {c: _plain(v) for c, v in zip(cols, values, strict=True)}
        groups.setdefault((str(iid), str(r["cohort"])), []).append(r)
    results = []
    for (iid, cohort), rows in sorted(groups.items()):
        for wave in ("6m", "12m"):
            recs = []
            for r in rows:
                rec = {
                    "learner_ref": r["record_id"],
                    "programme_id": r["programme_id"],
                    **{c: r[c] for c in learner},
                    "survey_status": "responded",
                    "survey_wave": wave,
                }
                employed = r["employed_6m" if wave == "6m" else "employed_12m"]
                if employed is None:  # v1.1: this wave was not answered
                    rec["survey_status"] = "no_response"
                elif wave == "6m":
                    rec["employed"] = employed
                else:
                    rec.update(employed=employed, **{c: r[c] for c in w12})
                recs.append(rec)
            results.append(
                submit(engine, iid, cohort, wave, recs, secret, actor, offering_map=known)
            )
    return results

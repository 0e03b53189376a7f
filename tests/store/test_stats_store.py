"""The statistics reader: tracer outcomes merged as the export merges them (SQLite and
PostgreSQL), non-respondents counted, and the data key."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from guidance.contract import load_dir


def test_reads_the_export_merge_and_keys_change(db_url, tiny_dir, tmp_path):
    from guidance.store.db import make_engine
    from guidance.store.migrate import upgrade
    from guidance.store.stats import NoTracerData, data_key, read_tables
    from guidance.store.tracer import list_submissions, submit, withdraw
    from guidance.tracer.dirs import export_dir, load_demo

    engine = make_engine(db_url)
    upgrade(engine)
    from guidance.store.catalogue import load_catalogue

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_dir(tiny_dir)
    load_catalogue(engine, tables)
    with pytest.raises(NoTracerData):
        read_tables(engine)
    k0 = data_key(engine)
    load_demo(engine, tiny_dir, b"secret", "test", catalogue=False)
    k1 = data_key(engine)
    assert k1 != k0

    got, counts = read_tables(engine)
    export_dir(engine, tmp_path / "export")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exported = load_dir(tmp_path / "export")["outcomes"]
    resp = got["outcomes"][got["outcomes"]["survey_status"] == "responded"]
    assert counts["records"] == len(resp) == len(exported)
    cols = ["record_id", "programme_id", "cohort", "employed_12m", "monthly_wage_vnd"]
    a = resp[cols].sort_values("record_id").reset_index(drop=True).astype(str)
    b = exported[cols].sort_values("record_id").reset_index(drop=True).astype(str)
    pd.testing.assert_frame_equal(a, b)
    assert set(got) >= {"programmes", "provinces", "occupations", "outcomes"}

    # graduates who answered no wave: counted once each, as non-respondents
    from guidance.tracer.dirs import _plain
    from guidance.tracer.schema import LEARNER

    o = tables["outcomes"]
    inst = tables["programmes"].set_index("programme_id")["institution_id"]
    iid = str(inst[o["programme_id"].iloc[0]])
    mine = o[o["programme_id"].map(inst) == iid].head(3)
    w12 = [
        "employment_type",
        "occupation_code",
        "job_province_code",
        "monthly_wage_vnd",
        "job_matches_training",
    ]
    recs = []
    for i, (_, r) in enumerate(mine.iterrows()):
        rec = {
            "learner_ref": f"NEW-{i}",
            "programme_id": r["programme_id"],
            "survey_wave": "12m",
            **{c.name: _plain(r[c.name]) for c in LEARNER},
        }
        if i == 0:
            rec["survey_status"] = "unreachable"
        else:
            rec.update(
                survey_status="responded",
                employed=_plain(r["employed_12m"]),
                **{c: _plain(r[c]) for c in w12},
            )
        recs.append(rec)
    submit(engine, iid, "2018-06", "12m", recs, b"secret", "test")
    k2 = data_key(engine)
    assert k2 != k1
    after, c2 = read_tables(engine)
    new = after["outcomes"][after["outcomes"]["cohort"] == "2018-06"]
    assert sorted(new["survey_status"]) == ["responded", "responded", "unreachable"]
    assert c2["non_respondents"] == counts["non_respondents"] + 1

    sub = next(s for s in list_submissions(engine) if s["cohort"] == "2018-06")
    withdraw(engine, sub["institution_id"], sub["cohort"], "12m", "test", "test")
    assert data_key(engine) not in (k1, k2)
    again, c3 = read_tables(engine)
    assert len(again["outcomes"]) == len(got["outcomes"]) and c3["versions"] == c2["versions"] - 1
    engine.dispose()

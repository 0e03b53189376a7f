"""Tracer upload figures: N individual records through the store (SQLite and PostgreSQL),
wall time and peak RSS; validation of a CSV with bad cells.

    .venv/bin/python benchmarks/tracer_upload.py --records 100000 --bad-file-rows 100000

Not yet: through the API, 5,000,000-record export (see the closing note).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(n: int) -> list[dict]:
    return [{"learner_ref": f"B{i}", "programme_id": "P1", "survey_status": "responded",
             "age": 20 + i % 30, "home_province_code": "01", "education_level": 12,
             "completed": True, "employed": True, "employment_type": "formal",
             "monthly_wage_vnd": 5_000_000 + i, "job_matches_training": True}
            for i in range(n)]


def _catalogue() -> dict[str, pd.DataFrame]:
    p = pd.DataFrame([{
        "programme_id": "P1", "programme_code": "X", "name_vi": "Kế toán", "name_en": "Acc",
        "level": "cao_dang", "field_code": "0411", "institution_id": "I1",
        "institution_name": "Trường", "province_code": "01", "duration_months": 30,
        "tuition_vnd_per_year": 1, "min_education": 12, "target_occupations": "3313",
        "mode": None, "capacity": None, "predecessor_id": None, "active": True}])
    from guidance.reference import occupations, provinces

    return {"programmes": p, "provinces": provinces(), "occupations": occupations()}


def store_run(url: str, n: int) -> None:
    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.migrate import upgrade
    from guidance.store.tracer import submit

    engine = make_engine(url)
    upgrade(engine)
    load_catalogue(engine, _catalogue())
    rows = _rows(n)
    t = time.perf_counter()
    res = submit(engine, "I1", "2025-06", "12m", rows, b"bench", "bench",
                 today=date(2026, 12, 1))
    print(f"{engine.dialect.name}: {res.rows:,} records submitted in "
          f"{time.perf_counter() - t:.1f} s (peak RSS so far {_rss_mb():.0f} MB)", flush=True)
    engine.dispose()


def validation_run(rows: int, bad: int) -> None:
    from guidance.tracer.read import read_bytes
    from guidance.tracer.validate import validate

    lines = ["learner_ref,programme_id,survey_status,employed,employment_type,monthly_wage_vnd"]
    step = max(rows // bad, 1)
    for i in range(rows):
        wage = "abc" if i % step == 0 else str(5_000_000 + i)
        lines.append(f"L{i},P1,responded,yes,formal,{wage}")
    data = ("\n".join(lines) + "\n").encode()
    t = time.perf_counter()
    res = validate(read_bytes(data, b"bench", max_rows=rows), "I1", "2025-06", "12m",
                   {"P1": "I1"}, date(2026, 12, 1))
    print(f"validation: {rows:,} rows, {res.n_errors:,} bad cells in "
          f"{time.perf_counter() - t:.1f} s (peak RSS so far {_rss_mb():.0f} MB)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--bad-file-rows", type=int, default=100_000)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    validation_run(args.bad_file_rows, args.bad_file_rows // 10)
    with tempfile.TemporaryDirectory() as d:
        store_run(f"sqlite:///{Path(d) / 'bench.db'}", args.records)
    if args.postgres:
        import secrets

        from sqlalchemy import text

        from guidance.store.db import make_engine

        schema = "bench_" + secrets.token_hex(4)
        admin = make_engine(args.postgres)
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            store_run(f"{args.postgres}?options=-csearch_path%3D{schema}", args.records)
        finally:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()

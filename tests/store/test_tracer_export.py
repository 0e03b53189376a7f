"""Export to a contract directory, the CLI (no traceback, one sentence), templates, keys."""

from __future__ import annotations

import json
from datetime import date

import pytest

from guidance.store.catalogue import load_catalogue
from guidance.store.demand import load_demand
from guidance.store.tracer import submit
from guidance.tracer.dirs import export_dir

SECRET = b"export-secret"


def _wave(n: int, wave: str) -> list[dict]:
    rows = []
    for i in range(n):
        emp = i % 3 != 0
        r = {
            "learner_ref": f"G{i}",
            "programme_id": "P001" if i % 2 else "P003",
            "survey_status": "responded",
            "age": 19 + i % 5,
            "home_province_code": "01",
            "education_level": 12,
            "completed": True,
            "employed": emp,
        }
        if wave == "12m":
            r.update(
                employment_type="formal" if emp else "none",
                job_matches_training=emp,
                monthly_wage_vnd=7_000_000 if emp else None,
            )
        rows.append(r)
    return rows


def test_export_is_a_valid_contract_directory(engine, catalogue, make_demand, tmp_path):
    from guidance.contract.load import validate_dir

    load_catalogue(engine, catalogue)
    load_demand(engine, make_demand("2025-01", 50))
    kw = {"today": date(2026, 12, 1)}
    submit(engine, "I1", "2025-06", "6m", _wave(20, "6m"), SECRET, "t", **kw)
    submit(engine, "I1", "2025-06", "12m", _wave(20, "12m")[:15], SECRET, "t", **kw)
    meta = export_dir(engine, tmp_path / "exp")
    # v1.1: the 5 graduates who answered only the 6-month wave are exported too
    assert meta["outcomes"] == 20 and meta["one_wave_6m_only"] == 5
    assert meta["one_wave_12m_only"] == 0
    assert meta["left_out"] == {"missing_required_value": 0, "programme_differs": 0}
    assert json.loads((tmp_path / "exp" / "export.json").read_text())["submissions"] == [
        {"institution_id": "I1", "cohort": "2025-06", "wave": w, "version": 1}
        for w in ("12m", "6m")
    ]
    report = validate_dir(tmp_path / "exp")
    # The fixture catalogue itself breaks cross-table rules (unknown occupations, demand
    # provinces); the exported outcomes must have no error of their own.
    bad = [e for e in report.errors if e.table == "outcomes"]
    assert bad == [], report.summary()
    assert not any(k[0] == "outcomes" for k in report.counts if "error" in k), report.counts
    text = (tmp_path / "exp" / "outcomes.csv").read_text()
    assert "G1," not in text and "G1\n" not in text


def _consistent_catalogue(catalogue, make_demand):
    """The fixture catalogue without the programmes whose references it lacks, and demand
    rows in its provinces and occupations: a directory ``guidance validate`` accepts."""
    cat = dict(catalogue)
    cat["programmes"] = catalogue["programmes"][
        catalogue["programmes"]["programme_id"].isin(["P001", "P002", "P003", "P004"])
    ].reset_index(drop=True)
    demand = make_demand("2025-01", 2)
    demand["province_code"] = ["01", "79"]
    demand["occupation_code"] = "3313"
    return cat, demand


def test_export_writes_one_wave_graduates_with_empty_cells(
    engine, catalogue, make_demand, tmp_path, capsys
):
    """Contract v1.1: answered 6m only → the 12-month values empty; answered 12m only →
    employed_6m empty; counted in export.json; ``guidance validate`` accepts the export and
    training leaves each empty cell out of its target only."""
    import pandas as pd

    from guidance.cli import main
    from guidance.contract import load_dir

    cat, demand = _consistent_catalogue(catalogue, make_demand)
    load_catalogue(engine, cat)
    load_demand(engine, demand)
    kw = {"today": date(2026, 12, 1)}
    w6, w12 = _wave(30, "6m"), _wave(30, "12m")
    # G0–G19 answered both waves, G20–G24 only 6m, G25–G29 only 12m; G19's 12m answer
    # lacks employment_type (a value the answered wave requires): left out
    w12[19]["employment_type"] = None
    submit(engine, "I1", "2025-06", "6m", w6[:25], SECRET, "t", **kw)
    submit(engine, "I1", "2025-06", "12m", w12[:20] + w12[25:], SECRET, "t", **kw)
    meta = export_dir(engine, tmp_path / "exp")
    assert meta["one_wave_6m_only"] == 5 and meta["one_wave_12m_only"] == 5
    assert meta["left_out"] == {"missing_required_value": 1, "programme_differs": 0}
    assert meta["outcomes"] == 29
    on_disk = json.loads((tmp_path / "exp" / "export.json").read_text())
    assert on_disk["one_wave_6m_only"] == 5 and on_disk["one_wave_12m_only"] == 5

    raw = pd.read_csv(tmp_path / "exp" / "outcomes.csv", dtype=str, keep_default_na=False)
    only6 = raw[raw["employed_12m"] == ""]
    only12 = raw[raw["employed_6m"] == ""]
    assert len(only6) == 5 and len(only12) == 5
    for c in (
        "employment_type",
        "job_matches_training",
        "occupation_code",
        "job_province_code",
        "monthly_wage_vnd",
    ):
        assert (only6[c] == "").all(), c
    assert (only6["employed_6m"] != "").all() and (only12["employment_type"] != "").all()
    assert (only12[["age", "education_level", "completed"]] != "").all().all()
    assert not ((raw["employed_6m"] == "") & (raw["employed_12m"] == "")).any()

    assert main(["validate", str(tmp_path / "exp")]) == 0, capsys.readouterr()
    out = load_dir(tmp_path / "exp")["outcomes"]
    assert int(out["employed_12m"].isna().sum()) == 5
    assert int(out["employed_6m"].isna().sum()) == 5
    assert int(out["job_matches_training"].isna().sum()) == 5

    # the v1.1 directory loads back as submissions (an empty wave = no response there) and
    # exports the same graduates again (new versions replace the old ones)
    from guidance.tracer.dirs import load_demo

    load_demo(engine, tmp_path / "exp", SECRET, "t", catalogue=False)
    again = export_dir(engine, tmp_path / "exp2")
    assert (again["outcomes"], again["one_wave_6m_only"], again["one_wave_12m_only"]) == (29, 5, 5)
    assert again["left_out"] == {"missing_required_value": 0, "programme_differs": 0}
    assert {s["version"] for s in again["submissions"]} == {2}


def test_cli_submit_refused_prints_sentences_and_annotated_copy(
    db_url, tmp_path, capsys, monkeypatch
):
    from guidance.cli import main

    monkeypatch.setenv("GUIDANCE_API_SECRET", "cli-secret")
    from guidance.settings import get_settings

    get_settings.cache_clear()
    f = tmp_path / "f.csv"
    f.write_text(
        "learner_ref,programme_id,survey_status,employment_type\n"
        "RAW42,P9,responded,=HYPERLINK(1)\n",
        encoding="utf-8",
    )
    out = tmp_path / "errors.csv"
    rc = main(
        [
            "tracer",
            "submit",
            str(f),
            "--institution",
            "I1",
            "--cohort",
            "2025-06",
            "--wave",
            "12m",
            "--database-url",
            db_url,
            "--errors-out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err
    assert "row 2, column programme_id, offering" in err and "RAW42" not in err
    annotated = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in annotated and "RAW42" not in annotated
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("learner_ref\n".encode("utf-16"))
    rc = main(
        [
            "tracer",
            "submit",
            str(utf16),
            "--institution",
            "I1",
            "--cohort",
            "2025-06",
            "--wave",
            "12m",
            "--database-url",
            db_url,
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "UTF-16" in err
    get_settings.cache_clear()


def test_templates(tmp_path):
    import openpyxl

    from guidance.cli import main

    assert main(["tracer", "template", "--out", str(tmp_path / "t.xlsx")]) == 0
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["du_lieu", "huong_dan", "gia_tri"]
    assert wb["du_lieu"]["A1"].value == "Mã người học"
    assert main(["tracer", "template", "--format", "csv", "--out", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("learner_ref,")


def test_institution_keys_are_bound(engine):
    from sqlalchemy import select

    from guidance.store.keys import KEYS, create_key

    key_id, _ = create_key(engine, "clerk", "institution", "I1")
    with engine.connect() as conn:
        assert (
            conn.execute(select(KEYS.c.institution_id).where(KEYS.c.id == key_id)).scalar_one()
            == "I1"
        )
    with pytest.raises(ValueError):
        create_key(engine, "clerk", "institution")
    with pytest.raises(ValueError):
        create_key(engine, "c", "counsellor", "I1")

"""Importers on a few rows of each real file (issue 13 §2)."""

from __future__ import annotations

import pandas as pd
import pytest

from guidance.importers import ImportSourceError

from .conftest import _real_file, head_lines


def test_absent_real_file_skips_without_ci_and_fails_with_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="absent"):
        _real_file("no/such/file.csv")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        _real_file("no/such/file.csv")


def test_trento_rows_become_a_valid_contract_directory(trento_file, tmp_path):
    from guidance.contract import load_dir, validate_dir
    from guidance.importers.trento import import_trento

    src = head_lines(trento_file, tmp_path / "cross.csv", 40)
    raw = pd.read_csv(src)
    n = import_trento(src, tmp_path / "out")
    assert n["outcomes"] == 40 == len(raw)
    assert n["employed"] == int((raw["employment_sit"] == "Employed").sum())
    report = validate_dir(tmp_path / "out")
    assert report.ok, report.summary()
    t = load_dir(tmp_path / "out")
    o = t["outcomes"]
    assert o["employed_12m"].tolist() == (raw["employment_sit"] == "Employed").tolist()
    assert o["gpa"].tolist() == pytest.approx((raw["hsscore"] / 10).tolist(), abs=0.005)
    assert o["sex"].tolist() == raw["gender"].map({"Female": "F", "Male": "M"}).tolist()
    assert o["monthly_wage_vnd"].isna().all() and len(t["demand"]) == 0
    assert o["cohort"].nunique() == 1


def test_trento_trainee_choice(trento_file, tmp_path):
    from guidance.importers.trento import import_trento

    src = head_lines(trento_file, tmp_path / "cross.csv", 200)
    raw = pd.read_csv(src)
    assert (raw["employment_sit"] == "Trainee").any()
    n = import_trento(src, tmp_path / "out", trainee_employed=True)
    assert n["employed"] == int(raw["employment_sit"].isin(["Employed", "Trainee"]).sum())


def test_trento_bad_cells_are_refused_with_row_and_column(trento_file, tmp_path):
    from guidance.importers.trento import import_trento

    src = head_lines(
        trento_file,
        tmp_path / "cross.csv",
        5,
        [
            "Retired,Female,High,Long,Working class,Average,100.0",
            "Employed,Female,High,Long,Working class,Average,250",
        ],
    )
    with pytest.raises(ImportSourceError) as exc:
        import_trento(src, tmp_path / "out")
    msg = str(exc.value)
    assert (
        "row 7 employment_sit 'Retired'" in msg
        and "row 8 hsscore '250' is not a number 60–100" in msg
    )
    assert not (tmp_path / "out").exists()


def test_fr_master_rows_become_cohort_aggregates(fr_master_file, tmp_path):
    from guidance.importers.fr_master import COLUMNS, import_fr_master

    src = head_lines(fr_master_file, tmp_path / "fr.csv", 30)
    raw = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False)
    n = import_fr_master(src, tmp_path / "out")
    agg = pd.read_csv(tmp_path / "out" / "cohort_aggregates.csv", dtype={"cohort": str})
    assert list(agg.columns) == list(COLUMNS) and n["rows"] == len(agg) == 30
    assert set(agg["wave_months"]) <= {18, 30}
    ns = raw["taux_dinsertion"].isin(["ns", "nd"]).to_numpy()
    assert ns.any() and agg.loc[ns, "employment_rate_pct"].isna().all()
    assert (
        agg.loc[~ns, "employment_rate_pct"].tolist()
        == raw.loc[~ns, "taux_dinsertion"].astype(float).tolist()
    )
    assert agg["respondents"].tolist() == raw["nombre_de_reponses"].astype(int).tolist()
    assert (
        agg["offering_id"] == raw["numero_de_l_etablissement"] + ":" + raw["code_de_la_discipline"]
    ).all()
    assert agg["employed"].isna().all()  # counts the source does not publish stay empty


def test_fr_master_bad_cells_are_refused(fr_master_file, tmp_path):
    from guidance.importers.fr_master import import_fr_master

    src = head_lines(fr_master_file, tmp_path / "fr.csv", 3)
    lines = src.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(";")
    cells[16] = "140"  # taux_dinsertion
    src.write_text("\n".join([*lines, ";".join(cells)]) + "\n", encoding="utf-8")
    with pytest.raises(ImportSourceError, match=r"row 5 taux_dinsertion '140' outside 0–100"):
        import_fr_master(src, tmp_path / "out")


def test_import_command_prints_one_sentence_on_error(tmp_path, capsys):
    from guidance.cli import main

    rc = main(["import", "trento", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.strip().endswith("missing.csv: no such file")
    assert "Traceback" not in err

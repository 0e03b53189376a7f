"""``guidance recommend-batch --out x.csv``: learner ids a spreadsheet would run as a
formula are written with a leading apostrophe (guidance.csvsafe); numbers stay numbers."""

from __future__ import annotations

import csv

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def artifact(tiny_artifacts):
    """The session's artifact of ``tiny_models`` (version 1; read-only)."""
    return tiny_artifacts["1"]


def test_cli_batch_csv_neutralises_formula_learner_ids(artifact, tiny_dir, tiny_tables, tmp_path):
    from guidance.cli import main

    ids = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tTAB", '=HYPERLINK("http://x","y")', "ok-7"]
    cols = [
        "age",
        "home_province_code",
        "education_level",
        "gpa",
        "riasec_r",
        "riasec_i",
        "riasec_a",
        "riasec_s",
        "riasec_e",
        "riasec_c",
    ]
    out = tiny_tables["outcomes"].dropna(subset=cols).tail(len(ids)).reset_index(drop=True)
    df = out[cols].copy()
    df["home_province_code"] = "01"  # a province with programmes: every learner gets rows
    df.insert(0, "learner_id", ids)
    src = tmp_path / "learners.csv"
    df.to_csv(src, index=False)
    dst = tmp_path / "recs.csv"
    assert (
        main(
            [
                "recommend-batch",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--learners",
                str(src),
                "--out",
                str(dst),
                "--top-k",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    with dst.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    got = {r["learner_id"] for r in rows}
    assert got == {
        "'=1+1",
        "'+SUM(A1)",
        "'-2",
        "'@cmd",
        "'\tTAB",
        '\'=HYPERLINK("http://x","y")',
        "ok-7",
    }
    assert all(
        not v.startswith(("=", "+", "-", "@", "\t", "\r"))
        for r in rows
        for k, v in r.items()
        if k != "score" and not k.startswith(("comp_", "p_"))
    )
    # numeric columns are still numbers (a negative component is not touched)
    back = pd.read_csv(dst)
    assert pd.api.types.is_float_dtype(back["score"])
    assert back["rank"].tolist()[:2] == [1, 2]

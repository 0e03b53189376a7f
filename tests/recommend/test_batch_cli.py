"""Batch CSV/Parquet round trip and the three commands, end to end on the tiny world."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from guidance.recommend.batch import OUTPUT_COLUMNS, run_batch
from guidance.recommend.types import COMPONENTS


@pytest.fixture(scope="module")
def artifact(tiny_artifacts):
    """The session's artifact of ``tiny_models`` (version 1; read-only)."""
    return tiny_artifacts["1"]


def _learners(tiny_tables, n=12) -> pd.DataFrame:
    out = tiny_tables["outcomes"].tail(n).reset_index(drop=True)
    df = out[
        [
            "record_id",
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
            "sex",
            "ethnic_minority",
        ]
    ].rename(columns={"record_id": "learner_id"})
    df["levels"] = ["so_cap;trung_cap" if i % 3 == 0 else None for i in range(n)]
    df["willing_to_relocate"] = [i % 2 == 0 for i in range(n)]
    df["max_tuition_vnd_per_year"] = [None if i % 4 else 20_000_000 for i in range(n)]
    return df


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_batch_round_trip(make_recommender, tiny_tables, tmp_path, fmt):
    rec = make_recommender()
    learners = _learners(tiny_tables)
    src = tmp_path / f"learners.{fmt}"
    learners.to_csv(src, index=False) if fmt == "csv" else learners.to_parquet(src)
    out = tmp_path / f"recs.{fmt}"
    res = run_batch(rec, src, out, k=3, chunk_rows=5, progress=False)
    assert res["learners"] == len(learners) and not res["errors"]
    got = pd.read_csv(out, dtype={"learner_id": str}) if fmt == "csv" else pd.read_parquet(out)
    assert list(got.columns) == list(OUTPUT_COLUMNS)
    assert len(got) == res["rows"] > 0
    assert set(got["learner_id"]) == set(learners["learner_id"].astype(str))
    comp = got[[f"comp_{c}" for c in COMPONENTS]].sum(axis=1)
    assert (comp - got["score"]).abs().max() < 1e-9
    for lid, part in got.groupby("learner_id"):
        assert list(part["rank"]) == list(range(1, len(part) + 1))
        one = learners[learners["learner_id"].astype(str) == lid].iloc[0]
        direct = rec.recommend(
            {
                k: one[k]
                for k in (
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
                )
            },
            {
                "willing_to_relocate": bool(one["willing_to_relocate"]),
                **({"levels": one["levels"].split(";")} if isinstance(one["levels"], str) else {}),
                **(
                    {"max_tuition_vnd_per_year": int(one["max_tuition_vnd_per_year"])}
                    if pd.notna(one["max_tuition_vnd_per_year"])
                    else {}
                ),
            },
            k=3,
        )
        assert list(part["programme_id"]) == direct.ids()


def test_batch_reports_bad_rows(make_recommender, tmp_path):
    src = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "learner_id": ["a", "b"],
            "age": [18, 200],
            "home_province_code": ["79", "79"],
            "education_level": [12, 12],
        }
    ).to_csv(src, index=False)
    res = run_batch(make_recommender(), src, tmp_path / "o.csv", k=2, progress=False)
    assert res["learners"] == 2 and res["n_errors"] == len(res["errors"]) == 1
    (e,) = res["errors"]
    assert (e.row, e.column, e.rule) == (3, "age", "range")  # the header is row 1
    assert res["error_lines"] == ["dòng 3, cột age: phải từ 14 đến 70 (đang là '200')"]


def test_recommend_command_json_and_text(artifact, tiny_dir, learner, tmp_path, capsys):
    from guidance.cli import main

    req = tmp_path / "req.json"
    req.write_text(
        json.dumps({"profile": learner, "preferences": {"willing_to_relocate": True}}),
        encoding="utf-8",
    )
    assert (
        main(
            [
                "recommend",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--learner",
                str(req),
                "--top-k",
                "3",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert len(out["items"]) == 3 and out["model_version"] == "1"
    assert (
        main(
            [
                "recommend",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--learner",
                str(req),
                "--top-k",
                "3",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "việc làm sau 12 tháng" in text and "điểm" in text
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({**learner, "max_distance_km": 0}), encoding="utf-8")
    assert (
        main(
            [
                "recommend",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--learner",
                str(flat),
                "--what-if",
                '{"willing_to_relocate": true}',
                "--lang",
                "en",
            ]
        )
        == 0
    )
    assert "what-if" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"age": 5}), encoding="utf-8")
    assert (
        main(
            ["recommend", "--data", str(tiny_dir), "--model", str(artifact), "--learner", str(bad)]
        )
        == 2
    )
    nowhere = tmp_path / "nowhere.json"
    nowhere.write_text(json.dumps({**learner, "home_province_code": "99"}), encoding="utf-8")
    assert (
        main(
            [
                "recommend",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--learner",
                str(nowhere),
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "recommend",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--learner",
                str(flat),
                "--what-if",
                '{"no_such_field": 1}',
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "home_province_code '99' không phải mã tỉnh/thành" in err
    assert "'no_such_field'" in err and "Traceback" not in err


def test_batch_and_audit_commands(artifact, tiny_dir, tiny_tables, tmp_path, capsys):
    from guidance.cli import main

    src = tmp_path / "l.csv"
    _learners(tiny_tables).to_csv(src, index=False)
    out = tmp_path / "r.parquet"
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
                str(out),
                "--top-k",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    assert len(pd.read_parquet(out)) > 0
    csv = tmp_path / "audit.csv"
    assert (
        main(
            [
                "audit-recommendations",
                "--data",
                str(tiny_dir),
                "--model",
                str(artifact),
                "--sample",
                "60",
                "--top-k",
                "3",
                "--out",
                str(csv),
                "--quiet",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "exposure by sex" in text and "exposure by ethnic_minority" in text
    rep = pd.read_csv(csv)
    for _key, part in rep.groupby(["attribute", "group"]):
        assert part["share"].sum() == pytest.approx(1.0)
    assert set(rep["attribute"]) == {"sex", "ethnic_minority"}


def test_recommend_what_if_prints_programmes_that_moved(
    artifact, tiny_dir, tiny_tables, learner, tmp_path, capsys
):
    """The command line shows what the page shows: a programme that moved to another
    institution is one change (``~``, in ``changed`` of --json), not one entering and one
    leaving."""
    from guidance.cli import main

    args = ["--data", str(tiny_dir), "--model", str(artifact), "--top-k", "10"]
    change = '{"willing_to_relocate": true}'
    f = tmp_path / "l.json"
    for home in sorted(tiny_tables["programmes"]["province_code"].astype(str).unique()):
        f.write_text(json.dumps({**learner, "home_province_code": home}), encoding="utf-8")
        assert main(["recommend", *args, "--learner", str(f), "--what-if", change, "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        moved = [c for c in out["changed"] if c["kind"] == "moved"]
        if moved:
            break
    else:
        pytest.fail("no learner of the tiny world sees a programme move when relocating")
    entered = {c["programme_code"] for c in out["entered"]}
    left = {c["programme_code"] for c in out["left"]}
    assert not entered & left and moved[0]["programme_code"] not in entered | left
    assert main(["recommend", *args, "--learner", str(f), "--what-if", change]) == 0
    text = capsys.readouterr().out
    assert f"  ~ {moved[0]['programme_id']} " in text

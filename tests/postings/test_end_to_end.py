"""End to end on a small sample of the real 2025 postings (from ../shared)."""

from __future__ import annotations

import pandas as pd

from guidance.cli import main
from guidance.contract import validate_table
from guidance.postings import ingest_postings


def _sample(shared_dir, tmp_path):
    real = shared_dir / "real" / "vn_job_postings_2025"
    u = pd.read_csv(
        real / "careerviet_topcv_vietnamworks_unified.csv", dtype=str, keep_default_na=False
    )
    u = pd.concat(
        [
            u[u["source"] == s].sample(80, random_state=1)
            for s in ("careerviet", "topcv", "vietnamworks")
        ]
    )
    it = pd.read_csv(real / "itviec_clean.csv", dtype=str, keep_default_na=False).head(120)
    u.to_csv(tmp_path / "unified.csv", index=False)
    it.to_csv(tmp_path / "itviec.csv", index=False)  # keeps the multi-line cells
    return [tmp_path / "unified.csv", tmp_path / "itviec.csv"]


def test_real_sample_gives_a_valid_snapshot(shared_dir, tmp_path):
    files = _sample(shared_dir, tmp_path)
    res = ingest_postings(files, "2025-12", tmp_path / "out")
    c = res.counts
    assert c["postings_read"] == 360
    kept = res.postings[res.postings["kept"]]
    assert set(kept["source"]) == {"careerviet", "topcv", "vietnamworks", "itviec"}
    assert (kept["province_codes"].map(len) > 0).mean() > 0.95
    assert res.demand["province_code"].isin(["01", "79"]).any()
    written = pd.read_csv(res.demand_path, dtype=str, keep_default_na=False)
    report = validate_table("demand", written)
    assert not [i for i in report.issues if i.severity == "error"]
    assert written["vacancies"].astype(int).sum() >= c["postings_kept"] - c["unclassified"] - 30


def test_cli(shared_dir, tmp_path, capsys):
    files = _sample(shared_dir, tmp_path)
    out = tmp_path / "cli"
    code = main(
        [
            "demand",
            "ingest-postings",
            *map(str, files),
            "--period",
            "2025-12",
            "--out",
            str(out),
            "--usd-rate",
            "25000",
        ]
    )
    assert code == 0
    assert (out / "demand.csv").exists() and (out / "coverage.md").exists()
    assert "postings_read: 360" in capsys.readouterr().out
    assert "25,000 VND/USD" in (out / "coverage.md").read_text(encoding="utf-8")


def test_cli_bad_period(tmp_path, capsys):
    code = main(
        [
            "demand",
            "ingest-postings",
            str(tmp_path / "x.csv"),
            "--period",
            "12/2025",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 2 and "YYYY-MM" in capsys.readouterr().err

"""The shipped notebooks run top to bottom on a tiny generated world and compute what they say.

Each notebook is executed with nbclient; a last cell (added by the test, not shipped) prints the
notebook's own variables as JSON, which the test compares with values computed here from the
same data.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from guidance.features import training_pairs

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
MARK = "@@values@@"


def run(name: str, tail: str, data_dir: Path, tmp_path: Path, monkeypatch) -> tuple[dict, list]:
    """Execute notebook ``name`` plus a cell ``tail`` that prints a JSON object; return that
    object and every output of the shipped cells."""
    monkeypatch.setenv("GUIDANCE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GUIDANCE_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    shipped = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(f"import json\nprint({MARK!r} + json.dumps({tail}))"))
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells[:shipped] if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    text = "".join(str(o.get("text", "")) for o in nb.cells[-1].outputs)
    return json.loads(text.split(MARK, 1)[1]), outputs


def test_eda_notebook_rates_match_the_data(tiny_dir, tiny_tables, tmp_path, monkeypatch):
    values, _ = run(
        "01-outcomes-eda.ipynb",
        "{'rate': rate.to_dict(), 'summary': summary.to_dict(), 'records': len(pairs)}",
        tiny_dir,
        tmp_path,
        monkeypatch,
    )
    pairs = training_pairs(tiny_tables["outcomes"], tiny_tables["programmes"])
    assert values["records"] == len(pairs) > 0
    # employed at 12 months by cohort year and level
    year = pairs["cohort"].str[:4]
    want = pairs.assign(year=year, e=pairs["employed_12m"].astype(float))
    for level, by_year in values["rate"].items():
        for y, got in by_year.items():
            cell = want[(want["level"] == level) & (want["year"] == y)]["e"]
            if len(cell):
                assert got == pytest.approx(cell.mean(), abs=1e-12)
            else:
                assert got is None or pd.isna(got)
    # completion, employment and match rates by level
    for col in ("completed", "employed_12m", "job_matches_training"):
        expect = pairs.groupby("level")[col].agg(lambda s: s.astype(float).mean())
        assert values["summary"][col] == pytest.approx(expect.to_dict(), abs=1e-12)


def test_evaluation_notebook_reports_every_target_and_baseline(tiny_dir, tmp_path, monkeypatch):
    values, outputs = run(
        "02-model-evaluation.ipynb",
        "{'metrics': ev.metrics, 'baselines': {t: sorted(b) for t, b in ev.baselines.items()},"
        " 'rows': pd.DataFrame(rows)[['target', 'model']].values.tolist()}",
        tiny_dir,
        tmp_path,
        monkeypatch,
    )
    metrics = values["metrics"]
    assert {"employed_12m"} <= set(metrics)
    for target, m in metrics.items():
        assert 0.0 <= m["auc"] <= 1.0, target
        assert 0.0 <= m["brier"] <= 1.0, target
        assert m["log_loss"] > 0, target
    # the comparison table has the model and each baseline for every target
    rows = {tuple(r) for r in values["rows"]}
    for target, names in values["baselines"].items():
        assert names, target
        assert {(target, "model"), *((target, b) for b in names)} <= rows
    # the summary printed by the notebook is the one the pipeline formats
    printed = "".join(str(o.get("text", "")) for o in outputs)
    assert "employed_12m" in printed

"""The shipped notebooks run top to bottom on a tiny generated world."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("name", ["01-outcomes-eda.ipynb", "02-model-evaluation.ipynb"])
def test_notebook_executes(name, tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDANCE_DATA_DIR", str(tiny_dir))
    monkeypatch.setenv("GUIDANCE_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    assert "employed_12m" in text or "trung_cap" in text

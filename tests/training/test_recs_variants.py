"""``guidance evaluate --variants``: every world variant generated, trained and evaluated
with the same settings, one table (tiny worlds here; the demo-scale figures are in
docs/recommend.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest


def test_evaluate_variants_prints_one_row_per_world(tmp_path, capsys):
    from guidance.cli import main

    out = tmp_path / "variants.json"
    argv = ["evaluate", "--variants", "base,credential", "--scale", "tiny", "--quiet"]
    argv += ["--max-iter", "20", "--learners", "30", "--top-k", "5", "--no-full-compare"]
    assert main([*argv, "--split", "val", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert "up.top1" in lines[1] and "ndcg.recommended" in lines[1]
    rows = {ln.split()[0]: ln.split() for ln in lines[2:] if ln.strip()}
    assert set(rows) == {"base", "credential"}
    for cells in rows.values():
        assert cells[-1] in ("yes", "NO") and cells[-2] in ("yes", "NO")
        assert all(np.isfinite(float(c)) for c in cells[2:-2])
    flat = json.loads(out.read_text(encoding="utf-8"))
    assert set(flat) == {"base", "credential"}
    for v in flat.values():
        m = v["default"]
        assert m["mean.in_trade.oracle"] >= m["mean.in_trade.top1"] - 1e-9
        assert 0 < m["ndcg5.recommended"] <= 1


def test_evaluate_refuses_an_unknown_variant(capsys):
    from guidance.cli import main

    assert main(["evaluate", "--variants", "base,moon", "--scale", "tiny", "--quiet"]) == 2
    assert "moon" in capsys.readouterr().err


def test_split_must_be_test_or_val(tiny_dir):
    from training.recs_cli import run

    with pytest.raises(ValueError, match="split"):
        run(tiny_dir, max_iter=5, learners=5, split="train", progress=False)


@pytest.mark.slow
def test_every_variant_beats_every_baseline_at_demo_scale():
    """The full run (≈2.5 min): demo worlds of every variant, 500 test learners each, the
    default utility. Every baseline is beaten on each world, and captured uplift meets issue
    16's target of 0.85 on each (measured 0.853-0.940, docs/recommend.md; credential's
    margin is 0.003, so a change of model or features that costs it shows here)."""
    from training.recs_cli import run_variants

    from guidance.recommend.types import Weights
    from guidance.world.params import VARIANTS

    res = run_variants(
        list(VARIANTS),
        learners=500,
        compare_full=False,
        progress=False,
        presets={"default": Weights()},
    )
    for v, r in res.items():
        ev = r["default"]
        assert ev.beats_baselines, v
        assert ev.uplift["top1"]["in_trade"] >= 0.85, (v, ev.uplift["top1"]["in_trade"])
        nd = ev.ndcg
        assert nd["recommended"] > max(nd["popular"], nd["best_history"], nd["demand_only"]), v

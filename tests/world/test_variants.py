"""Structural variants of the demo world (docs/demo_world.md, "Variants"): the base world
is byte-identical to the generator before variants existed, each variant's oracle matches
its own samples, and each changes HOW outcomes arise."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from tests.world.conftest import read

from guidance.world.generate import generate_world
from guidance.world.oracle import Oracle
from guidance.world.params import VARIANTS, draw_params

# sha256 of the demo world (seed 42, CSV) written by generator 1.0 BEFORE the variants were
# added (commit 9ff4afc): the default (base) world must never move. Change these only with
# a deliberate change of the base world (and GENERATOR_VERSION).
BASE_DEMO_SHA256 = {
    "demand.csv": "271019654bbde055b36b8928c831aaa699d49f758af7e929fc4946d4c53f2e67",
    "occupations.csv": "1d6671bde369c7baec1949c31b15967dd6348e1c6949bb4849b8f1b9ab80e0d0",
    "outcomes.csv": "d2bacf0324c499413f4823ba6af4c985311bcfb3a38e22bb2a2ce0432597f640",
    "programmes.csv": "bac4a79a0fd4efef334542da8d84db72f2bc6de7d113154541d5e70b4e8dcdf8",
    "provinces.csv": "2833b6ae3e6caf5227130426a7d8a53707a838f91b56318c87369d9fe737305d",
    "world.json": "10ec2a329250f14384628340cc280ffa4d0e7a578f286cf3ad9843c9214085a4",
}
STRUCTURAL = [v for v in VARIANTS if v != "base"]


def _digests(d) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def test_base_world_is_byte_identical_to_the_pre_variant_generator(demo_world):
    assert _digests(demo_world[0]) == BASE_DEMO_SHA256


def test_explicit_base_variant_is_the_default(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate_world(a, seed=5, scale="tiny", progress=False)
    generate_world(b, seed=5, scale="tiny", progress=False, variant="base")
    assert _digests(a) == _digests(b)
    assert "variant" not in json.loads((a / "world.json").read_text(encoding="utf-8"))


def test_variant_parameters_leave_the_base_draws_alone():
    base = draw_params(42)
    for v in STRUCTURAL:
        p = draw_params(42, v)
        assert p.variant == v
        # a field the variant does not override keeps the base world's jittered value
        assert p.c_ability == base.c_ability and p.w_sigma == base.w_sigma
    with pytest.raises(ValueError, match="unknown variant"):
        draw_params(42, "nowhere")


def test_cli_offers_every_variant():
    from guidance.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["demo-data", "--out", "x", "--variant", "credential"])
    assert args.variant == "credential"
    action = next(
        a
        for sub in parser._subparsers._group_actions  # noqa: SLF001 - argparse internals
        for name, p in sub.choices.items()
        if name == "demo-data"
        for a in p._actions  # noqa: SLF001
        if a.dest == "variant"
    )
    assert list(action.choices) == list(VARIANTS)


@pytest.fixture(scope="module", params=STRUCTURAL)
def variant_world(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    generate_world(d, seed=42, scale="demo", progress=False, variant=request.param)
    out, prog = read(d, "outcomes"), read(d, "programmes")
    off = out[["programme_id"]].merge(prog, on="programme_id", how="left", validate="m:1")
    oracle = Oracle.from_dir(d)
    truth = oracle.expected(out, off, period=out["cohort"])
    return request.param, d, out, off, oracle, truth


def test_oracle_matches_the_variants_samples(variant_world):
    v, d, out, off, oracle, truth = variant_world
    assert json.loads((d / "world.json").read_text(encoding="utf-8"))["variant"] == v
    assert oracle.world.params.variant == v
    for col, target in (
        ("job_matches_training", "p_in_trade_12m"),
        ("employed_12m", "p_employed_12m"),
        ("completed", "p_completed"),
    ):
        for lv in ("so_cap", "trung_cap", "cao_dang"):
            rows = (off["level"] == lv).to_numpy()
            y = out.loc[rows, col].astype(bool).to_numpy()
            p = truth.loc[rows, target].to_numpy()
            se = np.sqrt(np.mean(p * (1 - p)) / rows.sum())
            assert abs(y.mean() - p.mean()) < 4 * se + 0.005, (v, col, lv)


def _pair(oracle, learner: dict, offerings: pd.DataFrame) -> np.ndarray:
    lr = pd.DataFrame([learner] * len(offerings))
    return oracle.expected(lr, offerings.reset_index(drop=True))["p_in_trade_12m"].to_numpy()


LEARNER = {
    "age": 18,
    "home_province_code": "01",
    "education_level": 12,
    "gpa": 7.0,
    "math_score": 6.5,
    **{f"riasec_{k}": 0.4 for k in "riasec"},
}


def test_each_variant_changes_how_in_trade_work_arises(variant_world):
    """The mechanism, not only a level: the same learner's P(in trade) across offerings
    responds to what the variant says drives it, far more than in the base world."""
    v, d, out, off, oracle, truth = variant_world
    base = Oracle.for_world(42, "demo")
    prog = read(d, "programmes")
    prog = prog[prog["active"].astype(str).str.lower() == "true"].reset_index(drop=True)
    pv, pb = _pair(oracle, LEARNER, prog), _pair(base, LEARNER, prog)
    x = oracle.world.ctx
    if v == "institution":  # employer links: institution quality now drives in-trade work
        q = prog["institution_id"].map(x.quality).to_numpy(float)
        assert np.corrcoef(q, pv)[0, 1] > np.corrcoef(q, pb)[0, 1] + 0.2
    elif v == "credential":  # a credential short of the job's skill level is penalised
        from guidance.world.outcomes import credential_gap, design

        xd = design(
            pd.DataFrame([LEARNER] * len(prog)), prog, np.full(len(prog), 100), oracle.world.ctx
        )
        gap = credential_gap(xd) > 0.5
        assert gap.any() and (~gap).any()
        drop_v = pv[~gap].mean() - pv[gap].mean()
        drop_b = pb[~gap].mean() - pb[gap].mean()
        assert drop_v > drop_b + 0.1
    else:  # local: the same programme far from home places fewer in the trade
        far = {**LEARNER, "home_province_code": "96"}  # Cà Mau, ~1,700 km from Hà Nội
        near_prog = prog[prog["province_code"] == "01"]
        assert len(near_prog)
        loss_v = _pair(oracle, LEARNER, near_prog).mean() - _pair(oracle, far, near_prog).mean()
        loss_b = _pair(base, LEARNER, near_prog).mean() - _pair(base, far, near_prog).mean()
        assert loss_v > loss_b + 0.1

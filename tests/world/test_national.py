"""National scale: sizes and contract validity (slow: a few minutes)."""

from __future__ import annotations

import pytest

from guidance.world.generate import generate_world


@pytest.mark.slow
def test_national_world(tmp_path):
    from guidance.contract import validate_dir

    s = generate_world(tmp_path, seed=42, scale="national", progress=False)
    assert s.fmt == "parquet"
    assert s.sizes["institutions"] == 1900
    assert s.sizes["outcomes"] == 5_000_000
    assert 35_000 <= s.sizes["offerings"] <= 45_000
    assert validate_dir(tmp_path).ok

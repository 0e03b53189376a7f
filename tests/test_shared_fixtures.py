"""The guards of the shared read-only fixtures (tests/conftest.py) do catch a test that
writes into them."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.conftest import _frame_digests, _read_only


def test_a_file_changed_added_or_removed_under_a_read_only_dir_is_named(tmp_path):
    for change, name in (
        (lambda d: (d / "a.csv").write_text("x,y\n"), "a.csv"),
        (lambda d: (d / "new.json").write_text("{}"), "new.json"),
        (lambda d: (d / "b.csv").unlink(), "b.csv"),
    ):
        d = tmp_path / name
        d.mkdir()
        (d / "a.csv").write_text("x\n")
        (d / "b.csv").write_text("y\n")
        guard = _read_only(d)
        root = next(guard)
        assert (root / "a.csv").stat().st_mode & 0o222 == 0  # read-only for everyone
        change(root)
        with pytest.raises(AssertionError, match=name):
            next(guard)


def test_an_untouched_dir_passes(tmp_path):
    (tmp_path / "a.csv").write_text("x\n")
    guard = _read_only(tmp_path)
    next(guard)
    with pytest.raises(StopIteration):
        next(guard)


def test_tables_changed_in_place_change_their_digest():
    t = {"outcomes": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})}
    before = _frame_digests(t)
    t["outcomes"].loc[0, "a"] = 3
    assert _frame_digests(t) != before
    t = {"outcomes": pd.DataFrame({"a": [1, 2]})}
    before = _frame_digests(t)
    t["outcomes"]["c"] = 0
    assert _frame_digests(t) != before
    t = {"outcomes": pd.DataFrame({"a": [1, 2]})}
    before = _frame_digests(t)
    t["outcomes"]["a"] = t["outcomes"]["a"].astype("float64")
    assert _frame_digests(t) != before

"""``guidance validate``: printed summary and exit codes."""

from __future__ import annotations

from guidance.cli import main


def test_valid_directory_exits_0(good_dir, capsys):
    assert main(["validate", str(good_dir)]) == 0
    out = capsys.readouterr().out
    assert "Result: VALID — 0 errors, 0 warnings" in out
    assert "outcomes" in out and "10 rows" in out


def test_invalid_directory_exits_1_with_examples(spoil, capsys):
    assert main(["validate", str(spoil("outcomes", 7, "age", "72"))]) == 1
    out = capsys.readouterr().out
    assert "outcomes · range: 1 (age 1)" in out
    assert "outcomes row 7 (line 8), column age: 72 is outside 14–70" in out
    assert "Result: INVALID — 1 errors" in out


def test_warnings_are_printed_but_exit_0(spoil, capsys):
    assert main(["validate", str(spoil("demand", 1, "notes", "hello"))]) == 0
    out = capsys.readouterr().out
    assert "Warnings: 1" in out and "notes" in out


def test_max_errors_limits_examples_not_counts(tables, make_dir, capsys):
    tables["outcomes"]["age"] = "99"
    assert main(["validate", str(make_dir(tables)), "--max-errors", "2"]) == 1
    out = capsys.readouterr().out
    assert "outcomes · range: 10 (age 10)" in out
    assert out.count("is outside 14–70") == 2
    assert "… 8 more" in out


def test_missing_table_exits_2(good_dir, capsys):
    (good_dir / "programmes.csv").unlink()
    assert main(["validate", str(good_dir)]) == 2
    assert "required table missing: add programmes.csv" in capsys.readouterr().out


def test_missing_directory_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "data directory not found" in capsys.readouterr().err

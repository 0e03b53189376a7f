"""Loading a data directory: typed frames, all or nothing, CSV = Parquet, fingerprints."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from guidance import reference
from guidance.contract import (
    CONTRACT_VERSION,
    TABLE_ORDER,
    TABLES,
    ContractError,
    data_hash,
    load_dir,
    read_table,
    validate_dir,
)


def test_contract_version():
    assert CONTRACT_VERSION == 1


def test_good_directory_loads_with_documented_dtypes(good_dir):
    tables = load_dir(good_dir)
    assert list(tables) == list(TABLE_ORDER)
    expected = {
        "str": "str",
        "period": "str",
        "int": "Int64",
        "float": "float64",
        "bool": "boolean",
    }
    for name, df in tables.items():
        assert list(df.columns) == TABLES[name].names, name  # every contract column exists
        for col in TABLES[name].columns:
            assert str(df[col.name].dtype) == expected[col.kind], (name, col.name)
    assert tables["provinces"]["province_code"].tolist() == ["01", "48", "79"]  # zeros kept
    assert tables["outcomes"]["age"].tolist()[:3] == [18, 19, 22]
    assert tables["outcomes"]["math_score"].isna().all()  # optional column absent from file
    assert tables["programmes"]["active"].tolist() == [True, True, True]  # missing → True
    assert tables["programmes"]["mode"].isna().tolist() == [False, False, True]
    assert tables["outcomes"]["monthly_wage_vnd"].isna().sum() == 4  # R02, R05, R06, R09


def test_one_bad_row_raises_and_returns_nothing(spoil):
    bad = spoil("outcomes", 7, "age", "72")
    result = None
    with pytest.raises(ContractError) as info:
        result = load_dir(bad)
    assert result is None
    assert info.value.report.error_count == 1
    assert "outcomes row 7 (line 8), column age: 72 is outside 14–70" in str(info.value)


def test_csv_and_parquet_load_the_same(good_dir, tmp_path):
    from_csv = load_dir(good_dir)
    pq = tmp_path / "pq"
    pq.mkdir()
    for name, df in from_csv.items():
        df.to_parquet(pq / f"{name}.parquet", index=False)
    from_parquet = load_dir(pq)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(from_parquet[name], from_csv[name])


def test_parquet_with_text_cells_loads_like_csv(good_dir, tmp_path):
    """A Parquet file written from text (e.g. by a conversion script) is parsed like CSV."""
    pq = tmp_path / "pq_text"
    pq.mkdir()
    for name in TABLE_ORDER:
        read_table(good_dir / f"{name}.csv").to_parquet(pq / f"{name}.parquet", index=False)
    a, b = load_dir(good_dir), load_dir(pq)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_unknown_columns_dropped_with_logged_warning(spoil, caplog):
    bad = spoil("outcomes", 1, "favourite_colour", "blue")
    with caplog.at_level(logging.WARNING, logger="guidance.contract"):
        tables = load_dir(bad)
    assert "favourite_colour" not in tables["outcomes"].columns
    assert any("favourite_colour" in r.getMessage() for r in caplog.records)


def test_old_province_codes_are_mapped_in_loaded_frames(tables, make_dir, caplog):
    tables["demand"].loc[2, "province_code"] = "49"  # Quảng Nam → Đà Nẵng (48)
    with caplog.at_level(logging.WARNING, logger="guidance.contract"):
        loaded = load_dir(make_dir(tables))
    assert loaded["demand"]["province_code"].tolist() == ["01", "79", "48", "01"]
    assert any("1 rows used pre-2025 province codes" in r.getMessage() for r in caplog.records)


def test_missing_provinces_fall_back_to_the_reference(good_dir):
    (good_dir / "provinces.csv").unlink()
    report = validate_dir(good_dir)
    assert report.ok, report.summary()
    assert report.tables["provinces"].source == "packaged reference"
    assert any("provinces" in n and "packaged reference" in n for n in report.notes)
    loaded = load_dir(good_dir)
    assert len(loaded["provinces"]) == len(reference.provinces()) == 34
    assert str(loaded["provinces"]["province_code"].dtype) == "str"


def test_missing_occupations_fall_back_to_the_reference(good_dir):
    (good_dir / "occupations.csv").unlink()
    loaded = load_dir(good_dir)
    assert len(loaded["occupations"]) == len(reference.occupations())
    assert {"7212", "7411", "5120"} <= set(loaded["occupations"]["occupation_code"])


def test_missing_required_table(good_dir):
    (good_dir / "outcomes.csv").unlink()
    report = validate_dir(good_dir)
    assert [(i.table, i.rule) for i in report.errors] == [("outcomes", "missing_table")]
    with pytest.raises(ContractError):
        load_dir(good_dir)


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        validate_dir(tmp_path / "nope")


def test_unreadable_parquet_is_reported(good_dir):
    (good_dir / "demand.csv").unlink()
    (good_dir / "demand.parquet").write_bytes(b"not parquet at all")
    (issue,) = validate_dir(good_dir).errors
    assert (issue.table, issue.rule) == ("demand", "read")


def test_data_hash_tracks_table_bytes_only(good_dir):
    h = data_hash(good_dir)
    assert len(h) == 64 and h == data_hash(good_dir)
    (good_dir / "README.txt").write_text("not a table")
    assert data_hash(good_dir) == h
    path = good_dir / "demand.csv"
    path.write_text(path.read_text().replace("120", "121", 1))
    assert data_hash(good_dir) != h


def test_data_hash_includes_file_names(good_dir):
    h = data_hash(good_dir)
    (good_dir / "provinces.csv").rename(good_dir / "provinces.parquet")
    assert data_hash(good_dir) != h


def test_text_is_normalised_to_nfc(tables, make_dir):
    import unicodedata

    tables["programmes"].loc[0, "name_vi"] = unicodedata.normalize("NFD", "Hàn điện")
    loaded = load_dir(make_dir(tables))
    assert loaded["programmes"]["name_vi"].iloc[0] == unicodedata.normalize("NFC", "Hàn điện")


def test_parquet_codes_stored_as_numbers_are_format_errors(good_dir):
    demand = read_table(good_dir / "demand.csv")
    demand["province_code"] = demand["province_code"].astype(int)  # "01" → 1: zero lost
    (good_dir / "demand.csv").unlink()
    demand.to_parquet(good_dir / "demand.parquet", index=False)
    report = validate_dir(good_dir)
    assert {(i.row, i.column, i.rule, i.value) for i in report.errors} == {
        (1, "province_code", "format", "1"),
        (4, "province_code", "format", "1"),
    }
    assert "line" not in report.errors[0].message  # Parquet has no lines


def test_excel_style_csv_with_bom_and_quoted_commas(tables, make_dir):
    tables["programmes"].loc[1, "institution_name"] = "Trường Cao đẳng Kỹ thuật, cơ sở 2"
    root = make_dir(tables)
    path = root / "programmes.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-8-sig"))  # Excel's BOM
    loaded = load_dir(root)
    assert loaded["programmes"]["institution_name"].iloc[1] == ("Trường Cao đẳng Kỹ thuật, cơ sở 2")
    assert loaded["programmes"].columns[0] == "programme_id"

"""Reading files: encodings, layout detection, the generic mapping."""

from __future__ import annotations

import unicodedata

import pytest

from guidance.postings import adapters

HEADER = "source,job_id,title,company,salary_text,location\n"
ROW = "topcv,1,Kế toán tổng hợp,Công ty Đức Anh,10 - 15 triệu,Hà Nội\n"


def test_detect_layouts():
    assert (
        adapters.detect(
            ["source", "job_id", "title", "company", "salary_text", "location", "skills"]
        )
        == "careerviet_unified"
    )
    assert adapters.detect(["job_names", "company_names", "salaries", "city"]) == "itviec"
    assert adapters.detect(["Tên", "Lương"], {"title": "Tên"}) == "generic"
    with pytest.raises(adapters.PostingsReadError, match="unknown layout"):
        adapters.detect(["Tên", "Lương"])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_encodings_read_the_same(tmp_path, encoding):
    path = tmp_path / "f.csv"
    path.write_bytes((HEADER + ROW).encode(encoding))
    raw = adapters.read_file(path)
    assert raw.frame.loc[0, "title"] == "Kế toán tổng hợp"
    assert raw.frame.loc[0, "company"] == "Công ty Đức Anh"


def test_utf16_without_bom_is_detected(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes((HEADER + ROW).encode("utf-16-le"))
    raw = adapters.read_file(path)
    assert raw.frame.loc[0, "title"] == "Kế toán tổng hợp" and raw.note


def to_cp1258(text: str) -> bytes:
    """cp1258 has â ê ô ơ ư ă đ precomposed and the tone marks as combining
    characters, so "ế" is written as "ê" + combining acute."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        for i, mark in enumerate(d[1:], start=1):
            base = unicodedata.normalize("NFC", d[0] + mark)
            if len(base) == 1 and base.encode("cp1258", "ignore"):
                out += base.encode("cp1258") + (d[1:i] + d[i + 1 :]).encode("cp1258")
                break
        else:
            out += d.encode("cp1258")
    return out


def test_cp1258_is_read_with_a_note(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(to_cp1258(HEADER + ROW))
    raw = adapters.read_file(path)
    assert raw.encoding == "cp1258" and "1258" in raw.note
    assert raw.frame.loc[0, "title"] == "Kế toán tổng hợp"


def test_undetectable_encoding_fails_clearly(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"title,company\n\x81\x8d\x8f\x90\x9d,\xff\xfe\xfd\n")
    with pytest.raises(adapters.PostingsReadError, match="not UTF-8"):
        adapters.read_file(path)


def test_generic_mapping(tmp_path):
    path = tmp_path / "board.csv"
    path.write_text(
        "Chức danh,Nơi làm việc,Mức lương,Số lượng\nLái xe,Hà Nội,8 - 10 triệu,3\n",
        encoding="utf-8",
    )
    mapping = adapters.load_mapping(
        '{"title": "Chức danh", "location": "Nơi làm việc", '
        '"salary_text": "Mức lương", "headcount": "Số lượng"}'
    )
    frame = adapters.to_canonical(adapters.read_file(path), "generic", mapping)
    row = frame.iloc[0]
    assert (row["title"], row["location"], row["headcount"], row["source"], row["row"]) == (
        "Lái xe",
        "Hà Nội",
        "3",
        "board",
        2,
    )


def test_mapping_errors():
    with pytest.raises(adapters.PostingsReadError, match="title"):
        adapters.load_mapping('{"location": "x"}')
    with pytest.raises(adapters.PostingsReadError, match="unknown fields"):
        adapters.load_mapping('{"title": "x", "colour": "y"}')


def test_itviec_layout(tmp_path):
    path = tmp_path / "itviec.csv"
    path.write_text(
        "job_names,company_names,salaries,position_names,array_skills,locate_names,domain_arr,"
        "post_dates_formatted,city\n"
        "Senior Java Developer,ACME,Up to 40m vnd,Backend Developer,\"['Java', 'Spring']\","
        '"1 Le Loi, District 1, Ho Chi Minh","[\'Banking\']",25/11/2025 15:05,Ho Chi Minh\n'
        'QA Engineer,ACME,1500-3000,Tester,"[\'QA\']","5 Tran Phu, Hai Chau, Da Nang",[],'
        "25/11/2025 15:05,Other\n",
        encoding="utf-8",
    )
    f = adapters.to_canonical(adapters.read_file(path), "itviec")
    assert list(f["source"]) == ["itviec", "itviec"]
    assert f.loc[0, "skills"].startswith("Backend Developer | Java | Spring")
    assert f.loc[1, "location"].endswith("Da Nang")  # city "Other" -> the address
    assert f["job_id"].str.len().eq(12).all() and f["job_id"].nunique() == 2

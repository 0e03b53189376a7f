"""Reading job-posting files: encodings and one small adapter per board layout.

Every adapter turns a board's own columns into the same *canonical* frame
(``CANONICAL``), so the rest of the ingest never sees a board's layout:

- ``careerviet_unified``: the flattened CareerViet / TopCV / VietnamWorks
  layout (``source, job_id, title, company, salary_text, location, ...``);
- ``itviec``: ITviec's processed export (``job_names, company_names,
  salaries, city, locate_names, array_skills, domain_arr, ...``);
- ``generic``: any other board, through a JSON column mapping
  ``{our field: their column}`` (``title`` required; ``source`` may name a
  column, else the file name is the source).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

CANONICAL = (
    "source",
    "job_id",
    "row",
    "title",
    "company",
    "salary_text",
    "location",
    "industry",
    "skills",
    "headcount",
)
ADAPTERS = ("careerviet_unified", "itviec", "generic")
_UNIFIED_SIGNATURE = {"source", "job_id", "title", "company", "salary_text", "location"}
_ITVIEC_SIGNATURE = {"job_names", "company_names", "salaries"}


class PostingsReadError(ValueError):
    """A file that cannot be read at all (encoding, layout); the message says why."""


@dataclass(frozen=True)
class RawFile:
    """A decoded file: its records and how they were read."""

    path: Path
    frame: pd.DataFrame
    encoding: str
    note: str | None = None


def decode(data: bytes, name: str = "file") -> tuple[str, str, str | None]:
    """Bytes -> (text, encoding, note). UTF-8 (with or without BOM) and UTF-16 with a
    BOM are read silently; UTF-16 without a BOM is recognised by its NUL bytes;
    anything else that is not UTF-8 is read as Windows-1258 (the Vietnamese code
    page) with a note, and rejected if that does not produce Vietnamese-looking text."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig", None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", None
    sample = data[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        enc = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(enc), enc, f"{name}: no byte-order mark; read as {enc}"
        except UnicodeDecodeError as exc:
            raise PostingsReadError(
                f"{name}: looks like UTF-16 but does not decode ({exc})"
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        raise PostingsReadError(
            f"{name}: not UTF-8 (bad byte at offset {bad_at}) and not Windows-1258; "
            "re-save the file as UTF-8"
        ) from exc
    if not re.search(r"[ăâđêôơưĂÂĐÊÔƠƯ]", text):
        raise PostingsReadError(
            f"{name}: not UTF-8 (bad byte at offset {bad_at}); the encoding could not be "
            "detected; re-save the file as UTF-8"
        )
    return text, "cp1258", f"{name}: not UTF-8; read as Windows-1258 (cp1258)"


def read_file(path: str | Path) -> RawFile:
    """Decode and parse one CSV; an empty file gives an empty frame with a note."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        return RawFile(path, pd.DataFrame(), "empty", f"{path.name}: empty file")
    text, enc, note = decode(data, path.name)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return RawFile(path, pd.DataFrame(), enc, f"{path.name}: no header row")
    except pd.errors.ParserError as exc:
        raise PostingsReadError(f"{path.name}: not a readable CSV ({exc})") from exc
    frame.columns = [unicodedata.normalize("NFC", str(c)).strip() for c in frame.columns]
    return RawFile(path, frame, enc, note)


def detect(columns: list[str], mapping: dict[str, str] | None = None) -> str:
    """Adapter name from a header."""
    cols = set(columns)
    if cols >= _UNIFIED_SIGNATURE:
        return "careerviet_unified"
    if cols >= _ITVIEC_SIGNATURE:
        return "itviec"
    if mapping:
        return "generic"
    raise PostingsReadError(
        f"unknown layout (columns: {', '.join(sorted(cols)[:12])}); pass --source generic "
        "with --mapping JSON {our field: their column}"
    )


def load_mapping(value: str | Path | dict | None) -> dict[str, str] | None:
    """A mapping given as a dict, a JSON string or a path to a JSON file."""
    if value is None or isinstance(value, dict):
        return value
    text = str(value)
    if not text.lstrip().startswith("{"):
        text = Path(text).read_text(encoding="utf-8")
    mapping = json.loads(text)
    if not isinstance(mapping, dict) or "title" not in mapping:
        raise PostingsReadError("the column mapping must be a JSON object with at least 'title'")
    unknown = set(mapping) - set(CANONICAL)
    if unknown:
        raise PostingsReadError(
            f"mapping names unknown fields {sorted(unknown)}; known: {', '.join(CANONICAL)}"
        )
    return {str(k): str(v) for k, v in mapping.items()}


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(str).map(lambda s: unicodedata.normalize("NFC", s).strip())
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _list_text(s: pd.Series) -> pd.Series:
    """ "['Java', 'API']" -> "Java | API" (ITviec stores Python list reprs)."""
    return (
        s.str.replace(r"^\[|\]$", "", regex=True)
        .str.replace(r"'\s*,\s*'", " | ", regex=True)
        .str.strip("'\" ")
    )


def _stable_id(parts: list[pd.Series]) -> pd.Series:
    joined = parts[0].str.cat(parts[1:], sep="|")
    return joined.map(lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest()[:12])


def to_canonical(raw: RawFile, adapter: str, mapping: dict[str, str] | None = None) -> pd.DataFrame:
    """The canonical frame of one file (``row`` = record number, header = row 1)."""
    f = raw.frame
    rows = pd.Series(range(2, len(f) + 2), index=f.index)
    if adapter == "careerviet_unified":
        out = {
            k: _col(f, k)
            for k in (
                "source",
                "job_id",
                "title",
                "company",
                "salary_text",
                "location",
                "industry",
                "skills",
            )
        }
        out["source"] = out["source"].str.lower().replace("", "unified")
        out["headcount"] = _col(f, "headcount")
    elif adapter == "itviec":
        city = _col(f, "city")
        address = _col(f, "locate_names")
        use_address = city.str.lower().isin(["", "other", "nan"])
        out = {
            "title": _col(f, "job_names"),
            "company": _col(f, "company_names"),
            "salary_text": _col(f, "salaries"),
            "location": city.where(~use_address, address),
            "industry": _list_text(_col(f, "domain_arr")),
            "skills": _col(f, "position_names").str.cat(
                [_list_text(_col(f, "array_skills")), _col(f, "job_group")], sep=" | "
            ),
            "headcount": pd.Series([""] * len(f), index=f.index),
        }
        out["source"] = pd.Series(["itviec"] * len(f), index=f.index)
        out["job_id"] = _stable_id(
            [out["title"], out["company"], address, _col(f, "post_dates_formatted")]
        )
    elif adapter == "generic":
        if not mapping:
            raise PostingsReadError("the generic adapter needs --mapping")
        missing = [c for c in mapping.values() if c not in f.columns]
        if missing:
            raise PostingsReadError(f"{raw.path.name}: mapped columns not in the file: {missing}")
        out = {
            k: _col(f, mapping[k]) if k in mapping else _col(f, "__none__")
            for k in CANONICAL
            if k not in ("row",)
        }
        if "source" not in mapping:
            out["source"] = pd.Series([raw.path.stem] * len(f), index=f.index)
        if "job_id" not in mapping:
            out["job_id"] = _stable_id([out["title"], out["company"], out["location"]])
    else:
        raise PostingsReadError(f"unknown adapter {adapter!r}; known: {', '.join(ADAPTERS)}")
    out["row"] = rows
    frame = pd.DataFrame(out, index=f.index)[list(CANONICAL)]
    frame.insert(0, "file", raw.path.name)
    return frame.reset_index(drop=True)

"""Reading what clerks send: CSV (UTF-8, comma or semicolon), XLSX, JSON records.

Row numbers are the spreadsheet's (header = row 1, first data row = row 2). A file that
cannot be read raises :class:`TracerFileError` with one plain sentence (English and
Vietnamese); per-cell problems are left to ``validate``. Header problems (duplicates, a
likely typo of a known column) are errors; unknown columns are warnings, never silent.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from guidance.tracer.pseudo import pseudonym
from guidance.tracer.schema import AGG_COLUMNS, RECORD_COLUMNS, VI

MAX_BYTES = 40 << 20
MAX_ROWS = 300_000
MAX_ISSUES = 1_000


class TracerFileError(ValueError):
    """The file as a whole cannot be read (encoding, format, size, header)."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.en, self.vi = en, vi


@dataclass(frozen=True)
class Issue:
    row: int | None  # spreadsheet row (header = 1)
    column: str | None
    rule: str
    en: str
    vi: str
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "rule": self.rule,
            "message_vi": self.vi,
            "message_en": self.en,
            "severity": self.severity,
        }


@dataclass
class Sheet:
    kind: str  # "records" | "aggregates"
    columns: list[str]  # canonical names, in file order (None for ignored columns dropped)
    # (spreadsheet row, {column: raw cell}); a list, or a one-pass iterator when the file is
    # streamed (``read_path`` on a CSV): its ragged-row issues are added while it is read
    rows: Iterable[tuple[int, dict[str, Any]]]
    source_header: list[str] = field(default_factory=list)
    raw_rows: list[list[Any]] = field(default_factory=list)  # for the annotated copy
    fmt: str = "csv"
    issues: list[Issue] = field(default_factory=list)


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.strip().lower().replace("đ", "d"))
    return " ".join("".join(ch for ch in s if not unicodedata.combining(ch)).split())


ALIASES: dict[str, str] = {}
for _c in (*RECORD_COLUMNS, *AGG_COLUMNS):
    ALIASES[_fold(_c.name)] = _c.name
    if _c.name in VI:
        ALIASES[_fold(VI[_c.name])] = _c.name


def _check_start(head: bytes) -> None:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise TracerFileError(
            "the file is UTF-16 encoded; save it as CSV UTF-8 (or as XLSX)",
            "tệp mã hoá UTF-16; hãy lưu lại dạng CSV UTF-8 (hoặc XLSX)",
        )
    if b"\x00" in head[:4096]:
        raise TracerFileError(
            "the file is binary, not a CSV, XLSX or JSON file",
            "tệp nhị phân, không phải CSV, XLSX hay JSON",
        )


def _not_utf8(byte: int) -> TracerFileError:
    return TracerFileError(
        f"the file is not UTF-8 (byte {byte}; probably Windows-1258 or another legacy "
        "code page); save it as CSV UTF-8",
        f"tệp không phải UTF-8 (byte {byte}; có thể là Windows-1258); hãy lưu lại dạng CSV UTF-8",
    )


def _decode(data: bytes) -> str:
    _check_start(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc.start) from None
    return text.removeprefix("\ufeff")


def _csv_rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True))
    except csv.Error as exc:
        raise TracerFileError(
            f"the CSV cannot be parsed: {exc}", f"không đọc được tệp CSV: {exc}"
        ) from None


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    # lazy: openpyxl is heavy to import; only XLSX files need it
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any damage means "not a readable workbook"
        raise TracerFileError(
            f"the XLSX workbook cannot be opened ({type(exc).__name__})", "không mở được tệp XLSX"
        ) from None
    ws = wb.worksheets[0]
    out = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return out


def _json_rows(text: str) -> list[list[Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TracerFileError(
            f"the JSON is not valid: {exc.msg} at line {exc.lineno}",
            f"JSON không hợp lệ: dòng {exc.lineno}",
        ) from None
    if isinstance(data, dict):
        data = data.get("records")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise TracerFileError(
            'JSON must be a list of records (objects) or {"records": [...]}',
            "JSON phải là danh sách bản ghi",
        )
    header: list[str] = []
    for r in data[: MAX_ROWS + 1]:
        header.extend(k for k in r if k not in header)
    return [header, *([r.get(h) for h in header] for r in data)]


def read_bytes(
    data: bytes,
    secret: bytes,
    filename: str = "upload.csv",
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Sheet:
    """Parse an uploaded file into a :class:`Sheet` (header mapped to contract names);
    every ``learner_ref`` cell is replaced by its keyed pseudonym here, before anything
    else sees the row."""
    if len(data) > max_bytes:
        raise TracerFileError(
            f"the file is {len(data):,} bytes; the limit is {max_bytes:,}",
            f"tệp quá lớn ({len(data):,} byte; tối đa {max_bytes:,})",
        )
    if not data.strip():
        raise TracerFileError("the file is empty", "tệp rỗng")
    if data[:4] == b"PK\x03\x04":
        rows, fmt = _xlsx_rows(data), "xlsx"
    elif data[:4] == b"\xd0\xcf\x11\xe0":
        raise TracerFileError(
            "old .xls workbooks are not accepted; save as .xlsx",
            "không nhận tệp .xls cũ; hãy lưu dạng .xlsx",
        )
    else:
        text = _decode(data)
        if filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{"):
            rows, fmt = _json_rows(text), "json"
        else:
            rows, fmt = _csv_rows(text), "csv"
    while rows and all(v in (None, "") for v in rows[-1]):
        rows.pop()
    if not rows:
        raise TracerFileError("the file is empty", "tệp rỗng")
    if len(rows) - 1 > max_rows:
        raise TracerFileError(
            f"the file has {len(rows) - 1:,} rows; the limit is {max_rows:,}",
            f"tệp có {len(rows) - 1:,} dòng; tối đa {max_rows:,}",
        )
    return _sheet(rows, fmt, secret)


def read_rows(records: list[dict[str, Any]], secret: bytes) -> Sheet:
    """Records already in memory (JSON bodies, the demo loader) as a :class:`Sheet`."""
    header: list[str] = []
    for r in records:
        header.extend(k for k in r if k not in header)
    return _sheet([header, *([r.get(h) for h in header] for r in records)], "json", secret)


def _header(first: list[Any]) -> tuple[list[str], list[str | None], str, list[Issue]]:
    """(source header, contract name per column or None, kind, header warnings); raises
    :class:`TracerFileError` for a duplicate, a likely typo or a missing required column."""
    header = ["" if h is None else str(h) for h in first]
    issues: list[Issue] = []
    mapped: list[str | None] = []
    known = sorted({c.name for c in (*RECORD_COLUMNS, *AGG_COLUMNS)})
    for h in header:
        name = ALIASES.get(_fold(h))
        if name is None and h.strip():
            close = difflib.get_close_matches(_fold(h), list(ALIASES), n=1, cutoff=0.8)
            if close:
                raise TracerFileError(
                    f"column heading {h.strip()!r} is not known; did you mean "
                    f"{ALIASES[close[0]]!r}?",
                    f"tiêu đề cột {h.strip()!r} không hợp lệ; có phải là {ALIASES[close[0]]!r}?",
                )
            issues.append(
                Issue(
                    1,
                    h.strip(),
                    "header",
                    f"unknown column {h.strip()!r} ignored",
                    f"cột {h.strip()!r} không thuộc mẫu, bị bỏ qua",
                    "warning",
                )
            )
        if name is not None and name in mapped:
            raise TracerFileError(
                f"column {name!r} appears twice in the header",
                f"cột {name!r} xuất hiện hai lần ở dòng tiêu đề",
            )
        mapped.append(name)
    present = {m for m in mapped if m}
    kind = "records" if "learner_ref" in present else "aggregates"
    cols = RECORD_COLUMNS if kind == "records" else AGG_COLUMNS
    missing = [c.name for c in cols if c.required and c.name not in present]
    if missing or not present:
        names = ", ".join(f"{m} ({VI.get(m, m)})" for m in missing) or ", ".join(known[:5])
        raise TracerFileError(
            f"wrong header: required column(s) missing: {names}",
            f"dòng tiêu đề sai: thiếu cột bắt buộc: {names}",
        )
    return header, mapped, kind, issues


def _row_dicts(
    rows: Iterable[tuple[int, list[Any]]],
    mapped: list[str | None],
    width: int,
    fmt: str,
    secret: bytes,
    issues: list[Issue],
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(spreadsheet row, {contract column: raw cell}) of every non-empty row; ``learner_ref``
    is pseudonymised here; ragged CSV rows become issues."""
    j = mapped.index("learner_ref") if "learner_ref" in mapped else -1
    pairs = [(k, m) for k, m in enumerate(mapped) if m]
    for i, r in rows:
        if all(v in (None, "") for v in r):
            continue
        if fmt == "csv" and len(r) != width:
            issues.append(
                Issue(
                    i,
                    None,
                    "ragged",
                    f"row has {len(r)} cells, header has {width}",
                    f"dòng có {len(r)} ô, tiêu đề có {width}",
                )
            )
            continue
        if 0 <= j < len(r) and r[j] not in (None, "") and str(r[j]).strip():
            r[j] = pseudonym(secret, r[j])
        n = len(r)
        yield (
            i,
            {
                m: (v.value if hasattr(v, "value") else v)
                for k, m in pairs
                if k < n
                for v in (r[k],)
            },
        )


def _sheet(rows: list[list[Any]], fmt: str, secret: bytes) -> Sheet:
    header, mapped, kind, issues = _header(rows[0])
    out = list(_row_dicts(enumerate(rows[1:], start=2), mapped, len(header), fmt, secret, issues))
    return Sheet(kind, [m for m in mapped if m], out, header, rows[1:], fmt, issues)


def _csv_lines(fh: Any, first: bytes) -> Iterator[str]:
    """Decoded lines of a binary file (``first`` already read), naming the byte offset of
    the first non-UTF-8 byte."""
    pos = 0
    line = first
    while line:
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(pos + exc.start) from None
        pos += len(line)
        line = fh.readline()


def read_path(
    path: str | Path, secret: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> Sheet:
    """Like :func:`read_bytes` for a file on disk; a CSV is streamed: the returned sheet's
    ``rows`` is a one-pass iterator (header checks are done here, cell checks, the row limit
    and encoding errors while it is read), so memory does not grow with the file."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise TracerFileError(
            f"the file is {size:,} bytes; the limit is {max_bytes:,}",
            f"tệp quá lớn ({size:,} byte; tối đa {max_bytes:,})",
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    if (
        head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
        or path.name.lower().endswith(".json")
        or head.lstrip().lstrip(b"\xef\xbb\xbf")[:1] in (b"[", b"{")
    ):
        return read_bytes(
            path.read_bytes(), secret, path.name, max_bytes=max_bytes, max_rows=max_rows
        )
    _check_start(head)
    if not head.strip():
        raise TracerFileError("the file is empty", "tệp rỗng")
    fh = path.open("rb")
    first = fh.readline()
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    first_text = first.decode("utf-8", errors="replace")
    delim = ";" if first_text.count(";") > first_text.count(",") else ","
    reader = csv.reader(_csv_lines(fh, first), delimiter=delim, strict=True)
    try:
        try:
            header_row = next(reader, None)
        except csv.Error as exc:
            raise TracerFileError(
                f"the CSV cannot be parsed: {exc}", f"không đọc được tệp CSV: {exc}"
            ) from None
        if header_row is None:
            raise TracerFileError("the file is empty", "tệp rỗng")
        if all(not v.strip() for v in header_row):
            raise TracerFileError(
                "the file is empty or its first row (the header) is blank",
                "tệp rỗng hoặc dòng đầu (tiêu đề) để trống",
            )
        header, mapped, kind, issues = _header(header_row)
    except BaseException:
        fh.close()
        raise

    def numbered() -> Iterator[tuple[int, list[str]]]:
        n = 0
        try:
            while True:
                try:
                    r = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise TracerFileError(
                        f"the CSV cannot be parsed: {exc}", f"không đọc được tệp CSV: {exc}"
                    ) from None
                n += 1
                if n > max_rows and any(v for v in r):
                    raise TracerFileError(
                        f"the file has more than {max_rows:,} rows; the limit is {max_rows:,}",
                        f"tệp có hơn {max_rows:,} dòng; tối đa {max_rows:,}",
                    )
                yield n + 1, r  # spreadsheet row: header = 1, embedded newlines kept
        finally:
            fh.close()

    rows = _row_dicts(numbered(), mapped, len(header), "csv", secret, issues)
    return Sheet(kind, [m for m in mapped if m], rows, header, [], "csv", issues)


def excel_date(value: Any) -> date | None:
    """A date from an Excel serial number (1900 system), if plausible (1990–2100)."""
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    if not n.is_integer() or not 32874 <= n <= 73050:
        return None

    return date(1899, 12, 30) + timedelta(days=int(n))


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None

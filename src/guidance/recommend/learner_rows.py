"""Learners from table rows: THE parser of a class list or a batch file.

The web page's class upload (``POST /api/v1/recommendations/batch`` as CSV), ``guidance
recommend-batch`` and the Dask batch all turn a row of cells into a ``LearnerProfile`` and
its ``Preferences`` here, and every problem becomes one :class:`RowError` naming the
spreadsheet row (the header is row 1), the column and the rule, in Vietnamese and English
(worded from the one table of pydantic error types, which also gives a 422's ``msg_vi``).
A file is checked whole: every error at once (the first :data:`MAX_ERRORS` are kept, the
rest counted), never stage by stage.

Cells may come as text (CSV) or typed (Parquet). Spreadsheet programs drop the leading
zeros of codes (``01`` becomes ``1``): province codes are padded back to two digits and
field codes (ISCED-F detailed, four digits) to four.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from guidance.recommend.types import (
    EDUCATION_LEVELS_TEXT,
    MAX_CODE,
    MAX_LIST,
    LearnerProfile,
    Preferences,
    true_false,
)

MAX_ERRORS = 200  # errors kept (all are counted)
LIST_PREFS = ("levels", "field_codes", "provinces")
SCALAR_PREFS = (
    "max_duration_months",
    "max_tuition_vnd_per_year",
    "max_distance_km",
    "willing_to_relocate",
    "start_period",
)
PROFILE_COLUMNS = tuple(LearnerProfile.model_fields)
PREFERENCE_COLUMNS = LIST_PREFS + SCALAR_PREFS
# ``record_id`` names the learner when ``learner_id`` is absent (a contract outcomes file)
COLUMNS = (*PROFILE_COLUMNS, *PREFERENCE_COLUMNS, "record_id")
REQUIRED = tuple(n for n, f in LearnerProfile.model_fields.items() if f.is_required())
# The class template the page offers (counsellor.js holds the same text): the profile a
# counsellor knows, then every preference (in PREFERENCE_COLUMNS order), and the cells of
# one example learner.
_TEMPLATE = {
    "learner_id": "HS-01",
    "age": "17",
    "home_province_code": "01",
    "education_level": "12",
    "gpa": "7.5",
    "riasec_r": "0.8",
    "riasec_i": "0.4",
    "riasec_a": "0.2",
    "riasec_s": "0.3",
    "riasec_e": "0.5",
    "riasec_c": "0.6",
    **dict.fromkeys(PREFERENCE_COLUMNS, ""),
    "levels": "trung_cap;cao_dang",
    "max_duration_months": "24",
    "max_tuition_vnd_per_year": "20000000",
    "willing_to_relocate": "false",
}
TEMPLATE_COLUMNS = tuple(_TEMPLATE)
_PAD = {"home_province_code": 2, "provinces": 2, "field_codes": 4}


def template_csv() -> str:
    """The class template: header and one example learner."""
    return ",".join(_TEMPLATE) + "\n" + ",".join(_TEMPLATE.values()) + "\n"


def number(x: float, lang: str) -> str:
    """``1.234,5`` in Vietnamese, ``1,234.5`` in English (no trailing zeros)."""
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6f}".rstrip("0").rstrip(".")
    if lang == "vi":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


@dataclass(frozen=True)
class RowError:
    """One problem of an input file: spreadsheet ``row`` (header = 1; None: the whole
    file), ``column`` (None: the whole row), the ``rule`` broken and what to do, in both
    languages."""

    row: int | None
    column: str | None
    rule: str
    message_vi: str
    message_en: str

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi

    def line(self, lang: str = "vi") -> str:
        """``dòng 3, cột age: …`` / ``row 3, column age: …``."""
        where = []
        if self.row is not None:
            where.append(f"{'row' if lang == 'en' else 'dòng'} {self.row}")
        if self.column:
            where.append(f"{'column' if lang == 'en' else 'cột'} {self.column}")
        return f"{', '.join(where)}: {self.message(lang)}" if where else self.message(lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "loc": [self.column] if self.column else [],
            "rule": self.rule,
            "type": self.rule,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "msg": self.message_en,
            "msg_vi": self.message_vi,
        }


def more_errors(n: int, lang: str = "vi") -> str:
    """The line after a capped error list."""
    return f"… và {number(n, 'vi')} lỗi khác" if lang != "en" else f"… and {n:,} more errors"


class ErrorList:
    """Errors of one file: the first ``cap`` kept, all counted."""

    def __init__(self, cap: int = MAX_ERRORS) -> None:
        self.cap = cap
        self.kept: list[RowError] = []
        self.total = 0

    def add(self, errors: RowError | Iterable[RowError]) -> None:
        for e in [errors] if isinstance(errors, RowError) else errors:
            self.total += 1
            if len(self.kept) < self.cap:
                self.kept.append(e)

    def __bool__(self) -> bool:
        return self.total > 0

    def lines(self, lang: str = "vi") -> list[str]:
        out = [e.line(lang) for e in self.kept]
        if self.total > len(self.kept):
            out.append(more_errors(self.total - len(self.kept), lang))
        return out


# -- one value -------------------------------------------------------------------------------


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if type(v).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(v, str) and not v.strip()


def _plain(v: Any) -> Any:
    """A numpy scalar as a Python one; text stripped."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    return v.strip() if isinstance(v, str) else v


def _code(v: Any, width: int | None) -> str:
    """A code as text; a number (Excel's ``1`` for ``01``, Parquet's 1.0) padded back."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    if width and text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


def _period(v: Any) -> Any:
    """``YYYY-MM``; a spreadsheet's date of that month (``2027-09-01``, with or without a
    time) is read as its month."""
    text = str(v).strip()
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return text[:7]
    return text


# -- the rule of a pydantic error ------------------------------------------------------------

# Each pydantic error type a request or a row can break: the rule a spreadsheet cell names
# (``RowError.rule``) and the Vietnamese of a 422 detail (``msg_vi``), where ``{…}`` reads
# the error's context (the schema's own limits, never the submitted value). A type not
# listed is its own rule.
_ERROR_RULES: dict[str, tuple[str, str]] = {
    "missing": ("required", "thiếu trường bắt buộc"),
    "extra_forbidden": ("extra_forbidden", "trường này không được phép"),
    "greater_than_equal": ("range", "phải lớn hơn hoặc bằng {ge}"),
    "less_than_equal": ("range", "phải nhỏ hơn hoặc bằng {le}"),
    "greater_than": ("range", "phải lớn hơn {gt}"),
    "less_than": ("range", "phải nhỏ hơn {lt}"),
    "string_too_short": ("length", "phải có ít nhất {min_length} ký tự"),
    "string_too_long": ("length", "không được dài quá {max_length} ký tự"),
    "too_short": ("too_short", "phải có ít nhất {min_length} phần tử"),
    "too_long": ("list_length", "không được có quá {max_length} phần tử"),
    "string_pattern_mismatch": ("year_month", "không đúng định dạng"),
    "string_type": ("string_type", "phải là chuỗi ký tự"),
    "int_type": ("whole_number", "phải là số nguyên"),
    "int_parsing": ("whole_number", "phải là số nguyên"),
    "int_from_float": ("whole_number", "phải là số nguyên"),
    "float_type": ("number", "phải là số"),
    "float_parsing": ("number", "phải là số"),
    "finite_number": ("number", "phải là số hữu hạn"),
    "bool_type": ("true_false", "phải là true hoặc false"),
    "bool_parsing": ("true_false", "phải là true hoặc false"),
    "number_not_bool": ("number", "cần một số, không phải true/false"),
    "literal_error": ("one_of", "phải là một trong các giá trị: {expected}"),
    "enum": ("enum", "phải là một trong các giá trị: {expected}"),
    "list_type": ("list_type", "phải là một danh sách"),
    "dict_type": ("dict_type", "phải là một đối tượng JSON"),
    "model_type": ("model_type", "phải là một đối tượng JSON"),
    "model_attributes_type": ("model_attributes_type", "phải là một đối tượng JSON"),
    "date_type": ("date_type", "phải là ngày dạng YYYY-MM-DD"),
    "date_parsing": ("date_parsing", "phải là ngày dạng YYYY-MM-DD"),
    "date_from_datetime_parsing": ("date_from_datetime_parsing", "phải là ngày dạng YYYY-MM-DD"),
    "json_invalid": ("json_invalid", "nội dung không phải JSON hợp lệ"),
    "uuid_parsing": ("uuid_parsing", "phải là mã UUID"),
}
# What a spreadsheet cell breaking a rule is told (any other rule: "not a valid value"), in
# Vietnamese and English; ``{lo}``/``{hi}``: its column's bounds, ``{n_max}``: its longest
# text, ``{expected}``: the values allowed.
_CELL_TEXTS = {
    "required": ("bắt buộc: hãy điền giá trị", "required: fill in a value"),
    "whole_number": ("phải là số nguyên", "must be a whole number"),
    "number": ("phải là một số", "must be a number"),
    "range": ("phải từ {lo} đến {hi}", "must be from {lo} to {hi}"),
    "education_level": (
        f"phải là một trong {EDUCATION_LEVELS_TEXT} (số năm đi học)",
        f"must be one of {EDUCATION_LEVELS_TEXT} (years of schooling)",
    ),
    "one_of": ("phải là một trong: {expected}", "must be one of: {expected}"),
    "true_false": ("phải là true hoặc false", "must be true or false"),
    "year_month": ("phải có dạng NĂM-THÁNG, ví dụ 2027-09", "must read YEAR-MONTH, e.g. 2027-09"),
    "province_code": (
        "mã tỉnh/thành gồm 2 chữ số, ví dụ 01",
        "a province code has 2 digits, e.g. 01",
    ),
    "length": ("độ dài từ 1 đến {n_max} ký tự", "must be 1 to {n_max} characters long"),
    "list_length": (
        f"tối đa {MAX_LIST} mục, cách nhau bởi dấu ;",
        f"at most {MAX_LIST} entries, separated by ;",
    ),
}


def rule_vi(error: Mapping[str, Any]) -> str:
    """The Vietnamese rule of one pydantic error (``msg_vi`` of a 422 detail). A custom
    error written in both languages ("english / tiếng Việt") gives its Vietnamese half; an
    unknown type, a generic sentence naming it."""
    kind = str(error.get("type", ""))
    if kind not in _ERROR_RULES:
        msg = str(error.get("msg", ""))
        return msg.split(" / ", 1)[1] if " / " in msg else f"giá trị không hợp lệ ({kind})"
    text = _ERROR_RULES[kind][1]
    ctx = {k: str(v)[:200].replace(" or ", " hoặc ") for k, v in (error.get("ctx") or {}).items()}
    try:
        return text.format(**ctx)
    except (KeyError, IndexError):  # a context without the limit: the rule up to it
        return re.split(r"\s*:?\s*\{", text, maxsplit=1)[0]


def _cell_rule(column: str, error: Mapping[str, Any]) -> tuple[str, str, str]:
    """(rule, Vietnamese, English) of one pydantic error of a spreadsheet cell in
    ``column``; unlike a 422 detail it names the value the cell holds (a text or number)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    rule = _ERROR_RULES[kind][0] if kind in _ERROR_RULES else kind or "invalid"
    if rule == "length" and column == "home_province_code":
        rule = "province_code"
    vi, en = _CELL_TEXTS.get(rule, ("giá trị không hợp lệ", "not a valid value"))
    if rule == "range":
        lo, hi = _bounds(column)
        if lo is None or hi is None:
            limit = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
            vi, en = f"vượt giới hạn {limit}", f"out of bounds {limit}"
        else:
            vi = vi.format(lo=number(lo, "vi"), hi=number(hi, "vi"))
            en = en.format(lo=number(lo, "en"), hi=number(hi, "en"))
    else:
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        n_max = MAX_CODE if column in LIST_PREFS else 100
        vi = vi.format(expected=expected, n_max=n_max)
        en = en.format(expected=expected, n_max=n_max)
    raw = error.get("input")
    shown = isinstance(raw, (str, int, float)) and not isinstance(raw, bool)
    if not shown or rule in ("required", "list_length"):
        return rule, vi, en
    value = repr(raw) if isinstance(raw, str) else raw
    return rule, f"{vi} (đang là {value})", f"{en} (got {value})"


def _bounds(column: str) -> tuple[float | None, float | None]:
    """``ge`` and ``le`` of a learner or preference field (an optional one's sit in the
    ``Annotated`` member of its union)."""
    f = (LearnerProfile.model_fields | Preferences.model_fields).get(column)
    if f is None:
        return None, None
    marks = list(f.metadata)
    for arg in getattr(f.annotation, "__args__", ()):
        for m in getattr(arg, "__metadata__", ()):
            marks += getattr(m, "metadata", [m])
    lo = [m.ge for m in marks if getattr(m, "ge", None) is not None]
    hi = [m.le for m in marks if getattr(m, "le", None) is not None]
    return (lo[-1] if lo else None), (hi[-1] if hi else None)


def from_validation(exc: ValidationError, row: int | None) -> list[RowError]:
    """One :class:`RowError` per pydantic error (its column from ``loc``)."""
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e["loc"]]
        column = loc[0] if loc else None
        rule, vi, en = _cell_rule(column or "", e)
        if len(loc) > 1 and loc[1].isdigit():  # an entry of a ;-separated list
            k = int(loc[1]) + 1
            vi, en = f"mục thứ {k}: {vi}", f"entry {k}: {en}"
        out.append(RowError(row, column, rule, vi, en))
    return out


# -- one row ---------------------------------------------------------------------------------


def parse_row(
    cells: Mapping[str, Any],
    row: int | None,
    *,
    provinces: Collection[str] | None = None,
) -> tuple[LearnerProfile, Preferences] | list[RowError]:
    """The learner and preferences of one row, or its errors (all of them). ``row`` is the
    spreadsheet row (header = 1); ``provinces``: the known province codes, when the caller
    has a catalogue (an unknown home province is then this row's error). Lists are
    ``;``-separated; a row without ``learner_id`` takes ``record_id`` or ``row<N>``."""
    prof: dict[str, Any] = {}
    prefs: dict[str, Any] = {}
    for name, raw in cells.items():
        if name not in COLUMNS or _blank(raw):
            continue
        v = _plain(raw)
        if name in LIST_PREFS:
            items = v if isinstance(v, (list, tuple)) else str(v).split(";")
            v = [_code(s, _PAD.get(name)) for s in items if str(s).strip()]
        elif name == "start_period":
            v = _period(v)
        elif name in ("willing_to_relocate", "ethnic_minority"):
            v = true_false(v)
        elif name == "home_province_code":
            v = _code(v, _PAD[name])
        elif name in ("learner_id", "record_id"):  # kept as written (ids are opaque)
            raw = raw if isinstance(raw, str) else v
            v = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        (prefs if name in PREFERENCE_COLUMNS else prof)[name] = v
    record = prof.pop("record_id", None)
    if prof.get("learner_id") is None and (record is not None or row is not None):
        prof["learner_id"] = record or f"row{row}"
    errors: list[RowError] = []
    profile = preferences = None
    try:
        profile = LearnerProfile.model_validate(prof)
    except ValidationError as exc:
        errors += from_validation(exc, row)
    try:
        preferences = Preferences.model_validate(prefs)
    except ValidationError as exc:
        errors += from_validation(exc, row)
    if provinces is not None:
        home = prof.get("home_province_code")
        if profile is not None and profile.home_province_code not in provinces:
            errors.append(unknown_province(row, "home_province_code", str(home)))
        for code in (preferences.provinces or []) if preferences is not None else []:
            if code not in provinces:
                errors.append(unknown_province(row, "provinces", code))
    if errors or profile is None or preferences is None:
        return errors
    return profile, preferences


def unknown_province(row: int | None, column: str, code: str) -> RowError:
    return RowError(
        row,
        column,
        "known_province",
        f"mã tỉnh/thành {code!r} không có trong danh mục (34 tỉnh/thành từ 2025, ví dụ 01 Hà Nội)",
        f"province code {code!r} is not in the catalogue (the 34 provinces of 2025, "
        "e.g. 01 Hà Nội)",
    )


# -- a header and a whole text file ----------------------------------------------------------


def check_header(columns: Iterable[str], *, strict: bool = True) -> list[RowError]:
    """Missing columns of a header (row 1), and unknown ones when ``strict`` (a class list;
    a batch file may carry other columns, e.g. a contract outcomes table)."""
    names = [str(c).strip() for c in columns]
    unknown = [
        RowError(
            1,
            c,
            "known_column",
            "cột không nhận ra; các cột dùng được có trong tệp mẫu",
            "unknown column; the template file shows the columns that are read",
        )
        for c in names
        if strict and c and c not in COLUMNS
    ]
    missing = [
        RowError(1, c, "required_column", "thiếu cột bắt buộc", "a required column is missing")
        for c in REQUIRED
        if c not in names
    ]
    return unknown + missing


class InvalidRow(ValueError):
    """A row that cannot be read (its :class:`RowError` list in ``errors``)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.line("en") for e in errors[:3]))
        self.errors = errors


@dataclass
class ParsedFile:
    """A text file's learners (row number, profile, preferences) and its errors."""

    learners: list[tuple[int, LearnerProfile, Preferences]]
    errors: ErrorList


def parse_csv_text(
    text: str,
    *,
    max_rows: int | None = None,
    provinces: Collection[str] | None = None,
    cap: int = MAX_ERRORS,
    strict: bool = True,
) -> ParsedFile:
    """Every learner of a CSV text and every error (the first ``cap`` kept): header,
    rows, cells. More than ``max_rows`` data rows is one error of the file."""
    errors = ErrorList(cap)
    learners: list[tuple[int, LearnerProfile, Preferences]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        header = [h.strip() for h in header] if header else []
        if not any(header):
            errors.add(
                RowError(
                    None,
                    None,
                    "csv_empty",
                    "tệp trống: dòng 1 là tiêu đề cột (tải tệp mẫu), mỗi dòng sau là một học viên",
                    "the file is empty: row 1 holds the column names (see the "
                    "template), then one learner per row",
                )
            )
            return ParsedFile(learners, errors)
        bad_header = check_header(header, strict=strict)
        errors.add(bad_header)
        n = 0
        for row, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            n += 1
            if max_rows is not None and n > max_rows:
                n += sum(1 for c in reader if any(x.strip() for x in c))
                errors.add(
                    RowError(
                        None,
                        None,
                        "max_rows",
                        f"tệp có {number(n, 'vi')} học viên; tối đa {number(max_rows, 'vi')} một lần",
                        f"the file holds {n:,} learners; at most {max_rows:,} at once",
                    )
                )
                break
            if len(cells) > len(header):
                errors.add(
                    RowError(
                        row,
                        None,
                        "cells",
                        f"dòng có {len(cells)} ô, nhiều hơn {len(header)} cột của tiêu đề",
                        f"the row has {len(cells)} cells, more than the header's "
                        f"{len(header)} columns",
                    )
                )
                continue
            got = parse_row(dict(zip(header, cells, strict=False)), row, provinces=provinces)
            if isinstance(got, list):
                if not bad_header:
                    errors.add(got)
                else:  # a missing column is said once, in row 1, not in every row
                    missing = {e.column for e in bad_header}
                    errors.add(e for e in got if e.column not in missing)
            else:
                learners.append((row, *got))
    except csv.Error as exc:
        errors.add(
            RowError(
                reader.line_num or None,
                None,
                "csv",
                f"không đọc được tệp CSV ({exc})",
                f"the CSV cannot be read ({exc})",
            )
        )
    if not errors and not learners:
        errors.add(
            RowError(
                None,
                None,
                "no_learners",
                "tệp không có học viên nào (chỉ có dòng tiêu đề)",
                "the file holds no learners (only the header row)",
            )
        )
    return ParsedFile(learners, errors)

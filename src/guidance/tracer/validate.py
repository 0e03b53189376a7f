"""Validation of one submission (institution, cohort, wave): every error at once.

Each error names the spreadsheet row, the column and the rule, in Vietnamese and English;
warnings (fixed spreadsheet damage, a low response rate) are separate and never block.
``learner_ref`` has already been replaced by its pseudonym in ``read`` and never
appears in a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from guidance.contract.schema import Col
from guidance.csvsafe import is_formula_like
from guidance.tracer.pseudo import pseudonym  # noqa: F401 - re-exported
from guidance.tracer.read import MAX_ISSUES, Issue, Sheet, as_date, excel_date
from guidance.tracer.schema import (
    AGG_COLUMNS,
    INT64_MAX,
    OUTCOME_NAMES,
    RECORD_COLUMNS,
    RESPONDED,
    WAVES,
)

COHORT_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:([.,  ])\d{3})(?:\1\d{3})*$")
_TRUE = {"true", "1", "yes", "có", "co", "x"}
_FALSE = {"false", "0", "no", "không", "khong"}
LOW_RESPONSE = 0.5
CACHE_CELLS = 4096  # per column: typed values of clean cells seen before (codes, yes/no, ages)
_MISS = object()


@dataclass
class Result:
    kind: str
    records: list[dict[str, Any]]
    errors: list[Issue] = field(default_factory=list)
    n_errors: int = 0
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.n_errors == 0

    def summary(self) -> dict[str, Any]:
        return {
            "errors": [e.as_dict() for e in self.errors],
            "error_count": self.n_errors,
            "warnings": [w.as_dict() for w in self.warnings],
        }


class _Collector:
    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.n = 0
        self.n_warn = 0
        self.warn: dict[tuple[str, str], list] = {}

    def error(self, row: int | None, col: str | None, rule: str, en: str, vi: str) -> None:
        self.n += 1
        if len(self.errors) < MAX_ISSUES:
            self.errors.append(Issue(row, col, rule, en, vi))

    def warning(self, row: int, col: str, rule: str, en: str, vi: str) -> None:
        self.n_warn += 1
        w = self.warn.setdefault((col, rule), [0, row, en, vi])
        w[0] += 1

    def warnings(self) -> list[Issue]:
        return [
            Issue(
                first,
                col,
                rule,
                f"{en} ({n} cell(s), first at row {first})",
                f"{vi} ({n} ô, đầu tiên ở dòng {first})",
                "warning",
            )
            for (col, rule), (n, first, en, vi) in self.warn.items()
        ]


def _cell(c: Col, v: Any, row: int, out: _Collector) -> Any:
    """The typed value of one cell, or None (empty or reported)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        if c.required:
            out.error(
                row,
                c.name,
                "required",
                f"{c.name} is empty but required",
                f"{c.name} bị trống nhưng là bắt buộc",
            )
        return None
    if isinstance(v, str):
        if v != v.strip():
            out.warning(
                row, c.name, "spaces", "leading/trailing spaces removed", "đã bỏ khoảng trắng thừa"
            )
            v = v.strip()
        if v.startswith("=") or (is_formula_like(v) and not re.fullmatch(r"[-+]?\d+([.,]\d+)?", v)):
            out.error(
                row,
                c.name,
                "formula",
                f"{c.name} holds a formula or formula-like text; enter the value itself",
                f"{c.name} chứa công thức; hãy nhập giá trị",
            )
            return None
    try:
        return _typed(c, v, row, out)
    except (TypeError, ValueError, OverflowError):
        shown = "the value" if c.name == "learner_ref" else repr(v)[:40]
        out.error(
            row,
            c.name,
            "type",
            f"{shown} is not {_KIND_EN[c.kind]}",
            f"{shown} không phải {_KIND_VI[c.kind]}",
        )
        return None


_KIND_EN = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "yes/no",
    "date": "a date YYYY-MM-DD",
    "period": "a period YYYY-MM",
}
_KIND_VI = {
    "str": "văn bản",
    "int": "số nguyên",
    "float": "số",
    "bool": "có/không",
    "date": "ngày YYYY-MM-DD",
    "period": "kỳ YYYY-MM",
}


def _typed(c: Col, v: Any, row: int, out: _Collector) -> Any:
    if c.kind == "int":
        if isinstance(v, bool):
            raise TypeError
        if isinstance(v, float):
            if not v.is_integer():
                raise ValueError
            v = int(v)
        elif isinstance(v, str):
            m = _THOUSANDS.match(v)
            if m:
                out.warning(
                    row,
                    c.name,
                    "thousands",
                    "thousands separators removed",
                    "đã bỏ dấu phân cách hàng nghìn",
                )
                v = re.sub(r"[.,  ]", "", v)
            v = int(v)
        if (
            not -INT64_MAX <= v <= INT64_MAX
            or (c.max is not None and v > c.max)
            or (c.min is not None and v < c.min)
        ):
            out.error(
                row,
                c.name,
                "range",
                f"{v} is outside {c.min:g}–{c.max:g}",
                f"{v} nằm ngoài khoảng {c.min:g}–{c.max:g}",
            )
            return None
    elif c.kind == "float":
        v = float(
            v.replace(",", ".") if isinstance(v, str) and v.count(",") == 1 and "." not in v else v
        )
        if not (c.min <= v <= c.max):
            out.error(
                row,
                c.name,
                "range",
                f"{v:g} is outside {c.min:g}–{c.max:g}",
                f"{v:g} nằm ngoài khoảng {c.min:g}–{c.max:g}",
            )
            return None
    elif c.kind == "bool":
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise ValueError
    elif c.kind == "date":
        d = as_date(v)
        if d is None and isinstance(v, (int, float)) or (isinstance(v, str) and v.isdigit()):
            d = excel_date(v)
            if d is not None:
                out.warning(
                    row,
                    c.name,
                    "serial_date",
                    "spreadsheet serial numbers read as dates",
                    "đã đọc số sê-ri của bảng tính thành ngày",
                )
        if d is None:
            d = (
                date.fromisoformat(str(v)[:10])
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v)[:10])
                else None
            )
        if d is None:
            raise ValueError
        return d.isoformat()
    else:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        v = str(v)
        if c.pattern == r"^\d{2}$" and re.fullmatch(r"[1-9]", v):
            out.warning(
                row,
                c.name,
                "leading_zero",
                "province codes given as one digit padded to two (e.g. 1 → 01)",
                "mã tỉnh một chữ số đã thêm số 0 (1 → 01)",
            )
            v = "0" + v
        if c.pattern and c.pattern.endswith(r"\d{4}$") and re.fullmatch(r"\d{3}", v):
            out.error(
                row,
                c.name,
                "format",
                f"{v!r} has 3 digits; a leading zero may have been "
                "dropped, but which code is meant is ambiguous",
                f"{v!r} chỉ có 3 chữ số; không rõ mã nào",
            )
            return None
        if len(v) > 200:
            out.error(
                row, c.name, "range", "text longer than 200 characters", "văn bản dài quá 200 ký tự"
            )
            return None
        if c.pattern and not re.fullmatch(c.pattern.strip("^$"), v):
            out.error(
                row,
                c.name,
                "format",
                f"{v!r} is not {c.pattern_desc}",
                f"{v!r} sai định dạng ({c.pattern_desc})",
            )
            return None
    if c.choices and v not in c.choices:
        shown = repr(v)[:40]
        allowed = ", ".join(map(str, c.choices))
        out.error(
            row,
            c.name,
            "enum",
            f"{shown} is not one of {allowed}",
            f"{shown} không thuộc các giá trị {allowed}",
        )
        return None
    return v


def check_cohort(cohort: str, wave: str, today: date) -> list[Issue]:
    m = COHORT_RE.match(cohort or "")
    out = []
    if not m:
        out.append(
            Issue(
                None,
                "cohort",
                "format",
                f"cohort {cohort!r} is not YYYY-MM",
                f"khoá {cohort!r} không đúng dạng YYYY-MM",
            )
        )
    elif (int(m[1]), int(m[2])) > (today.year, today.month):
        out.append(
            Issue(
                None,
                "cohort",
                "future_cohort",
                f"cohort {cohort} is in the future",
                f"khoá {cohort} nằm trong tương lai",
            )
        )
    if wave not in WAVES:
        out.append(
            Issue(
                None,
                "survey_wave",
                "enum",
                f"wave {wave!r} is not one of 6m, 12m",
                f"đợt {wave!r} không thuộc 6m, 12m",
            )
        )
    return out


def validate(
    sheet: Sheet,
    institution_id: str,
    cohort: str,
    wave: str,
    offerings: Mapping[str, str],
    today: date | None = None,
    *,
    sink: Callable[[dict[str, Any]], None] | None = None,
) -> Result:
    """Validate a read sheet for (institution, cohort, wave); ``offerings`` maps
    programme_id → institution_id (the catalogue).

    With ``sink``, each typed record is handed to ``sink(record)`` as long as no error has
    been found (the caller stores it compactly) and ``Result.records`` stays empty; without,
    the records are collected in ``Result.records``. ``sheet.rows`` is read once, so a
    streamed sheet works."""
    out = _Collector()
    seen_issues = len(sheet.issues)
    for i in sheet.issues:
        if i.severity == "error":
            out.error(i.row, i.column, i.rule, i.en, i.vi)
    head = check_cohort(cohort, wave, today or date.today())
    for i in head:
        out.error(i.row, i.column, i.rule, i.en, i.vi)
    cols = RECORD_COLUMNS if sheet.kind == "records" else AGG_COLUMNS
    present = [c for c in cols if c.name in sheet.columns]
    cached = [(c, {} if c.name != "learner_ref" else None) for c in present]
    records: list[dict[str, Any]] = []
    first_row: dict[str, int] = {}
    key = "learner_ref" if sheet.kind == "records" else "programme_id"
    rules = _record_rules if sheet.kind == "records" else _aggregate_rules
    n_rows = n_responded = 0
    for row, raw in sheet.rows:
        rec: dict[str, Any] = {}
        for c, cache in cached:
            v = raw.get(c.name)
            if cache is not None and type(v) is str:
                hit = cache.get(v, _MISS)
                if hit is not _MISS:
                    rec[c.name] = hit
                    continue
                n0, w0 = out.n, out.n_warn
                typed = _cell(c, v, row, out)
                if out.n == n0 and out.n_warn == w0 and len(cache) < CACHE_CELLS:
                    cache[v] = typed  # a clean cell: the same text gives the same value
                rec[c.name] = typed
            else:
                rec[c.name] = _cell(c, v, row, out)
        pid = rec.get("programme_id")
        if pid is not None and offerings.get(pid) != institution_id:
            out.error(
                row,
                "programme_id",
                "offering",
                f"programme {pid!r} is not an offering of institution {institution_id}",
                f"chương trình {pid!r} không thuộc cơ sở {institution_id}",
            )
        k = rec.get(key)
        if k is not None:
            first = first_row.setdefault(k, row)
            if first != row:
                what = "graduate" if key == "learner_ref" else "programme"
                out.error(
                    row,
                    key,
                    "duplicate",
                    f"the same {what} appears again in this wave (first at row {first})",
                    f"trùng lặp trong cùng đợt (lần đầu ở dòng {first})",
                )
        rules(rec, raw, row, wave, out)
        rec["_row"] = row
        n_rows += 1
        n_responded += rec.get("survey_status") in RESPONDED
        if sink is None:
            records.append(rec)
        elif out.n == 0:
            sink(rec)
    for i in sheet.issues[seen_issues:]:  # found while a streamed file was read
        if i.severity == "error":
            out.error(i.row, i.column, i.rule, i.en, i.vi)
    if sheet.kind == "records" and n_rows:
        rate = n_responded / n_rows
        if rate < LOW_RESPONSE:
            out.warning(
                1,
                "survey_status",
                "low_response",
                f"response rate {rate:.0%} is under 50%",
                f"tỉ lệ phản hồi {rate:.0%} dưới 50%",
            )
    warnings = [i for i in sheet.issues if i.severity == "warning"] + out.warnings()
    # by spreadsheet row (whole-file errors first): the same list whether the file was
    # read whole or streamed (a streamed file's ragged rows are only known once read)
    out.errors.sort(key=lambda e: -1 if e.row is None else e.row)
    return Result(sheet.kind, records, out.errors, out.n, warnings)


def _record_rules(rec: dict, raw: dict, row: int, wave: str, out: _Collector) -> None:
    if rec.get("survey_wave") not in (None, wave):
        out.error(
            row,
            "survey_wave",
            "wave",
            f"row is for wave {rec['survey_wave']}, the submission for wave {wave}",
            f"dòng thuộc đợt {rec['survey_wave']}, bài nộp là đợt {wave}",
        )
    status = rec.get("survey_status")
    if status is None:
        return
    if status not in RESPONDED:
        for c in OUTCOME_NAMES:
            v = raw.get(c)
            if v is not None and str(v).strip():
                out.error(
                    row,
                    c,
                    "no_response_outcome",
                    f"survey_status is {status!r} but {c} is filled (must be empty)",
                    f"tình trạng {status!r} nhưng cột {c} có dữ liệu (phải để trống)",
                )
        return
    emp = rec.get("employed")
    if emp is None and raw.get("employed") in (None, ""):
        out.error(
            row,
            "employed",
            "required",
            "employed is empty but the graduate responded",
            "employed bị trống nhưng người học đã trả lời",
        )
        return
    et = rec.get("employment_type")
    rules = [
        (
            "employment_type",
            et == "none" and emp is True,
            "employment_type is 'none' but employed is yes",
        ),
        (
            "employment_type",
            et not in (None, "none") and emp is False,
            f"employment_type is {et!r} but employed is no",
        ),
        (
            "monthly_wage_vnd",
            rec.get("monthly_wage_vnd") is not None and emp is False,
            "a wage is given but employed is no (must be empty)",
        ),
        (
            "job_matches_training",
            rec.get("job_matches_training") is True and emp is False,
            "job_matches_training is yes but employed is no",
        ),
    ]
    for col, bad, en in rules:
        if bad:
            out.error(row, col, "consistency", en, f"không nhất quán với cột employed: {en}")


def _aggregate_rules(rec: dict, raw: dict, row: int, wave: str, out: _Collector) -> None:
    g, s, r = rec.get("graduates"), rec.get("surveyed"), rec.get("respondents")
    emp = [rec.get(c) for c in ("employed_formal", "employed_informal", "self_employed")]

    def bad(col: str, en: str, vi: str) -> None:
        out.error(row, col, "counts", en, vi)

    if None not in (s, g) and s > g:
        bad("surveyed", f"surveyed {s} > graduates {g}", f"số khảo sát {s} > số tốt nghiệp {g}")
    if None not in (r, s) and r > s:
        bad("respondents", f"respondents {r} > surveyed {s}", f"số trả lời {r} > số khảo sát {s}")
    if r is not None and None not in emp and sum(emp) > r:
        bad(
            "employed_formal",
            f"employed {sum(emp)} > respondents {r}",
            f"số có việc {sum(emp)} > số trả lời {r}",
        )
    occ = rec.get("employed_in_occupation")
    if occ is not None and None not in emp and occ > sum(emp):
        bad(
            "employed_in_occupation",
            f"employed in occupation {occ} > employed {sum(emp)}",
            f"làm đúng nghề {occ} > số có việc {sum(emp)}",
        )
    q = [rec.get(c) for c in ("wage_p25", "wage_median", "wage_p75")]
    known = [x for x in q if x is not None]
    if known != sorted(known):
        bad(
            "wage_median",
            "wage quantiles are not in order p25 ≤ median ≤ p75",
            "phân vị thu nhập không theo thứ tự p25 ≤ trung vị ≤ p75",
        )

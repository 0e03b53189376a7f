"""The clerk's own file with an error column added (XLSX or CSV); every cell the service
writes goes through :func:`guidance.csvsafe.safe_cell`. ``learner_ref`` cells hold the
pseudonym (``read`` replaced them), never the raw value; rows keep their numbers."""

from __future__ import annotations

import csv
import io

from guidance.csvsafe import safe_row
from guidance.tracer.read import Sheet
from guidance.tracer.validate import Result


def annotated_copy(sheet: Sheet, result: Result, filename: str = "errors.xlsx") -> bytes:
    by_row: dict[int, list[str]] = {}
    for e in result.errors:
        by_row.setdefault(e.row or 1, []).append(f"[{e.column or '-'}] {e.vi} / {e.en}")
    header = [*sheet.source_header, "Lỗi / Errors"]
    rows = [header] + [
        [*r, "; ".join(by_row.get(i, []))] for i, r in enumerate(sheet.raw_rows, start=2)
    ]
    if 1 in by_row:
        rows[0][-1] += " — " + "; ".join(by_row[1])
    if filename.lower().endswith(".csv"):
        buf = io.StringIO()
        w = csv.writer(buf)
        for r in rows:
            w.writerow(safe_row("" if v is None else v for v in r))
        return buf.getvalue().encode("utf-8-sig")
    # lazy: openpyxl is heavy to import; only XLSX files need it
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(safe_row(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_list_csv(result: Result) -> bytes:
    """The refusal of a large, streamed file: its errors as a CSV of their own (spreadsheet
    row, column, rule, message in Vietnamese and English), without any cell of the clerk's
    file: the raw file holds learner references, which are never written back, and a copy of
    a million-row file would be as large as the upload. The clerk opens their file at the
    row numbers given."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Dòng / Row", "Cột / Column", "Quy tắc / Rule", "Lỗi", "Error"])
    for e in result.errors:
        w.writerow(
            safe_row(["" if v is None else v for v in (e.row, e.column, e.rule, e.vi, e.en)])
        )
    if result.n_errors > len(result.errors):
        w.writerow(
            safe_row(
                [
                    "",
                    "",
                    "",
                    f"… và {result.n_errors - len(result.errors):,} lỗi khác",
                    f"… and {result.n_errors - len(result.errors):,} more",
                ]
            )
        )
    return buf.getvalue().encode("utf-8-sig")

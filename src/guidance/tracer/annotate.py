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
    rows = [header] + [[*r, "; ".join(by_row.get(i, []))]
                       for i, r in enumerate(sheet.raw_rows, start=2)]
    if 1 in by_row:
        rows[0][-1] += " — " + "; ".join(by_row[1])
    if filename.lower().endswith(".csv"):
        buf = io.StringIO()
        w = csv.writer(buf)
        for r in rows:
            w.writerow(safe_row("" if v is None else v for v in r))
        return buf.getvalue().encode("utf-8-sig")
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(safe_row(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

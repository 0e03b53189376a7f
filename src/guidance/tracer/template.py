"""The submission templates: XLSX (Vietnamese headings, instructions, allowed values) or CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from guidance.csvsafe import safe_row
from guidance.tracer.schema import AGG_COLUMNS, RECORD_COLUMNS, VI

INSTRUCTIONS = [
    "Mỗi dòng là một người tốt nghiệp trong một đợt khảo sát (6 hoặc 12 tháng). "
    "One row per graduate per survey wave (6m or 12m).",
    "Người không trả lời cũng phải có dòng, để trống các cột kết quả. "
    "Non-respondents are rows too, with the outcome columns empty.",
    "Mã người học (CCCD hoặc mã sinh viên) được mã hoá ngay khi nhận, không lưu nguyên bản. "
    "learner_ref is pseudonymised on receipt and never stored raw.",
    "Mã tỉnh gồm 2 chữ số (01, 79); ngày theo dạng YYYY-MM-DD; có/không cho cột đúng/sai. "
    "Province codes have 2 digits; dates YYYY-MM-DD; yes/no (có/không) for booleans.",
    "Không dùng công thức trong ô. Do not use formulas in cells.",
]


def _cols(kind: str):  # noqa: ANN202
    return RECORD_COLUMNS if kind == "records" else AGG_COLUMNS


def write_template(path: Path, fmt: str = "xlsx", kind: str = "records") -> None:
    cols = _cols(kind)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerow(safe_row(c.name for c in cols))
        return
    # lazy: openpyxl is heavy to import; only XLSX files need it
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "du_lieu"
    ws.append(safe_row(VI.get(c.name, c.name) for c in cols))
    ws2 = wb.create_sheet("huong_dan")
    ws2.append(["Hướng dẫn / Instructions"])
    for line in INSTRUCTIONS:
        ws2.append(safe_row([line]))
    ws2.append([])
    ws2.append(["Tiêu đề (tiếng Việt)", "column", "bắt buộc / required", "kiểu / kind"])
    for c in cols:
        ws2.append(
            safe_row([VI.get(c.name, c.name), c.name, "có" if c.required else "không", c.kind])
        )
    ws3 = wb.create_sheet("gia_tri")
    ws3.append(["column", "giá trị cho phép / allowed values"])
    for c in cols:
        if c.choices:
            ws3.append(safe_row([c.name, ", ".join(map(str, c.choices))]))
        elif c.min is not None and c.max is not None:
            ws3.append(safe_row([c.name, f"{c.min:g} … {c.max:g}"]))
        elif c.pattern_desc:
            ws3.append(safe_row([c.name, c.pattern_desc]))
    wb.save(path)

"""Checks of the options that need no data (light imports: the command answers a bad
option before it loads pandas' heavier neighbours)."""

from __future__ import annotations

from guidance import reference
from guidance.report.texts import ReportError


def check_province(code: str) -> str:
    """The 2025 province code, or ``ReportError`` naming ``--province`` (a pre-2025 code says
    which 2025 code replaced it)."""

    code = str(code).strip()
    prov = reference.provinces()
    if code in set(prov["province_code"]):
        return code
    cw = reference.province_crosswalk()
    hit = cw[cw["old_code"] == code]
    if len(hit):
        r = hit.iloc[0]
        raise ReportError(
            "--province",
            "province_old",
            code=code,
            old=r["old_name_vi"],
            new=r["new_code"],
            new_name=r["new_name_vi"],
        )
    raise ReportError("--province", "province_unknown", code=code)

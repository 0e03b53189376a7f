"""The supply-demand section: the published trade × province table (``stats.supply_demand``,
ISCO-08 2-digit trades) and the shortage list with the indicator's components."""

from __future__ import annotations

import pandas as pd

from guidance.report import format as fmt
from guidance.report.content import Block, Paragraph, Row, Section, Table, cap_rows, isco2_names
from guidance.stats import supply_demand as sd

SHORTAGE_MAX = 60
"""Rows of the shortage list at most (the highest indicators first)."""


def _signed_pct(x, lang: str) -> str:
    if x is None or pd.isna(x):
        return "—"
    v = float(x) * 100
    return ("+" if v > 0 else "") + fmt.percent(v, lang)


def _dec(x, lang: str, digits: int = 2) -> str:
    if x is None or pd.isna(x):
        return "—"
    return fmt.number(float(x), lang, digits)


def _explain(t) -> str:
    w = sd.WEIGHTS
    lang = t.lang
    if lang == "vi":
        return (
            f"Thành phần và trọng số: căng thẳng tuyển dụng (log của số chỗ làm trống trên "
            f"một người tìm việc) {_dec(w['tension'], lang, 1)}; thay đổi tỷ lệ có việc "
            f"làm sau 12 tháng của người tốt nghiệp giữa hai khóa gần nhất "
            f"{_dec(w['employment_change'], lang, 1)}; thay đổi lương trung vị "
            f"{_dec(w['wage_change'], lang, 1)}. Mỗi thành phần là điểm chuẩn hóa (z) so "
            f"với trung bình mọi ô của bảng; thành phần thiếu bị bỏ và trọng số còn lại "
            f"được chia lại. Thiếu hụt khi chỉ số ≥ {_dec(sd.SHORTAGE_AT, lang, 1)}, dư "
            f"thừa khi ≤ {_dec(sd.SURPLUS_AT, lang, 1)}."
        )
    return (
        f"Components and weights: vacancy tension (log of vacancies per job seeker) "
        f"{_dec(w['tension'], lang, 1)}; change in graduates' 12-month employment rate "
        f"between the two latest cohorts {_dec(w['employment_change'], lang, 1)}; change "
        f"in their median wage {_dec(w['wage_change'], lang, 1)}. Each is a z-score "
        f"against the mean of the table's cells; a missing component drops out and the "
        f"other weights are renormalised. Shortage at an indicator ≥ "
        f"{_dec(sd.SHORTAGE_AT, lang, 1)}, surplus at ≤ {_dec(sd.SURPLUS_AT, lang, 1)}."
    )


def supply_section(data, t, province: str | None, names: dict[str, str]) -> Section:
    lang = t.lang
    table = data.supply_demand
    if table is None or not len(table):
        why = data.supply_demand_missing or t("reason.no_data")
        return Section("supply", t("s.supply"), (Paragraph(t("supply.none", why=why)),))
    df = table
    if province:
        df = df[df["province_code"].astype(str) == province]
    offers = pd.to_numeric(df["offerings"], errors="coerce").fillna(0)
    vac = pd.to_numeric(df["vacancies"], errors="coerce").fillna(0)
    df = df[(offers > 0) | (vac > 0)]
    isco = isco2_names()
    df = df.assign(
        _pn=df["province_code"].astype(str).map(names).fillna(""),
        _ind=pd.to_numeric(df["indicator"], errors="coerce"),
    )

    def trade(r) -> str:
        code = str(r["trade"])
        return f"{code} {isco[code]}" if code in isco else code

    def keys(r) -> tuple[str, ...]:
        return (trade(r),) + (
            () if province else (names.get(str(r["province_code"]), str(r["province_code"])),)
        )

    def flag(r) -> str:
        f = r.get("flag")
        return (
            t(f"flag.{f}")
            if isinstance(f, str) and f in ("shortage", "balanced", "surplus")
            else "—"
        )

    head = (t("col.trade"),) + (() if province else (t("col.province"),))
    # the shortage list
    short = df[df["flag"].astype(str) == "shortage"].sort_values("_ind", ascending=False)
    short_rows = [
        Row(
            keys(r)
            + (
                fmt.number(r["expected_graduates"], lang),
                _dec(r["indicator"], lang),
                _dec(r["z_tension"], lang),
                _dec(r["z_employment_change"], lang),
                _dec(r["z_wage_change"], lang),
                str(int(r["components"])),
            )
        )
        for _, r in short.head(SHORTAGE_MAX).iterrows()
    ]
    zcols = (t("col.expected_graduates"),) + (
        (
            "Chỉ số",
            "Căng thẳng tuyển dụng (z)",
            "Thay đổi việc làm (z)",
            "Thay đổi lương (z)",
            "Số thành phần",
        )
        if lang == "vi"
        else (
            "Indicator",
            "Vacancy tension (z)",
            "Employment change (z)",
            "Wage change (z)",
            "Components",
        )
    )
    note = ""
    if len(short) > SHORTAGE_MAX:
        note = t("trades.capped", shown=SHORTAGE_MAX, total=fmt.number(len(short), lang))
    shortage = Table(
        head + zcols,
        tuple(short_rows),
        n_keys=len(head),
        widths=(4.0,) + (() if province else (2.1,)) + (1.3, 1.1, 1.5, 1.5, 1.5, 1.2),
        caption=t("supply.shortage"),
        note=note,
        numeric=(False,) * len(head) + (True,) * 6,
    )
    # the whole table, highest indicator first
    df = df.sort_values(["_ind", "_pn"], ascending=[False, True], na_position="last")
    rows = [
        Row(
            keys(r)
            + (
                fmt.number(r["expected_graduates"], lang),
                fmt.number(r["vacancies"], lang),
                fmt.number(r["job_seekers"], lang),
                _dec(r["vacancies_per_job_seeker"], lang, 1),
                _dec(r["graduates_per_vacancy"], lang, 1),
                _signed_pct(r["vacancy_trend_12m"], lang),
                _dec(r["indicator"], lang),
                flag(r),
            )
        )
        for _, r in df.iterrows()
    ]
    shown, capped = cap_rows(rows, t)
    cols = tuple(
        t(c)
        for c in (
            "col.expected_graduates",
            "col.vacancies",
            "col.job_seekers",
            "col.vpj",
            "col.gpv",
            "col.trend",
            "col.indicator",
            "col.flag",
        )
    )
    full = Table(
        head + cols,
        shown,
        n_keys=len(head),
        widths=(3.4,) + (() if province else (2.0,)) + (1.3,) * 7 + (1.3,),
        caption=t("supply.table"),
        note=capped,
        numeric=(False,) * len(head) + (True,) * 7 + (False,),
    )
    period = getattr(data, "demand_period", None)
    lead = t("supply.lead")
    if period:
        lead += (
            f" Nhu cầu: trung bình 3 tháng đến {fmt.month(period, lang)}."
            if lang == "vi"
            else f" Demand: 3-month means up to {fmt.month(period, lang)}."
        )
    blocks: list[Block] = [
        Paragraph(lead),
        Paragraph(t("supply.flag_lead")),
        Paragraph(_explain(t)),
    ]
    if short_rows:
        blocks.append(shortage)
    else:
        blocks.append(Paragraph(t("supply.shortage_none")))
    blocks.append(full)
    return Section("supply", t("s.supply"), tuple(blocks))

"""The report's content, built from PUBLISHED frames only (pure: no I/O, no API, no MLflow).

Input: ``ReportData`` — the published outcome tables of every grouping and cohort label
(``stats.disclosure.publish(...).tables`` or a bundle's ``outcomes``), optionally the
published supply-demand table, the as-of date and the sources. A frame that still carries a
raw numerator column (``employed_12m``…) is refused (``assert_published``): the report can
only show what disclosure control let through.

The year of the report is a graduation year. For each key the figure shown is the one of
``stats.disclosure.headline`` over the labels that END in that year (the year itself, else
the latest two or three years pooled when the year is the newest one), so the report shows
exactly the cells the API publishes for that year — never a new aggregate.

Output: ``Report`` — sections of paragraphs, tables (rows of display strings; a withheld row
keeps its key cells and carries its reason) and the map (SVG), ready for ``pdf``/``html``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from guidance import reference
from guidance.report import format as fmt
from guidance.report.checks import check_province
from guidance.report.texts import TEXTS, ReportError
from guidance.stats.disclosure import DisclosureSettings, headline
from guidance.text import fold

MAX_ROWS = 600
"""Rows shown per table at most (the full tables are in the API's CSV)."""

RAW_COLUMNS = (
    "employed_6m",
    "employed_12m",
    "formal",
    "informal",
    "self_employed",
    "in_occupation",
    "completed",
    "wage_n",
)
"""Numerators and raw counts that ``publish`` never lets out: their presence means a raw
table was passed."""


# -- the content model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    withheld: str | None = None
    """The reason when the row is withheld: the renderers keep the key cells and write the
    reason across the figure columns."""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    n_keys: int
    widths: tuple[float, ...]
    caption: str = ""
    note: str = ""
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    text: str
    heading: bool = False


@dataclass(frozen=True)
class Figure:
    svg: str | None
    caption: str
    alt: str
    missing: str = ""


Block = Paragraph | Table | Figure


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    lang: str
    title: str
    scope: str
    year: int
    cover: tuple[str, ...]
    sources: tuple[str, ...]
    sections: tuple[Section, ...]
    province: str | None = None
    running: str = ""


@dataclass(frozen=True)
class ReportData:
    outcomes: Mapping[str, pd.DataFrame]
    as_of: date
    sources: tuple[tuple[str, str], ...] = ()
    """(Vietnamese, English) descriptions of the data's sources."""
    supply_demand: pd.DataFrame | None = None
    supply_demand_missing: str = ""
    """Why there is no supply-demand table (shown in the report) when it is None."""
    settings: DisclosureSettings = field(default_factory=DisclosureSettings)
    audited: bool = False
    made: date | None = None
    map_svg: Callable[..., str] | None = None
    """``web.charts.province_map_svg``-like renderer (values, lang, title, unit,
    legend_label, notes, highlight) -> SVG; None: the map is replaced by its table."""
    map_credit: str = ""
    demand_period: str | None = None


# -- checks ---------------------------------------------------------------------------------


def assert_published(outcomes: Mapping[str, pd.DataFrame]) -> None:
    """Refuse raw tables: every frame must be a published one (``suppressed`` present, no
    raw numerator)."""
    for name, t in outcomes.items():
        raw = [c for c in RAW_COLUMNS if c in t.columns]
        if raw or "suppressed" not in t.columns:
            raise ValueError(
                f"outcomes[{name!r}] is not a published table "
                f"(raw columns {raw or 'and no suppressed column'})"
            )


def years_of(outcomes: Mapping[str, pd.DataFrame]) -> list[int]:
    """Graduation years with a single-year cell in the published tables."""
    t = outcomes.get("nation")
    if t is None or not len(t):
        t = outcomes.get("province", pd.DataFrame(columns=["cohort", "pooled"]))
    return sorted({int(c) for c in t.loc[~t["pooled"].astype(bool), "cohort"]})


def check_year(outcomes: Mapping[str, pd.DataFrame], year: int) -> None:
    years = years_of(outcomes)
    if not years:
        raise ReportError("--data", "no_outcomes")
    if year not in years:
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        raise ReportError("--year", "year_none", year=year, years=span)


def for_year(published: pd.DataFrame, name: str, year: int) -> pd.DataFrame:
    """Per key, the published figure for graduates of ``year``: ``headline`` over the labels
    whose last year is ``year`` (the year, or a pool ending in it)."""
    if not len(published):
        return published
    last = published["cohorts"].astype(str).str.split(",").str[-1].astype(int)
    return headline(published[last.to_numpy() == year], name)


# -- helpers --------------------------------------------------------------------------------


class _T:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.texts = TEXTS[lang]

    def __call__(self, key: str, **params) -> str:
        s = self.texts[key]
        return s.format(**params) if params else s


def _reason(row, lang: str) -> str:
    r = row.get(f"suppressed_{lang}")
    return str(r) if isinstance(r, str) and r else TEXTS[lang]["reason.no_data"]


def _pct(row, col: str, lang: str) -> str:
    return fmt.percent(row.get(f"{col}_pct"), lang)


def _names() -> tuple[dict[str, str], dict[str, str]]:
    p = reference.provinces()
    return (
        dict(zip(p["province_code"], p["name_vi"], strict=True)),
        dict(zip(p["province_code"], p["name_en"], strict=True)),
    )


def isco2_names() -> dict[str, str]:
    """ISCO-08 two-digit (sub-major group) code → English name."""
    g = reference.isco_groups()
    g = g[g["level"] == 2]
    return dict(zip(g["code"].astype(str), g["name_en"].astype(str), strict=True))


def _trade_label(code, lang: str, names: dict[str, str]) -> str:
    code = "" if code is None or (isinstance(code, float)) else str(code)
    name = names.get(code)
    return f"{code} {name}" if name else code


def cap_rows(rows: list[Row], t: _T) -> tuple[tuple[Row, ...], str]:
    """The first ``MAX_ROWS`` rows and the note saying so ("" when none were cut)."""
    if len(rows) <= MAX_ROWS:
        return tuple(rows), ""
    return tuple(rows[:MAX_ROWS]), t(
        "trades.capped", shown=fmt.number(MAX_ROWS, t.lang), total=fmt.number(len(rows), t.lang)
    )


# -- sections -------------------------------------------------------------------------------


def _summary(row: pd.Series | None, t: _T, scope_in: str, year: int) -> Section:
    lang = t.lang
    blocks: list[Block] = []
    if row is None:
        blocks.append(
            Paragraph(
                t("summary.withheld", scope_in=scope_in, year=year, reason=t("reason.no_data"))
            )
        )
        return Section("summary", t("s.summary"), tuple(blocks))
    if bool(row["suppressed"]):
        blocks.append(
            Paragraph(
                t("summary.withheld", scope_in=scope_in, year=year, reason=_reason(row, lang))
            )
        )
        return Section("summary", t("s.summary"), tuple(blocks))
    pooled = bool(row["pooled"])
    cohort = (
        t("cohort.pooled", cohorts=fmt.cohorts(row["cohort"], lang))
        if pooled
        else t("cohort.single", year=year)
    )
    blocks.append(
        Paragraph(
            t(
                "summary.lead",
                cohort=cohort,
                scope_in=scope_in,
                e12=_pct(row, "employment_12m", lang),
                lo=_pct(row, "employment_12m_lo", lang),
                hi=_pct(row, "employment_12m_hi", lang),
                e6=_pct(row, "employment_6m", lang),
                formal=_pct(row, "formal_12m", lang),
                inocc=_pct(row, "in_occupation_12m", lang),
            )
        )
    )
    if pooled:
        blocks.append(
            Paragraph(t("summary.pooled", year=year, cohorts=fmt.cohorts(row["cohort"], lang)))
        )

    def iv(col: str) -> str:
        return t(
            "interval",
            v=_pct(row, col, lang),
            lo=_pct(row, f"{col}_lo", lang),
            hi=_pct(row, f"{col}_hi", lang),
        )

    unit = " triệu đồng" if lang == "vi" else " million VND"
    median = row.get("wage_median")
    wage_note = row.get(f"wage_suppressed_{lang}")
    kv = [
        ("kv.cohorts", fmt.cohorts(str(row["cohort"]), lang)),
        ("kv.graduates", fmt.number(row["graduates"], lang)),
        ("kv.surveyed", fmt.number(row["surveyed"], lang)),
        ("kv.respondents", fmt.number(row["respondents"], lang)),
        ("kv.response_rate", _pct(row, "response_rate", lang)),
        ("kv.e6", iv("employment_6m")),
        ("kv.e12", iv("employment_12m")),
        ("kv.formal", iv("formal_12m")),
        ("kv.informal", iv("informal_12m")),
        ("kv.self", iv("self_employed_12m")),
        ("kv.inocc", iv("in_occupation_12m")),
        ("kv.completion", iv("completion")),
        (
            "kv.wage_median",
            (fmt.millions(median, lang) + unit)
            if not pd.isna(median)
            else (str(wage_note) if isinstance(wage_note, str) else "—"),
        ),
        ("kv.wage_range", fmt.wage_range(row.get("wage_p25"), row.get("wage_p75"), lang)),
    ]
    blocks.append(
        Table(
            (t("kv.indicator"), t("kv.value")),
            tuple(Row((t(k), v)) for k, v in kv),
            n_keys=1,
            widths=(3, 2),
            numeric=(False, True),
        )
    )
    return Section("summary", t("s.summary"), tuple(blocks))


def _map(
    data: ReportData,
    prov_year: pd.DataFrame,
    t: _T,
    year: int,
    province: str | None,
    names: dict[str, str],
) -> Section:
    lang = t.lang
    by = {str(r["province_code"]): r for _, r in prov_year.iterrows()}
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    rows: list[Row] = []
    for code in sorted(names, key=lambda c: fold(names[c])):
        r = by.get(code)
        if r is None:
            values[code] = None
            notes[code] = t("no_data")
            rows.append(Row((names[code],), withheld=t("no_data")))
        elif bool(r["suppressed"]):
            values[code] = None
            notes[code] = _reason(r, lang)
            rows.append(
                Row((names[code], fmt.cohorts(str(r["cohort"]), lang)), withheld=_reason(r, lang))
            )
        else:
            v = r["employment_12m_pct"]
            values[code] = None if pd.isna(v) else float(v)
            rows.append(
                Row(
                    (
                        names[code],
                        fmt.cohorts(str(r["cohort"]), lang),
                        _pct(r, "employment_12m", lang),
                        _pct(r, "employment_6m", lang),
                        fmt.number(r["respondents"], lang),
                        _pct(r, "response_rate", lang),
                    )
                )
            )
    title = t("map.title", year=year)
    svg, missing = None, ""
    if data.map_svg is not None:
        svg = data.map_svg(
            values,
            lang=lang,
            title=title,
            unit=t("map.unit"),
            legend_label=t("map.legend"),
            notes=notes,
            highlight=province,
        )
    else:
        missing = t("map.missing", reason="no map renderer in this build")
    hl = t("map.highlight", name=names.get(province, "")) if province else ""
    table = Table(
        (
            t("col.province"),
            t("col.cohorts"),
            t("col.e12"),
            t("col.e6"),
            t("col.respondents"),
            t("col.response_rate"),
        ),
        tuple(rows),
        n_keys=2,
        widths=(3.2, 1.8, 1.4, 1.4, 1.4, 1.4),
        caption=t("map.table"),
        numeric=(False, False, True, True, True, True),
    )
    return Section(
        "map",
        t("s.map"),
        (
            Paragraph(t("map.lead", year=year, highlight=hl)),
            Figure(svg, title, alt=title, missing=missing),
            table,
        ),
    )


def _outcome_rows(
    df: pd.DataFrame, lang: str, keys: Callable[[pd.Series], tuple[str, ...]]
) -> list[Row]:
    rows = []
    for _, r in df.iterrows():
        k = keys(r) + (fmt.cohorts(str(r["cohort"]), lang),)
        if bool(r["suppressed"]):
            rows.append(Row(k, withheld=_reason(r, lang)))
            continue
        rows.append(
            Row(
                k
                + (
                    _pct(r, "employment_6m", lang),
                    _pct(r, "employment_12m", lang),
                    _pct(r, "formal_12m", lang),
                    _pct(r, "in_occupation_12m", lang),
                    (
                        f"{fmt.millions(r['wage_p25'], lang)}{fmt.DASH}{fmt.millions(r['wage_p75'], lang)}"
                        if not pd.isna(r.get("wage_p25"))
                        else "—"
                    ),
                    fmt.number(r["respondents"], lang),
                    _pct(r, "response_rate", lang),
                )
            )
        )
    return rows


OUTCOME_COLS = (
    "col.e6",
    "col.e12",
    "col.formal",
    "col.inocc",
    "col.wage",
    "col.respondents",
    "col.response_rate",
)


def _trades(
    data: ReportData, t: _T, year: int, province: str | None, names: dict[str, str]
) -> Section:
    lang = t.lang
    tab = for_year(data.outcomes["trade2_province_level"], "trade2_province_level", year)
    if province:
        tab = tab[tab["province_code"].astype(str) == province]
    isco = isco2_names()
    order = {lv: i for i, lv in enumerate(("so_cap", "trung_cap", "cao_dang"))}
    tab = tab.assign(
        _lv=tab["level"].map(order).fillna(9),
        _pn=tab["province_code"].astype(str).map(names).fillna("").map(fold),
    )
    tab = tab.sort_values(["isco2", "_pn", "_lv"])

    def keys(r) -> tuple[str, ...]:
        k = (_trade_label(r["isco2"], lang, isco), t(f"level.{r['level']}"))
        return (
            (names.get(str(r["province_code"]), str(r["province_code"])),) + k
            if not province
            else k
        )

    rows, capped = cap_rows(_outcome_rows(tab, lang, keys), t)
    head = (() if province else (t("col.province"),)) + (
        t("col.trade"),
        t("col.level"),
        t("col.cohorts"),
    )
    widths = (() if province else (2.2,)) + (3.6, 1.5, 1.6) + (1.1, 1.1, 1.1, 1.1, 1.6, 1.2, 1.2)
    table = Table(
        head + tuple(t(c) for c in OUTCOME_COLS),
        rows,
        n_keys=len(head),
        widths=widths,
        note=capped,
        numeric=(False,) * len(head) + (True,) * len(OUTCOME_COLS),
    )
    blocks: list[Block] = [Paragraph(t("trades.lead", n=data.settings.min_wage_respondents)), table]
    return Section("trades", t("s.trades"), tuple(blocks))


def _provinces(data: ReportData, prov_year: pd.DataFrame, t: _T, names: dict[str, str]) -> Section:
    lang = t.lang
    df = prov_year.assign(
        _pn=prov_year["province_code"].astype(str).map(names).fillna("").map(fold)
    )
    df = df.sort_values("_pn")
    rows = _outcome_rows(
        df, lang, lambda r: (names.get(str(r["province_code"]), str(r["province_code"])),)
    )
    head = (t("col.province"), t("col.cohorts"))
    table = Table(
        head + tuple(t(c) for c in OUTCOME_COLS),
        tuple(rows),
        n_keys=2,
        widths=(2.6, 1.6, 1.1, 1.1, 1.1, 1.1, 1.6, 1.2, 1.2),
        numeric=(False, False) + (True,) * len(OUTCOME_COLS),
    )
    return Section(
        "provinces",
        t("s.provinces"),
        (Paragraph(t("trades.lead", n=data.settings.min_wage_respondents)), table),
    )


def _institutions(
    data: ReportData, t: _T, year: int, province: str | None, scope_in: str, names: dict[str, str]
) -> Section:
    lang = t.lang
    tab = for_year(data.outcomes["institution"], "institution", year)
    if province:
        tab = tab[tab["province_code"].astype(str) == province]
    tab = tab.assign(
        _pn=tab["province_code"].astype(str).map(names).fillna("").map(fold),
        _in=tab["institution_name"].astype(str).map(fold),
    )
    tab = tab.sort_values(["_pn", "_in"] if not province else ["_in"])
    rows = []
    for _, r in tab.iterrows():
        k: tuple[str, ...] = (str(r["institution_name"]),)
        if not province:
            k += (names.get(str(r["province_code"]), str(r["province_code"])),)
        k += (fmt.cohorts(str(r["cohort"]), lang),)
        if bool(r["suppressed"]):
            rows.append(Row(k, withheld=_reason(r, lang)))
        else:
            rows.append(
                Row(
                    k
                    + (
                        fmt.number(r["graduates"], lang),
                        fmt.number(r["surveyed"], lang),
                        fmt.number(r["respondents"], lang),
                        _pct(r, "response_rate", lang),
                    )
                )
            )
    n_pub = int((~tab["suppressed"].astype(bool)).sum())
    shown, capped = cap_rows(rows, t)
    head = (
        (t("col.institution"),) + (() if province else (t("col.province"),)) + (t("col.cohorts"),)
    )
    table = Table(
        head
        + (t("col.graduates"), t("col.surveyed"), t("col.respondents"), t("col.response_rate")),
        shown,
        n_keys=len(head),
        widths=(4.5,) + (() if province else (2.2,)) + (1.6, 1.4, 1.4, 1.4, 1.4),
        note=capped,
        numeric=(False,) * len(head) + (True,) * 4,
    )
    lead = t(
        "inst.lead",
        n=fmt.number(len(tab), lang),
        year=year,
        scope_in=scope_in,
        k=fmt.number(n_pub, lang),
    )
    return Section("institutions", t("s.institutions"), (Paragraph(lead), table))


def _supply(data: ReportData, t: _T, province: str | None, names: dict[str, str]) -> Section:
    # here, not at the top: report.supply imports this module's blocks (Row, Table...), a cycle
    from guidance.report.supply import supply_section

    return supply_section(data, t, province, names)


def _methods(data: ReportData, t: _T, sources: tuple[str, ...]) -> Section:
    s = data.settings
    rr = fmt.percent(s.min_response_rate * 100, t.lang).rstrip("%")
    blocks: list[Block] = [
        Paragraph(t("m.rules"), heading=True),
        Paragraph(t("m.rule1", n=s.min_respondents, rr=rr)),
        Paragraph(t("m.rule2")),
        Paragraph(
            t(
                "m.rule3",
                c=s.round_counts_to,
                w=fmt.number(s.round_wages_to, t.lang),
                wn=s.min_wage_respondents,
            )
        ),
        Paragraph(t("m.rule4")),
        Paragraph(t("m.audited") if data.audited else t("m.not_audited")),
        Paragraph(t("m.definitions"), heading=True),
        *(Paragraph(t(f"m.def{i}")) for i in range(1, 6)),
        Paragraph(t("m.sources"), heading=True),
        *(Paragraph(x) for x in sources),
    ]
    if data.map_credit:
        blocks.append(Paragraph(t("m.map_credit", credit=data.map_credit)))
    return Section("methods", t("s.methods"), tuple(blocks))


# -- the report -----------------------------------------------------------------------------


def build_report(
    data: ReportData, *, year: int, province: str | None = None, lang: str = "vi"
) -> Report:
    """The report of ``province`` (a 2025 code) or the nation (None) for graduates of
    ``year``. Raises ``ReportError`` for an unknown or pre-2025 province, a year without data
    or a province without graduates that year."""
    assert_published(data.outcomes)
    t = _T(lang)
    if province is not None:
        province = check_province(province)
    check_year(data.outcomes, year)
    names_vi, names_en = _names()
    names = names_vi if lang == "vi" else names_en
    prov_year = for_year(data.outcomes["province"], "province", year)
    if province is not None:
        mine = prov_year[prov_year["province_code"].astype(str) == province]
        if not len(mine):
            raise ReportError("--province", "province_none", code=province, year=year)
        row = mine.iloc[0]
        scope = t("scope.province", name=names[province], code=province)
        scope_in = t("scope_in.province", name=names[province])
    else:
        nat = for_year(data.outcomes["nation"], "nation", year)
        row = nat.iloc[0] if len(nat) else None
        scope = t("scope.national")
        scope_in = t("scope_in.national")
    sources = tuple(vi if lang == "vi" else en for vi, en in data.sources)
    made = data.made or data.as_of
    cover = (
        scope,
        t("cover.year", year=year),
        t("cover.as_of", date=fmt.long_date(data.as_of, lang)),
        t("cover.made", date=fmt.long_date(made, lang)),
        t(
            "cover.only_published",
            n=data.settings.min_respondents,
            rr=int(round(data.settings.min_response_rate * 100)),
        ),
    )
    sections = [
        _summary(row, t, scope_in, year),
        _map(data, prov_year, t, year, province, names),
        _supply(data, t, province, names),
        _trades(data, t, year, province, names),
    ]
    if province is None:
        sections.append(_provinces(data, prov_year, t, names))
    sections += [
        _institutions(data, t, year, province, scope_in, names),
        _methods(data, t, sources),
    ]
    title = t("title")
    return Report(
        lang=lang,
        title=title,
        scope=scope,
        year=year,
        cover=cover,
        sources=sources,
        sections=tuple(sections),
        province=province,
        running=t("running", title=title, scope=scope, year=year),
    )

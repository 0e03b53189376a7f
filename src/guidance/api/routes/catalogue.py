"""The catalogue: accent- and case-blind search, programme details, occupations."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from guidance.api.deps import Ctx, DbCtx, authorize
from guidance.api.errors import NotFound, Unprocessable
from guidance.api.routes._util import finite
from guidance.api.schemas import (
    ERRORS,
    DemandRowOut,
    InstitutionOut,
    NearProgrammeOut,
    OccupationBrief,
    OccupationDemandOut,
    OccupationDetail,
    OccupationOut,
    OutcomesOut,
    ProgrammeFull,
    ProgrammeOccupationsOut,
    ProgrammeOut,
    ProgrammePage,
    RiasecLetterOut,
)

router = APIRouter(
    prefix="/api/v1", tags=["catalogue"], dependencies=[Depends(authorize)], responses=ERRORS
)


@router.get("/programmes", response_model=ProgrammePage)
def programmes(
    ctx: DbCtx,
    q: str | None = Query(None, max_length=200, description="words; accents and case are ignored"),
    province: str | None = Query(None, max_length=8),
    level: str | None = Query(None, max_length=16),
    field: str | None = Query(None, max_length=8),
    active: bool | None = None,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=200),
) -> ProgrammePage:
    from guidance.store.catalogue import search_programmes

    p = search_programmes(ctx.engine, q, province, level, field, page, page_size, active=active)
    return ProgrammePage(
        items=p.items, total=p.total, page=p.page, page_size=p.page_size, pages=p.pages
    )


def _outcomes(ctx: Ctx, programme_id: str) -> OutcomesOut | None:
    cur = ctx.holder.current
    if cur is None:
        return None
    rec = cur.recommender
    if not rec.has_programme(programme_id):  # inactive offerings are not served
        return None
    facts = rec.offering_facts(programme_id)  # rates shown from MIN_CELL graduates only
    return OutcomesOut(
        n_graduates=facts["n_graduates"],
        small_cell=facts["small_cell"],
        observed_employed_12m=facts["observed_employed_12m"],
        observed_job_matches_training=facts["observed_job_matches_training"],
        flags=facts["flags"],
    )


Lang = Literal["vi", "en"]
LangQuery = Query("vi", description="language of the error messages (vi, en)")
MAX_IDS = 50


class NotTrainedFor(NotFound):
    """A valid ISCO code that no offering of the catalogue trains for."""

    code = "not_trained_for"


def _t(lang: str):  # noqa: ANN202 - the page catalogues' translator
    from guidance.web.i18n import Translator

    return Translator(lang if lang in ("vi", "en") else "vi")


@cache
def _places() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[float, float]]]:
    """Province code → (Vietnamese, English) name, and → (lat, lon) centre (packaged)."""
    from guidance.reference import provinces

    df = provinces()
    names = {str(r.province_code): (str(r.name_vi), str(r.name_en)) for r in df.itertuples()}
    centres = {str(r.province_code): (float(r.lat), float(r.lon)) for r in df.itertuples()}
    return names, centres


@cache
def _isco_units() -> frozenset[str]:
    from guidance.reference import isco_groups

    g = isco_groups()
    return frozenset(str(c) for c in g.loc[g["level"] == 4, "code"])


@cache
def _descriptions() -> dict[str, tuple[str, str]]:
    from guidance.reference import occupation_descriptions

    d = occupation_descriptions()
    return {str(r.code): (str(r.description_vi), str(r.description_en)) for r in d.itertuples()}


def _province_names(code: str) -> dict[str, str]:
    vi, en = _places()[0].get(code, (code, code))
    return {"province_name_vi": vi, "province_name_en": en}


def _near(p: dict[str, Any]) -> NearProgrammeOut:
    return NearProgrammeOut(
        **{k: p[k] for k in NearProgrammeOut.model_fields if k in p and k != "distance_km"},
        **_province_names(str(p["province_code"])),
        distance_km=None if p["distance_km"] is None else round(float(p["distance_km"]), 1),
    )


def _province_enum(schema: dict[str, Any]) -> None:
    """The 34 province codes as the parameter's ``enum``, added when the OpenAPI schema is
    built (not at import: the codes come from the packaged reference)."""
    schema["enum"] = sorted(_places()[0])


def check_province(province: str | None, lang: str) -> str | None:
    """A province code of the 34 (or None); a 422 naming the parameter otherwise."""
    if province is None or province in _places()[0]:
        return province
    raise Unprocessable(
        _t(lang)("explore.err_province", code=province[:8]),
        details=[
            {
                "loc": ["query", "province"],
                "msg": "unknown province",
                "msg_vi": "mã tỉnh không có trong danh mục",
                "type": "province",
            }
        ],
    )


def riasec_out(letters: Any) -> list[RiasecLetterOut]:
    """The occupation's Holland letters explained (the catalogues' plain words)."""
    from guidance.explore import riasec_letters

    vi, en = _t("vi"), _t("en")
    return [
        RiasecLetterOut(
            letter=x["letter"],
            weight=x["weight"],
            name_vi=vi(f"riasec.type.{x['type']}"),
            name_en=en(f"riasec.type.{x['type']}"),
            about_vi=vi(f"explore.riasec_about.{x['type']}"),
            about_en=en(f"explore.riasec_about.{x['type']}"),
        )
        for x in riasec_letters(letters)
    ]


def _demand_rows(ctx: Ctx, code: str) -> list[dict[str, Any]]:
    """The occupation's rows in the demand snapshots the server serves (the served model's
    demand when one is loaded, else the newest snapshots the holder would read)."""
    from guidance.store.demand import get_demand
    from guidance.store.serving import demand_key

    cur = ctx.holder.current
    key = cur.demand_key if cur is not None else demand_key(ctx.engine, ctx.holder.demand_months)
    rows: list[dict[str, Any]] = []
    for period, _hash in key:
        rows += frame_records(get_demand(ctx.engine, period=period, occupation=code))
    return rows


def occupation_detail(
    ctx: Ctx, code: str, province: str | None, limit: int, lang: str
) -> OccupationDetail:
    """What the occupation page shows (the API answer and the web page's data)."""
    from guidance.explore import ISCO_CODE, demand_by_province, is_active, near_first
    from guidance.store.catalogue import get_occupation, programmes_for_occupation

    t = _t(lang)
    province = check_province(province, lang)
    occ = get_occupation(ctx.engine, code) if ISCO_CODE.match(code) else None
    if occ is None:
        if ISCO_CODE.match(code) and code in _isco_units():
            raise NotTrainedFor(t("explore.err_not_trained", code=code, name=code))
        raise NotFound(t("explore.err_unknown_occupation", code=code[:16]))
    progs = [p for p in programmes_for_occupation(ctx.engine, code) if is_active(p)]
    if not progs:
        name = (occ["name_vi"] if lang == "vi" else occ["name_en"]) or occ["name_en"] or code
        raise NotTrainedFor(t("explore.err_not_trained", code=code, name=name))
    near, total = near_first(progs, province, _places()[1], limit)
    dem = demand_by_province(_demand_rows(ctx, code))
    desc = _descriptions().get(code[:3])
    return OccupationDetail(
        occupation=OccupationOut(**occ),
        minor_group=code[:3],
        description_vi=desc[0] if desc else None,
        description_en=desc[1] if desc else None,
        riasec=riasec_out(occ["riasec"]),
        demand_period=dem["period"],
        demand=[
            OccupationDemandOut(**finite(r), **_province_names(r["province_code"]))
            for r in dem["rows"]
        ],
        wage_min_vnd=dem["wage_min"],
        wage_max_vnd=dem["wage_max"],
        province=province,
        programmes=[_near(p) for p in near],
        programmes_total=total,
    )


def _occupation_map(ctx: Ctx) -> dict[str, dict[str, Any]]:
    from guidance.store.catalogue import list_occupations

    return {o["occupation_code"]: o for o in list_occupations(ctx.engine)}


def _briefs(known: dict[str, dict[str, Any]], codes: list[str]) -> list[OccupationBrief]:
    return [
        OccupationBrief(
            occupation_code=c,
            name_vi=known.get(c, {}).get("name_vi"),
            name_en=known.get(c, {}).get("name_en"),
            riasec=known.get(c, {}).get("riasec"),
        )
        for c in codes
    ]


def programme_full(ctx: Ctx, programme_id: str, lang: str = "vi") -> ProgrammeFull:
    """``GET /programmes/{id}``: details, observed outcomes (small-cell rule), current
    demand for its occupations in its province, total tuition, its institution, its
    occupations and the same programme at other institutions."""
    from guidance.explore import also_at, targets, total_tuition
    from guidance.store.catalogue import get_programme, programmes_with_code
    from guidance.store.demand import get_demand, latest_period

    prog = get_programme(ctx.engine, programme_id) if len(programme_id) <= 64 else None
    if prog is None:
        raise NotFound(_t(lang)("error.no_offering", id=programme_id[:64]))
    period = latest_period(ctx.engine)
    rows: list[DemandRowOut] = []
    if period is not None:
        for occ in [c for c in str(prog["target_occupations"] or "").split(";") if c]:
            df = get_demand(
                ctx.engine, period=period, province=prog["province_code"], occupation=occ
            )
            rows += [DemandRowOut(**finite(r)) for r in frame_records(df)]
    others, n_others = also_at(
        prog, programmes_with_code(ctx.engine, str(prog["programme_code"])), _places()[1]
    )
    prov = str(prog["province_code"])
    return ProgrammeFull(
        programme=ProgrammeOut(**prog),
        outcomes=_outcomes(ctx, programme_id),
        demand_period=period,
        demand=rows,
        total_tuition_vnd=total_tuition(prog["tuition_vnd_per_year"], prog["duration_months"]),
        institution=InstitutionOut(
            institution_id=prog["institution_id"],
            institution_name=prog["institution_name"],
            province_code=prov,
            **_province_names(prov),
            address=prog.get("institution_address"),
            phone=prog.get("institution_phone"),
            website=prog.get("institution_website"),
        ),
        occupations=_briefs(_occupation_map(ctx), targets(prog["target_occupations"])),
        also_at=[_near(p) for p in others],
        also_at_total=n_others,
        stats_url=f"/stats/offering/{programme_id}",
    )


@router.get(
    "/programmes/{programme_id}",
    response_model=ProgrammeFull,
    responses={404: {"model": ERRORS[422]["model"]}},
)
def programme(
    ctx: DbCtx,
    programme_id: Annotated[str, Path(max_length=64)],
    lang: Lang = LangQuery,
) -> ProgrammeFull:
    """Details, observed outcomes (small-cell rule) and current demand for its occupations
    in its province; total tuition, the institution (address and contact when the
    catalogue has them), the occupations it trains for, and the same programme at other
    institutions (``also_at``, nearest first)."""
    return programme_full(ctx, programme_id, lang)


def frame_records(df) -> list[dict]:  # noqa: ANN001 - DataFrame
    """The rows of ``df`` as dicts, missing values (None, NaN, NaT) as None."""
    return [
        {k: (None if v is None or v != v else v) for k, v in r.items()}
        for r in df.astype(object).where(df.notna(), None).to_dict("records")
    ]


@router.get("/occupations", response_model=list[OccupationOut])
def occupations(ctx: DbCtx) -> list[OccupationOut]:
    from guidance.store.catalogue import list_occupations

    return [OccupationOut(**o) for o in list_occupations(ctx.engine)]


@router.get(
    "/occupations/{code}",
    response_model=OccupationDetail,
    responses={404: {"model": ERRORS[422]["model"]}},
)
def occupation(
    ctx: DbCtx,
    code: Annotated[str, Path(max_length=16)],
    province: str | None = Query(
        None,
        pattern=r"^\d{2}$",
        description="the learner's province (one of the 34 codes): programmes nearest first",
        json_schema_extra=_province_enum,
    ),
    limit: int = Query(20, ge=1, le=100, description="programmes listed, at most"),
    lang: Lang = LangQuery,
) -> OccupationDetail:
    """An occupation the catalogue trains for: what the work is, its Holland letters in
    plain words, wage and demand by province (the served demand snapshots), and the
    programmes that train for it, nearest to ``province`` first. 404 ``not_found`` for an
    unknown code, 404 ``not_trained_for`` for an ISCO code no active offering targets."""
    return occupation_detail(ctx, code, province, limit, lang)


@router.get("/programme-occupations", response_model=list[ProgrammeOccupationsOut])
def programme_occupations(
    ctx: DbCtx,
    id: Annotated[  # noqa: A002 - the query parameter's name
        list[str], Query(max_length=MAX_IDS, description=f"programme ids, 1 to {MAX_IDS}")
    ],
) -> list[ProgrammeOccupationsOut]:
    """The occupations each programme trains for (names and Holland letters), in the order
    asked; unknown ids are left out. For result cards that link to occupation pages."""
    from guidance.explore import targets
    from guidance.store.catalogue import get_programme

    if any(len(i) > 64 for i in id):
        raise Unprocessable(
            "id: at most 64 characters",
            details=[
                {
                    "loc": ["query", "id"],
                    "msg": "too long",
                    "msg_vi": "quá dài",
                    "type": "string_too_long",
                }
            ],
        )
    out = []
    for pid in dict.fromkeys(id):
        prog = get_programme(ctx.engine, pid)
        if prog is not None:
            out.append(
                ProgrammeOccupationsOut(
                    programme_id=pid,
                    occupations=_briefs(_occupation_map(ctx), targets(prog["target_occupations"])),
                )
            )
    return out

"""The catalogue: accent- and case-blind search, programme details, occupations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from guidance.api.deps import Ctx, DbCtx, authorize
from guidance.api.errors import NotFound
from guidance.api.routes._util import finite
from guidance.api.schemas import (
    ERRORS,
    DemandRowOut,
    OccupationOut,
    OutcomesOut,
    ProgrammeDetail,
    ProgrammeOut,
    ProgrammePage,
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
    )


@router.get(
    "/programmes/{programme_id}",
    response_model=ProgrammeDetail,
    responses={404: {"model": ERRORS[422]["model"]}},
)
def programme(ctx: DbCtx, programme_id: Annotated[str, Path(max_length=64)]) -> ProgrammeDetail:
    """Details, observed outcomes (small-cell rule) and current demand for its occupations
    in its province."""
    from guidance.store.catalogue import get_programme
    from guidance.store.demand import get_demand, latest_period

    prog = get_programme(ctx.engine, programme_id)
    if prog is None:
        raise NotFound(f"no programme {programme_id!r}")
    period = latest_period(ctx.engine)
    rows: list[DemandRowOut] = []
    if period is not None:
        for occ in [c for c in str(prog["target_occupations"] or "").split(";") if c]:
            df = get_demand(
                ctx.engine, period=period, province=prog["province_code"], occupation=occ
            )
            rows += [DemandRowOut(**finite(r)) for r in _records(df)]
    return ProgrammeDetail(
        programme=ProgrammeOut(**prog),
        outcomes=_outcomes(ctx, programme_id),
        demand_period=period,
        demand=rows,
    )


def _records(df) -> list[dict]:  # noqa: ANN001 - DataFrame
    return [
        {k: (None if v is None or v != v else v) for k, v in r.items()}
        for r in df.astype(object).where(df.notna(), None).to_dict("records")
    ]


@router.get("/occupations", response_model=list[OccupationOut])
def occupations(ctx: DbCtx) -> list[OccupationOut]:
    from guidance.store.catalogue import list_occupations

    return [OccupationOut(**o) for o in list_occupations(ctx.engine)]

"""The catalogue: accent- and case-blind search, programme details, occupations."""

from __future__ import annotations

import math
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
MIN_CELL = 20  # the contract's small-cell rule: fewer graduates are never shown as a rate


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
    i = rec.cat.pos.get(programme_id)
    if i is None:  # inactive offerings are not in the recommender's catalogue
        return None
    side = rec.side
    n = int(side.n_grad[i])

    def shown(t: str) -> float | None:
        v = float(side.observed[t][i])
        return v if n >= MIN_CELL and math.isfinite(v) else None

    return OutcomesOut(
        n_graduates=n,
        small_cell=bool(0 < n < MIN_CELL),
        observed_employed_12m=shown("employed_12m"),
        observed_job_matches_training=shown("job_matches_training"),
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

"""Recommendations: one learner, what-if, and batches (JSON or CSV, up to 500 learners).
Every answer hands an audit row to the app's ``AuditWriter`` (written in batches by a
background thread): request id, profile HMAC, model version, demand period, top-k ids and
scores, latency; never the profile itself."""

from __future__ import annotations

import time
from typing import Annotated, cast

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from guidance.api.bodies import limiter, validate_json, validated
from guidance.api.deps import Caller, Ctx, DbCtx, ModelDep, authorize
from guidance.api.errors import Unprocessable, UnsupportedMediaType
from guidance.api.holder import Served
from guidance.api.routes._util import unprocessable
from guidance.api.schemas import (
    ERRORS,
    MAX_BATCH,
    BatchOut,
    BatchRequest,
    RecommendationOut,
    RecommendRequest,
    WhatIfOut,
    WhatIfRequest,
)
from guidance.api.security import Principal
from guidance.errors import InvalidProfile
from guidance.recommend.batch import known_provinces
from guidance.recommend.types import BatchRow

router = APIRouter(
    prefix="/api/v1", tags=["recommendations"], dependencies=[Depends(authorize)], responses=ERRORS
)


def _audit(
    ctx: Ctx,
    request: Request,
    principal: Principal,
    route: str,
    profile: dict,
    version: str,
    period: str,
    top: list[tuple[str, float]],
    t0: float,
    request_id: str | None = None,
) -> None:
    from guidance.store.audit import audit_row, profile_hash

    ctx.audit.submit(
        audit_row(
            request_id=request_id or request.state.request_id,
            route=route,
            role=principal.role,
            status=200,
            api_key_id=principal.key_id,
            latency_ms=(time.perf_counter() - t0) * 1e3,
            profile_hash=profile_hash(profile, key=ctx.secret),
            model_version=version,
            demand_period=period,
            top_k=top,
        )
    )


def _deadline(request: Request) -> float | None:
    """When the edge answers 503 for this request (set by ``LimitMiddleware``)."""
    return request.scope.get("state", {}).get("deadline")


def _json_body(model: type) -> object:
    """A dependency that reads the body and validates it as ``model`` off the event loop,
    a few at a time (``guidance.api.bodies``). The OpenAPI request body is declared by hand
    (``_body_doc``)."""

    async def read(request: Request) -> object:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and "json" not in ctype:
            raise Unprocessable(
                "send the body as application/json",
                details=[
                    {
                        "loc": ["body"],
                        "msg": "not JSON",
                        "msg_vi": "nội dung không phải JSON",
                        "type": "content_type",
                    }
                ],
            )
        raw = await request.body()
        return await validated(request.app.state.ctx.extra, model, raw)

    return Depends(read)


def _body_doc(name: str) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    }


RecommendBody = Annotated[RecommendRequest, _json_body(RecommendRequest)]
WhatIfBody = Annotated[WhatIfRequest, _json_body(WhatIfRequest)]


@router.post(
    "/recommendations",
    response_model=RecommendationOut,
    openapi_extra=_body_doc("RecommendRequest"),
)
def recommend(
    body: RecommendBody, request: Request, model: ModelDep, ctx: DbCtx, principal: Caller
) -> RecommendationOut:
    """Ranked offerings for one learner, with reasons, flags, model version and demand
    period."""
    t0 = time.perf_counter()
    with model.use(_deadline(request)) as recommender:  # domain errors: api.errors
        rec = recommender.recommend(body.profile, body.preferences, k=body.k, weights=body.weights)
    top = [(it.programme_id, it.score) for it in rec.items]
    _audit(
        ctx,
        request,
        principal,
        "recommendations",
        body.profile.model_dump(),
        rec.model_version,
        rec.demand_period,
        top,
        t0,
    )
    return RecommendationOut.model_construct(request_id=request.state.request_id, **dict(rec))


@router.post(
    "/recommendations/what-if", response_model=WhatIfOut, openapi_extra=_body_doc("WhatIfRequest")
)
def what_if(
    body: WhatIfBody, request: Request, model: ModelDep, ctx: DbCtx, principal: Caller
) -> WhatIfOut:
    """The same learner with some fields changed: which programmes enter, leave, move to
    another institution or change their figures, and why (no internal score)."""
    from guidance.recommend.whatif import what_if as run

    t0 = time.perf_counter()
    changes = body.changes.model_dump(exclude_unset=True)
    if not changes:
        raise Unprocessable("name at least one field to change")
    try:
        with model.use(_deadline(request)) as recommender:
            out = run(recommender, body.profile, body.preferences, changes, k=body.k)
    except ValidationError as exc:
        raise unprocessable(exc, "a change is not valid", ("body", "changes")) from None
    top = [(it.programme_id, it.score) for it in out.after.items]
    _audit(
        ctx,
        request,
        principal,
        "recommendations/what-if",
        body.profile.model_dump(),
        out.after.model_version,
        out.after.demand_period,
        top,
        t0,
    )
    return WhatIfOut.model_construct(
        request_id=request.state.request_id,
        model_version=out.after.model_version,
        demand_period=out.after.demand_period,
        changes=out.changes,
        before=out.before.items,
        after=out.after.items,
        entered=out.entered,
        left=out.left,
        changed=out.changed,
    )


_BATCH_BODY = {
    "responses": {
        "415": {
            "description": "neither application/json nor text/csv",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
    },
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}},
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "one learner per row; columns are LearnerProfile fields",
                }
            },
        },
    },
}


def _parse(
    raw: bytes, ctype: str, provinces: frozenset[str] | None = None
) -> tuple[BatchRequest, list[int] | None]:
    """The batch body as JSON or CSV, and the CSV's spreadsheet row of each learner (run in
    the thread pool: at the 1 MiB limit, parsing and validating take milliseconds that the
    event loop must not spend)."""
    if ctype == "text/csv":
        return _parse_csv(raw, provinces)
    if ctype in ("application/json", ""):
        return cast(BatchRequest, validate_json(BatchRequest, raw)), None
    raise UnsupportedMediaType("send application/json or text/csv")


def _parse_csv(
    raw: bytes, provinces: frozenset[str] | None = None
) -> tuple[BatchRequest, list[int]]:
    """A class list by the one row parser (``recommend.learner_rows``, also the command
    line's): every error at once, each with its spreadsheet row, column and rule in
    Vietnamese and English (the first ``MAX_ERRORS``, and how many there were)."""
    from guidance.recommend.learner_rows import RowError, parse_csv_text

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        err = RowError(
            None,
            None,
            "utf8",
            "tệp không phải văn bản UTF-8 (trong Excel: Lưu thành → CSV UTF-8)",
            "the file is not UTF-8 text (in Excel: Save As → CSV UTF-8)",
        )
        raise Unprocessable("the CSV is not UTF-8", details=[err.to_dict()]) from None
    parsed = parse_csv_text(text, max_rows=MAX_BATCH, provinces=provinces)
    if parsed.errors:
        n = parsed.errors.total
        raise Unprocessable(
            f"{n} error{'s' if n != 1 else ''} in the CSV; no learner was ranked",
            details=[e.to_dict() for e in parsed.errors.kept],
            details_total=n,
        )
    rows = [row for row, _, _ in parsed.learners]
    learners = [{"profile": p, "preferences": q} for _, p, q in parsed.learners]
    return BatchRequest.model_validate({"learners": learners}), rows


@router.post("/recommendations/batch", response_model=BatchOut, openapi_extra=_BATCH_BODY)
async def batch(request: Request, model: ModelDep, ctx: DbCtx, principal: Caller) -> BatchOut:
    """Counsellors: up to 500 learners at once, as JSON (``BatchRequest``) or CSV."""
    raw = await request.body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    provinces = known_provinces(model.recommender) if ctype == "text/csv" else None
    body, rows = await anyio.to_thread.run_sync(
        _parse, raw, ctype, provinces, limiter=limiter(request.app.state.ctx.extra)
    )
    return await run_in_threadpool(_run_batch, body, request, model, ctx, principal, rows)


def _run_batch(
    body: BatchRequest,
    request: Request,
    model: Served,
    ctx: Ctx,
    principal: Principal,
    rows: list[int] | None = None,
) -> BatchOut:
    results: list[BatchRow] = []
    rid = request.state.request_id
    for i, learner in enumerate(body.learners):
        t0 = time.perf_counter()
        try:
            with model.use(_deadline(request)) as recommender:
                rec = recommender.recommend(
                    learner.profile, learner.preferences, k=body.k, explain=False
                )
        except InvalidProfile as exc:  # 422 as in api.errors, naming the CSV row or JSON item
            where = f"row {rows[i]}" if rows else f"learners[{i}]"
            raise Unprocessable(
                f"{where} cannot be ranked: {exc.message_en}",
                details=[
                    {
                        "index": i,
                        "row": rows[i] if rows else None,
                        "column": exc.field,
                        "loc": [exc.field] if exc.field else [],
                        "type": exc.rule or exc.code,
                        **exc.details(),
                    }
                ],
            ) from None
        top = [(it.programme_id, it.score) for it in rec.items]
        _audit(
            ctx,
            request,
            principal,
            "recommendations/batch",
            learner.profile.model_dump(),
            rec.model_version,
            rec.demand_period,
            top,
            t0,
            request_id=f"{rid}:{i}",
        )
        results.append(BatchRow.of(i, learner.profile.learner_id, rec))
    return BatchOut.model_construct(
        request_id=rid,
        model_version=model.version,
        demand_period=model.demand_period,
        results=results,
    )

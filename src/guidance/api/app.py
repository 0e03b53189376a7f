"""The application factory and its lifespan.

``create_app(settings)`` builds everything the app needs into ``app.state.ctx`` (no module
globals); the lifespan migrates the database and starts the model watcher, which loads the
catalogue, the newest demand and the model in the background, so ``/readyz`` answers 503
(and why) until all are in place.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from guidance.settings import Settings, get_settings

log = logging.getLogger("guidance.api")
DESCRIPTION = """Career guidance for vocational training: recommendations, the training
catalogue, labour demand, feedback and audit. Send `X-API-Key` for counsellor and admin
routes; public routes need no key."""


DOCS_ASSETS = "/docs/assets"
# Swagger UI's files, from the pinned PyPI package swagger-ui-bundle (no CDN, works offline)
_DOCS_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


def _docs_html(app: FastAPI) -> str:
    from fastapi.openapi.docs import get_swagger_ui_html

    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        swagger_ui_parameters=app.swagger_ui_parameters,
    ).body.decode("utf-8")


def _docs_csp(html: str) -> str:
    """CSP for the docs page: everything from the service itself, plus the hash of the
    page's one inline script (no 'unsafe-inline', no CDN)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


def _docs_router(app: FastAPI, html: str, dependencies: list) -> Any:
    """``GET /docs`` and its assets, served from the installed package's files (a fixed
    list: no path from the request reaches the disk)."""
    from pathlib import Path

    import swagger_ui_bundle
    from fastapi import APIRouter
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

    from guidance.api.errors import error_body

    root = Path(swagger_ui_bundle.swagger_ui_path)
    files = {name: root / name for name in _DOCS_FILES if (root / name).is_file()}
    r = APIRouter(include_in_schema=False, dependencies=dependencies)

    @r.get("/docs", response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(html)

    @r.get(DOCS_ASSETS + "/{name}")
    def docs_asset(name: str) -> Any:
        path = files.get(name)
        if path is None:
            return JSONResponse(error_body(404, "not_found", "no such file", None), 404)
        return FileResponse(
            path, media_type=_DOCS_FILES[name], headers={"Cache-Control": "public, max-age=86400"}
        )

    return r


def _province_enums(schema: dict) -> None:
    """Document province codes as the packaged list of the 34 provinces (an unknown code is
    a 422, so the schema says which codes are valid)."""
    from guidance import reference

    codes = sorted(reference.provinces()["province_code"].astype(str))
    # a learner may type a pre-2025 code (read through the crosswalk), also as a JSON number
    typed = sorted(set(codes) | set(reference.province_crosswalk()["old_code"].astype(str)))
    one_code = [
        {"type": "string", "enum": typed},
        {"type": "integer", "enum": [int(c) for c in typed]},
    ]
    comps = schema.get("components", {}).get("schemas", {})
    for name in ("LearnerProfile", "WhatIfChanges"):
        prop = comps.get(name, {}).get("properties", {}).get("home_province_code")
        if prop is not None:
            prop.pop("anyOf", None)
            prop.pop("type", None)
            prop["anyOf"] = one_code
    for name in ("Preferences", "WhatIfChanges"):  # a list of them (an unknown one: 422)
        prop = comps.get(name, {}).get("properties", {}).get("provinces")
        for alt in (prop or {}).get("anyOf", []):
            if alt.get("type") == "array":
                alt["items"] = {"anyOf": one_code}
    for path, ops in schema.get("paths", {}).items():  # the statistics' province filter
        if path.startswith("/api/v1/stats"):
            for op in ops.values():
                for prm in op.get("parameters", []):
                    if prm.get("name") == "province":
                        prm["schema"] = {
                            "anyOf": [{"type": "string", "enum": codes}, {"type": "null"}]
                        }


NO_NUL = "^[^\\u0000]*$"


def _no_nul(node: Any) -> None:
    """Every free string in the schema excludes NUL, which the edge refuses (422)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "enum", "format", "const"} & set(node):
            node["pattern"] = NO_NUL
        for v in node.values():
            _no_nul(v)
    elif isinstance(node, list):
        for v in node:
            _no_nul(v)


def _components(schema: dict) -> None:
    """Models the routes reference by hand (``openapi_extra``) but FastAPI cannot see:
    the JSON bodies of ``/recommendations``, ``/what-if`` and ``/batch`` (validated in the
    thread pool, see ``routes/recommendations.py``) and their parts."""
    from guidance.api.schemas import BatchRequest, RecommendRequest, WhatIfRequest

    comps = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (BatchRequest, RecommendRequest, WhatIfRequest):
        extra = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in extra.pop("$defs", {}).items():
            comps.setdefault(name, definition)
        comps.setdefault(model.__name__, extra)


_ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
_EDGE = {
    401: "unknown or revoked API key",
    403: "the key's role may not use this route",
    404: "no such resource",
    413: "the body exceeds this route's limit",
    422: "the request is not valid (including a NUL character anywhere)",
    429: "rate limit reached (Retry-After)",
    503: "overloaded, timed out, database or model not available (Retry-After)",
}


def _edge_responses(schema: dict) -> None:
    """Declare the answers the edge can give on each operation (all with the error body):
    401 for a wrong key anywhere; 403 where a role is refused; 404 with a path parameter;
    413 with a body; 422 everywhere (NUL); 429 and 503 except on the never-limited probes."""
    from guidance.api.limits import UNSHED
    from guidance.api.security import ACCESS, ANYONE

    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            codes = {401, 422}
            if ACCESS.get((method.upper(), path)) != ANYONE:
                codes.add(403)
            if "{" in path:
                codes.add(404)
            if "requestBody" in op:
                codes.add(413)
            if path not in UNSHED:
                codes |= {429, 503}
            responses = op.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), {"description": _EDGE[code], "content": _ERROR_REF})


def _openapi_with_access(app: FastAPI) -> Any:
    """The OpenAPI schema with each operation's security taken from the access matrix:
    public routes declare the key optional (``{}``), the others require it."""
    from fastapi.openapi.utils import get_openapi

    from guidance.api.security import ACCESS, PUBLIC

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            _components(schema)
            _edge_responses(schema)
            _province_enums(schema)
            _no_nul(schema)
            for path, ops in schema.get("paths", {}).items():
                for method, op in ops.items():
                    allowed = ACCESS.get((method.upper(), path), frozenset())
                    if PUBLIC in allowed:
                        op["security"] = [{}, {"APIKeyHeader": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def _source(settings: Settings) -> Any:
    from guidance.api.holder import FileSource, RegistrySource

    if settings.model_path is not None:
        return FileSource(settings.model_path)
    return RegistrySource(settings.mlflow_tracking_uri, settings.registered_model_name)


def _ensure_db(ctx: Any) -> bool:
    """Migrate once; until that works the app is not ready (and says why)."""
    if ctx.db_ready:
        return True
    from guidance.store.migrate import upgrade

    try:
        upgrade(ctx.engine)
    except Exception as exc:  # noqa: BLE001 - any failure: not ready, retry at next poll
        ctx.db_error = f"database not reachable or not migrated ({type(exc).__name__})"
        log.warning("database not ready: %s", type(exc).__name__)
        return False
    ctx.db_ready, ctx.db_error = True, None
    return True


@asynccontextmanager
async def lifespan(app: FastAPI):  # noqa: ANN201 - async generator
    ctx = app.state.ctx
    if await run_in_threadpool(_ensure_db, ctx):
        await run_in_threadpool(ctx.jobs.recover)  # jobs left running by a dead process
    ctx.audit.start()
    ctx.holder.start()
    ctx.jobs.start()
    try:
        yield
    finally:
        await run_in_threadpool(ctx.jobs.stop)  # a running job ends failed, uncommitted
        ctx.holder.stop()
        # in-flight requests have finished: write their audit rows before the pool closes
        await run_in_threadpool(ctx.audit.close)
        ctx.engine.dispose()
        ctx.metrics.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app for ``settings`` (default: the environment's)."""
    from fastapi import Depends

    from guidance import __version__
    from guidance.api import errors
    from guidance.api.deps import Ctx, authorize, server_secret
    from guidance.api.holder import ModelHolder, quiet_mlflow
    from guidance.api.limits import (
        STRICT_CSP,
        EdgeMiddleware,
        LimitMiddleware,
        TrustedHosts,
        binary_bodies,
        body_limits,
    )
    from guidance.api.metrics import Metrics
    from guidance.api.routes import (
        catalogue,
        demand,
        feedback,
        models,
        ops,
        recommendations,
        stats,
        tracer,
    )
    from guidance.api.security import API, RateLimiter, TrustedProxies
    from guidance.store.audit import AuditWriter
    from guidance.store.db import make_engine
    from guidance.web import install as install_pages

    settings = settings or get_settings()
    quiet_mlflow()  # no MLflow progress bars in the server's log
    # no trailing-slash redirects (a redirect would be built from the Host header); the
    # docs are served by _docs_router, from the service's own files
    app = FastAPI(
        title="guidance",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        redoc_url=None,
        docs_url=None,
        swagger_ui_oauth2_redirect_url=None,
        redirect_slashes=False,
    )
    engine = make_engine(settings.database_url)
    metrics = Metrics()
    ctx_ref: dict[str, Any] = {}
    holder = ModelHolder(
        engine,
        _source(settings),
        poll_seconds=settings.model_poll_seconds,
        demand_months=settings.demand_months,
        shortlist=settings.shortlist,
        db_ready=lambda: _ensure_db(ctx_ref["ctx"]),
    )
    holder.listeners.append(metrics.served)
    ctx = Ctx(
        settings=settings,
        engine=engine,
        holder=holder,
        metrics=metrics,
        public_limiter=RateLimiter(settings.rate_limit_public_per_minute),
        key_limiter=RateLimiter(settings.rate_limit_key_per_minute),
        secret=server_secret(settings),
        audit=AuditWriter(engine),
        proxies=TrustedProxies(settings.trusted_proxies),
    )
    ctx_ref["ctx"] = ctx
    from guidance.api.limits import ROUTE_LIMITS, RouteLimits
    from guidance.api.security import ACCESS

    # built here so that a route budget naming no route stops the start, not a request
    ctx.extra[ROUTE_LIMITS] = RouteLimits(settings, access=ACCESS)
    from guidance.api.stats_cache import StatsCache

    ctx.stats = StatsCache(
        engine,
        holder,
        check_seconds=settings.stats_check_seconds,
        demand_months=settings.demand_months,
        first_wait=0.7 * settings.request_timeout_seconds,
    )
    from guidance.api.jobs import JobRunner

    ctx.jobs = JobRunner(engine)
    ctx.jobs.register(
        demand.KIND, lambda job, progress: demand.run_demand_upload(ctx, job, progress)
    )
    ctx.jobs.register(
        tracer.KIND, lambda job, progress: tracer.run_tracer_submission(ctx, job, progress)
    )
    ctx.jobs.register(models.KIND, lambda job, progress: models.run_promotion(ctx, job, progress))
    app.state.ctx = ctx
    errors.install(app)
    from guidance.api.routes import audit as audit_routes

    for module in (
        ops,
        recommendations,
        catalogue,
        demand,
        feedback,
        audit_routes,
        models,
        tracer,
        stats,
    ):
        app.include_router(module.router)
    install_pages(app, dependencies=[Depends(authorize)])
    from guidance.api.routes import cases
    from guidance.web import staff

    app.include_router(cases.router)
    app.include_router(staff.router([Depends(authorize)]))
    docs_html = _docs_html(app)
    app.include_router(_docs_router(app, docs_html, [Depends(authorize)]))
    app.openapi = _openapi_with_access(app)  # type: ignore[method-assign]
    docs_csp = _docs_csp(docs_html)
    app.add_middleware(
        LimitMiddleware,
        max_body=settings.max_body_bytes,
        limits=body_limits(settings, API),
        max_concurrency=settings.max_concurrency,
        timeout=settings.request_timeout_seconds,
        metrics=metrics,
        upload_timeout=settings.upload_timeout_seconds,
        binary=binary_bodies(API),
    )
    app.add_middleware(TrustedHosts, allowed=settings.allowed_hosts)
    app.add_middleware(
        EdgeMiddleware,
        metrics=metrics,
        csp_for=lambda path: docs_csp if path.startswith("/docs") else STRICT_CSP,
    )
    return app

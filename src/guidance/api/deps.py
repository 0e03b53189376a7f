"""Typed dependencies: the application context (in ``app.state``, never a module global),
the caller, and the model currently served."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool

from guidance.api.errors import DatabaseUnavailable
from guidance.api.security import (
    Principal,
    TrustedProxies,
    api_key_header,
    authenticate,
    authorize_principal,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from guidance.api.holder import ModelHolder, Served
    from guidance.api.metrics import Metrics
    from guidance.api.security import RateLimiter
    from guidance.settings import Settings
    from guidance.store.audit import AuditWriter


@dataclass
class Ctx:
    settings: Settings
    engine: Engine
    holder: ModelHolder
    metrics: Metrics
    public_limiter: RateLimiter
    key_limiter: RateLimiter
    secret: bytes
    audit: AuditWriter
    proxies: TrustedProxies = field(default_factory=TrustedProxies)
    db_ready: bool = False
    db_error: str | None = None
    jobs: Any = None  # guidance.api.jobs.JobRunner (long uploads off the request workers)
    extra: dict[str, Any] = field(default_factory=dict)
    stats: Any = None  # guidance.api.stats_cache.StatsCache (the published statistics)

    def require_db(self) -> None:
        if not self.db_ready:
            raise DatabaseUnavailable(
                self.db_error or "the database is not ready yet", headers={"Retry-After": "5"}
            )


# The dependencies are ``async def`` because they only read memory: FastAPI runs a sync
# dependency in its thread pool, one hop per dependency per request. The one that can
# touch the database (a key lookup) hands just that step to the pool.
async def get_ctx(request: Request) -> Ctx:
    return request.app.state.ctx


async def authorize(request: Request, key: str | None = Security(api_key_header)) -> Principal:
    """Authenticate (``X-API-Key``), then check the access matrix and the rate limit."""
    if key:
        principal = await run_in_threadpool(authenticate, request, key)
    else:
        principal = authenticate(request, key)  # public: no database
    return authorize_principal(request, principal)


CtxDep = Annotated[Ctx, Depends(get_ctx)]


async def db_ctx(ctx: CtxDep) -> Ctx:
    ctx.require_db()
    return ctx


DbCtx = Annotated[Ctx, Depends(db_ctx)]
Caller = Annotated[Principal, Depends(authorize)]


async def served(ctx: DbCtx) -> Served:
    """The model object this request uses from start to end (a swap does not affect it)."""
    return ctx.holder.require()


ModelDep = Annotated["Served", Depends(served)]


def server_secret(settings: Settings) -> bytes:
    """The HMAC key for profile hashes: the setting, else ``var_dir/api_secret``
    (created on first run, readable by the owner only)."""
    if settings.api_secret:
        return settings.api_secret.encode("utf-8")
    path = Path(settings.var_dir) / "api_secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(32), encoding="utf-8")
        tmp.chmod(0o600)
        with contextlib.suppress(OSError):  # another worker may have won the race
            tmp.replace(path) if not path.exists() else tmp.unlink()
    return path.read_text(encoding="utf-8").strip().encode("utf-8")

"""Domain exceptions and their one mapping to HTTP.

Bodies are always ``{"error": {"code", "message", "request_id", "details"?}}``: never a
stack trace, never SQL (``StoreError`` messages hold SQL, so they are logged by class only).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("guidance.api")


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a client-safe message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers


class NotAuthenticated(ApiError):
    status, code = 401, "not_authenticated"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class Unprocessable(ApiError):
    status, code = 422, "validation_error"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class ServiceUnavailable(ApiError):
    status, code = 503, "unavailable"


class ModelNotReady(ServiceUnavailable):
    code = "model_not_ready"


class ModelBusy(ServiceUnavailable):
    code = "model_busy"


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"


def error_body(status: int, code: str, message: str, request_id: str | None,
               details: Any = None) -> dict:
    err: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if details is not None:
        err["details"] = details
    return {"error": err}


def _rid(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _json(request: Request, status: int, code: str, message: str, details: Any = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, _rid(request), details),
                        status_code=status, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict]:
    """Where and why, without echoing the submitted values (they may be personal)."""
    out = []
    for e in exc.errors():
        out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", ""))})
    return out


def install(app: FastAPI) -> None:
    """Register the handlers: the only place where exceptions become HTTP responses."""
    from sqlalchemy.exc import DataError, SQLAlchemyError

    from guidance.store.audit import AuditBacklogFull
    from guidance.store.db import StoreError

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _json(request, exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _json(request, 422, "validation_error", "the request is not valid",
                     _validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed",
                413: "payload_too_large", 422: "validation_error"}.get(exc.status_code, "http_error")
        return _json(request, exc.status_code, code, str(exc.detail), headers=exc.headers)

    async def _db_down(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DataError) or isinstance(exc.__cause__, DataError):
            # the database refused a value (e.g. a NUL character): the client's input
            return _json(request, 422, "validation_error",
                         "a value in the request cannot be used (e.g. a NUL character)")
        log.error("database error on %s: %s", request.url.path, type(exc).__name__)
        return _json(request, 503, "database_unavailable",
                     "the database is not available; try again later",
                     headers={"Retry-After": "5"})

    @app.exception_handler(AuditBacklogFull)
    async def _audit_full(request: Request, exc: AuditBacklogFull) -> JSONResponse:
        log.error("audit backlog full on %s", request.url.path)
        return _json(request, 503, "audit_unavailable",
                     "the audit log cannot be written at the moment; try again later",
                     headers={"Retry-After": "5"})

    app.add_exception_handler(StoreError, _db_down)
    app.add_exception_handler(SQLAlchemyError, _db_down)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on %s", type(exc).__name__, request.url.path)
        return _json(request, 500, "internal_error", "internal error")

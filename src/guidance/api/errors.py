"""Domain exceptions and their one mapping to HTTP.

Bodies are always ``{"error": {"code", "message", "request_id", "details"?}}``: never a
stack trace, never SQL (``StoreError`` messages hold SQL, so they are logged by class only).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from guidance.errors import GuidanceError, InvalidProfile, ModelNotLoaded, UnknownProgramme
from guidance.recommend.learner_rows import rule_vi  # shared with the spreadsheet rows

log = logging.getLogger("guidance.api")


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a client-safe message."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
        details_total: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers
        self.details_total = details_total  # when ``details`` was already cut by the raiser
        self.extra = extra  # further fields of the error object (e.g. ``error_file_url``)


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


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class ServiceUnavailable(ApiError):
    status, code = 503, "unavailable"


class ModelBusy(ServiceUnavailable):
    code = "model_busy"


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"


MAX_DETAILS = 1000  # any error's details list
MAX_VALIDATION_DETAILS = 20  # request validation: the first 20, and how many there were
MAX_MESSAGE = 1000  # characters of a message (and of a string inside details)


def _short(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounded(value: Any, cap: int, depth: int = 0) -> Any:
    """Lists inside details are capped at ``cap`` items and strings shortened, so no error
    body grows with the input."""
    if isinstance(value, str):
        return _short(value)
    if depth > 4:
        return None
    if isinstance(value, dict):
        return {str(k)[:100]: _bounded(v, cap, depth + 1) for k, v in list(value.items())[:cap]}
    if isinstance(value, (list, tuple)):
        return [_bounded(v, cap, depth + 1) for v in list(value[:cap])]
    return value


def error_body(
    status: int,
    code: str,
    message: str,
    request_id: str | None,
    details: Any = None,
    cap: int = MAX_DETAILS,
) -> dict:
    """The one error body. A ``details`` list longer than ``cap`` keeps its first ``cap``
    items and says ``details_total`` (the full count) and ``details_truncated``."""
    err: dict[str, Any] = {"code": code, "message": _short(str(message)), "request_id": request_id}
    if details is not None:
        if isinstance(details, (list, tuple)) and len(details) > cap:
            err["details_total"] = len(details)
            err["details_truncated"] = True
        err["details"] = _bounded(details, cap)
    return {"error": err}


def _rid(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _json(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
    cap: int = MAX_DETAILS,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, code, message, _rid(request), details, cap),
        status_code=status,
        headers=headers,
    )


def validation_details(errors: Sequence[Mapping[str, Any]], prefix: tuple = ()) -> list[dict]:
    """THE details of a 422 for pydantic ``errors``: where (``loc``, after ``prefix``) and
    which rule, in English (``msg``) and Vietnamese (``msg_vi``), without echoing the
    submitted values (they may be personal); the first ``MAX_VALIDATION_DETAILS`` only."""
    return [
        {
            "loc": [str(x)[:200] for x in (*prefix, *e.get("loc", ()))][:20],
            "msg": str(e.get("msg", ""))[:500],
            "msg_vi": rule_vi(e)[:500],
            "type": str(e.get("type", ""))[:100],
        }
        for e in errors[:MAX_VALIDATION_DETAILS]
    ]


def _validation_details(exc: RequestValidationError) -> tuple[list[dict], int]:
    """The details of a request validation error, and how many errors there were."""
    errors = exc.errors()
    return validation_details(errors), len(errors)


# FastAPI answers a body it cannot decode (not UTF-8, nested too deep) with a bare 400;
# everywhere else a body that is not valid JSON is a 422, so this one is too.
_PARSE_ERROR = "There was an error parsing the body"

_DATA_ERROR_NAMES = frozenset(
    {
        "DataError",
        "NumericValueOutOfRange",
        "OverflowError",
        "StringDataRightTruncation",
        "InvalidTextRepresentation",
        "CharacterNotInRepertoire",
        "UntranslatableCharacter",
        "InvalidDatetimeFormat",
        "DatetimeFieldOverflow",
    }
)


def is_data_error(exc: BaseException | None, depth: int = 0) -> bool:
    """Did the database refuse a VALUE (the client's input) rather than fail itself? Looks
    at the exception, its ``.orig`` (SQLAlchemy's ``StatementError``) and its ``__cause__``
    / ``__context__`` (``StoreError`` wraps), a few levels deep. psycopg's ``DataError``
    family, SQLAlchemy's ``DataError``, sqlite3's and Python's ``OverflowError`` (an
    integer too large for SQLite) count."""
    if exc is None or depth > 6:
        return False
    from sqlalchemy.exc import DataError

    if isinstance(exc, (DataError, OverflowError)):
        return True
    if any(
        c.__name__ in _DATA_ERROR_NAMES
        and c.__module__.split(".")[0]
        in ("psycopg", "sqlite3", "psycopg2", "builtins", "sqlalchemy")
        for c in type(exc).__mro__
    ):
        return True
    return any(
        is_data_error(nxt, depth + 1)
        for nxt in (getattr(exc, "orig", None), exc.__cause__, exc.__context__)
        if nxt is not exc
    )


# the one mapping of the core's domain errors to HTTP (most specific class first)
DOMAIN_STATUS: tuple[tuple[type[GuidanceError], int], ...] = (
    (InvalidProfile, 422),
    (UnknownProgramme, 404),
    (ModelNotLoaded, 503),
    (GuidanceError, 422),
)


def domain_status(exc: GuidanceError) -> int:
    """The HTTP status of a domain error."""
    return next(status for cls, status in DOMAIN_STATUS if isinstance(exc, cls))


def install(app: FastAPI) -> None:
    """Register the handlers: the only place where exceptions become HTTP responses."""
    from sqlalchemy.exc import SQLAlchemyError

    from guidance.store.audit import AuditBacklogFull
    from guidance.store.db import StoreError

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        body = error_body(exc.status, exc.code, exc.message, _rid(request), exc.details)
        shown = len(exc.details) if isinstance(exc.details, list) else 0
        if exc.details_total is not None and exc.details_total > shown:
            body["error"].update(details_total=exc.details_total, details_truncated=True)
        for k, v in (exc.extra or {}).items():
            body["error"].setdefault(k, v)
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(GuidanceError)
    async def _domain(request: Request, exc: GuidanceError) -> JSONResponse:
        status = domain_status(exc)
        headers = {"Retry-After": "5"} if status == 503 else None
        return _json(request, status, exc.code, exc.message_en, exc.details(), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details, total = _validation_details(exc)
        body = error_body(
            422,
            "validation_error",
            "the request is not valid / yêu cầu không hợp lệ",
            _rid(request),
            details,
        )
        if total > len(details):
            body["error"].update(details_total=total, details_truncated=True)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _PARSE_ERROR:
            return _json(
                request,
                422,
                "validation_error",
                "the body is not valid JSON (not UTF-8, or nested too deeply)",
                [
                    {
                        "loc": ["body"],
                        "msg": "JSON decode error",
                        "msg_vi": rule_vi({"type": "json_invalid"}),
                        "type": "json_invalid",
                    }
                ],
            )
        code = {
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            422: "validation_error",
        }.get(exc.status_code, "http_error")
        headers = dict(exc.headers) if exc.headers else None
        return _json(request, exc.status_code, code, str(exc.detail), headers=headers)

    async def _db_down(request: Request, exc: Exception) -> JSONResponse:
        if is_data_error(exc):
            # the database refused a value (e.g. a NUL character): the client's input
            return _json(
                request,
                422,
                "validation_error",
                "a value in the request cannot be used (e.g. a NUL character)",
            )
        log.error("database error on %s: %s", request.url.path, type(exc).__name__)
        return _json(
            request,
            503,
            "database_unavailable",
            "the database is not available; try again later",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(AuditBacklogFull)
    async def _audit_full(request: Request, exc: AuditBacklogFull) -> JSONResponse:
        log.error("audit backlog full on %s", request.url.path)
        return _json(
            request,
            503,
            "audit_unavailable",
            "the audit log cannot be written at the moment; try again later",
            headers={"Retry-After": "5"},
        )

    app.add_exception_handler(StoreError, _db_down)
    app.add_exception_handler(SQLAlchemyError, _db_down)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on %s", type(exc).__name__, request.url.path)
        return _json(request, 500, "internal_error", "internal error")

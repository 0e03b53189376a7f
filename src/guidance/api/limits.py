"""Edge middleware (pure ASGI): request id, security headers, access log without personal
data, metrics, trusted ``Host`` values (400), body-size limits per route (413), bounded
concurrency (503 shedding) and a per-request timeout (503). Health and metrics routes are
never shed, so probes still answer under load.

Body limits, the one table (:func:`body_limits`, settable through ``Settings``):

=====================================  ===============================  ===========
route                                  setting (``GUIDANCE_…``)          default
=====================================  ===============================  ===========
``POST /api/v1/recommendations``       ``MAX_PUBLIC_BODY_BYTES``         64 KiB
``POST /api/v1/recommendations/what-if`` ``MAX_PUBLIC_BODY_BYTES``       64 KiB
``POST /api/v1/recommendations/batch`` ``MAX_BATCH_BODY_BYTES``          1 MiB
``PUT /api/v1/demand/{period}``        ``MAX_UPLOAD_BYTES``              64 MiB
``PUT /api/v1/institutions/{id}/tracer/{cohort}/{wave}`` ``MAX_UPLOAD_BYTES``  64 MiB
any other route                        ``MAX_BODY_BYTES``                1 MiB
=====================================  ===============================  ===========

A body beyond its limit is refused with 413 before it is parsed, whether the limit is
exceeded by the declared ``Content-Length`` or while the body streams in. A NUL byte in a
body is refused (422), except on the routes of :func:`binary_bodies`: a tracer submission
may be an XLSX workbook (a zip file, full of NUL bytes), and the route itself names the
problem of a text file holding NUL bytes (UTF-16, binary data).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException

from guidance.api.errors import error_body

log = logging.getLogger("guidance.api.access")

UNSHED = ("/healthz", "/readyz", "/metrics")
STRICT_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``: an HTTPException so that FastAPI's body parsing passes it
    through (it turns other exceptions into a 400) and the error handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


async def _send_json(send: Any, status: int, body: dict, headers: list | None = None) -> None:
    raw = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(raw)).encode()),
            ]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": raw})


class EdgeMiddleware:
    """Outermost layer: request id, headers on every response, access log, metrics."""

    def __init__(self, app: Any, *, metrics: Any, csp_for: Any) -> None:
        self.app, self.metrics, self.csp_for = app, metrics, csp_for

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        t0 = time.perf_counter()
        status = 500
        csp = self.csp_for(scope["path"]).encode()

        async def send_wrapped(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"server", b"x-powered-by")
                ]
                # a route that states its own caching (public statistics, docs assets)
                # keeps it; every other answer is no-store
                own = any(k.lower() == b"cache-control" for k, _ in headers)
                headers += [h for h in SECURITY_HEADERS if not (own and h[0] == b"cache-control")]
                headers += [(b"content-security-policy", csp), (b"x-request-id", rid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            dt = time.perf_counter() - t0
            self.metrics.observe(scope["method"], template, status, dt)
            # route template only: never the query string or the body (personal data)
            log.info("%s %s %d %.1fms rid=%s", scope["method"], template, status, dt * 1e3, rid)


class _NulCharacter(HTTPException):
    """NUL is never valid here, and PostgreSQL cannot store or compare it: refusing it at the
    edge keeps both engines answering the same (422)."""

    def __init__(self) -> None:
        super().__init__(422, "the request contains a NUL character")


def _has_nul(data: bytes) -> bool:
    return any(m in data for m in (b"\x00", b"\\u0000"))


def body_limits(settings: Any, api: str = "/api/v1") -> list[tuple[str, str, bool, int]]:
    """The table of body limits: ``(method, path, is_prefix, bytes)``, first match wins;
    a request matching none gets ``settings.max_body_bytes``."""
    return [
        ("POST", f"{api}/recommendations", False, settings.max_public_body_bytes),
        ("POST", f"{api}/recommendations/what-if", False, settings.max_public_body_bytes),
        ("POST", f"{api}/recommendations/batch", False, settings.max_batch_body_bytes),
        ("PUT", f"{api}/demand/", True, settings.max_upload_bytes),
        ("PUT", f"{api}/institutions/", True, settings.max_upload_bytes),
    ]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def binary_bodies(api: str = "/api/v1") -> list[tuple[str, str]]:
    """``(method, path prefix)`` whose bodies may hold NUL bytes (the route checks)."""
    return [("PUT", f"{api}/institutions/")]


def _host_of(value: str) -> str:
    """The host part of a ``Host`` header (``[::1]:8000`` → ``[::1]``), lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class TrustedHosts:
    """400 for a ``Host`` header not in ``allowed`` (``*`` allows any, ``*.example.org``
    its subdomains), so nothing the app builds from the host (a redirect, an absolute URL)
    can name a host an attacker chose. Probes are exempt: orchestrators call them by IP."""

    def __init__(self, app: Any, *, allowed: list[str]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.exact = {h.strip().lower() for h in allowed if not h.startswith("*.")}
        self.suffixes = tuple(h.strip().lower()[1:] for h in allowed if h.startswith("*."))

    def allowed(self, host: str) -> bool:
        return (
            self.any or host in self.exact or (bool(self.suffixes) and host.endswith(self.suffixes))
        )

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.any or scope["path"] in UNSHED:
            await self.app(scope, receive, send)
            return
        hosts = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"]
        if len(hosts) == 1 and self.allowed(_host_of(hosts[0])):
            await self.app(scope, receive, send)
            return
        rid = scope.get("state", {}).get("request_id")
        await _send_json(
            send,
            400,
            error_body(
                400,
                "host_not_allowed",
                "the Host header names a host this service does not serve",
                rid,
            ),
        )


class LimitMiddleware:
    """413 beyond the route's body limit (declared or streamed), 503 beyond
    ``max_concurrency`` in-flight requests or after ``timeout`` seconds."""

    def __init__(
        self,
        app: Any,
        *,
        max_body: int,
        limits: list[tuple[str, str, bool, int]],
        max_concurrency: int,
        timeout: float,
        metrics: Any,
        upload_timeout: float | None = None,
        binary: list[tuple[str, str]] | None = None,
    ) -> None:
        self.app = app
        self.binary = binary or []
        self.upload_timeout = max(timeout, upload_timeout or timeout)
        self.max_body, self.limits = max_body, limits
        self.max_concurrency, self.timeout, self.metrics = max_concurrency, timeout, metrics
        self.in_flight = 0

    def _limit(self, scope: dict) -> int:
        method, path = scope["method"], scope["path"]
        for m, p, prefix, limit in self.limits:
            if m == method and (path.startswith(p) if prefix else path == p):
                return limit
        return self.max_body

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = scope.get("state", {}).get("request_id")
        limit = self._limit(scope)
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    declared = -1
                if declared > limit:
                    await self._too_large(send, limit, rid)
                    return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            await _send_json(
                send,
                422,
                error_body(422, "validation_error", "the request contains a NUL character", rid),
            )
            return
        if scope["path"] in UNSHED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_concurrency:
            self.metrics.shed.labels("concurrency").inc()
            await _send_json(
                send,
                503,
                error_body(503, "overloaded", "the server is busy; try again shortly", rid),
                [(b"retry-after", b"1")],
            )
            return
        received = 0
        started = False
        tail = b""
        nul_ok = self._binary(scope)

        async def receive_limited() -> dict:
            nonlocal received, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise _BodyTooLarge(limit)
                if not nul_ok and _has_nul(tail + chunk):
                    raise _NulCharacter
                tail = chunk[-5:]
            return message

        async def send_tracked(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        self.in_flight += 1
        self.metrics.in_flight.inc()
        budget = self._timeout(scope)
        scope.setdefault("state", {})["deadline"] = time.monotonic() + budget
        task = asyncio.ensure_future(self.app(scope, receive_limited, send_tracked))
        try:
            done, _ = await asyncio.wait({task}, timeout=budget)
            if not done and started:
                # the budget is for the answer to begin: a streamed body (the audit CSV
                # export) that has started goes on to its end
                await task
            elif not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                raise TimeoutError
            else:
                task.result()
        except _BodyTooLarge:
            if not started:
                await self._too_large(send, limit, rid)
        except TimeoutError:
            self.metrics.shed.labels("timeout").inc()
            if not started:
                await _send_json(
                    send,
                    503,
                    error_body(503, "timeout", f"the request took longer than {budget:g} s", rid),
                    [(b"retry-after", b"1")],
                )
        finally:
            if not task.done():
                task.cancel()
            self.in_flight -= 1
            self.metrics.in_flight.dec()

    def _binary(self, scope: dict) -> bool:
        method, path = scope["method"], scope["path"]
        return any(m == method and path.startswith(p) for m, p in self.binary)

    def _timeout(self, scope: dict) -> float:
        """Uploads (a body limit larger than the JSON one) get ``upload_timeout`` to arrive:
        64 MiB in 10 s would need 54 Mbit/s from a school's connection."""
        return self.upload_timeout if self._limit(scope) > self.max_body else self.timeout

    @staticmethod
    async def _too_large(send: Any, limit: int, rid: str | None) -> None:
        await _send_json(
            send,
            413,
            error_body(413, "payload_too_large", f"the request body exceeds {limit} bytes", rid),
            [(b"connection", b"close")],
        )


# -- rate limits per route, per address and per key ------------------------------------------

PAGES, RECOMMEND, PUBLIC_API = "pages", "recommend", "public"
RECOMMEND_ROUTES = (
    ("POST", "/api/v1/recommendations"),
    ("POST", "/api/v1/recommendations/what-if"),
)


def page_routes() -> frozenset[tuple[str, str]]:
    """Every (method, template) of the web pages and their files (one budget: ``pages``)."""
    from guidance.web import PAGE_ROUTES
    from guidance.web.staff import STAFF_PAGE_ROUTES

    return frozenset((*PAGE_ROUTES, *STAFF_PAGE_ROUTES))


class RouteLimits:
    """Which token bucket a request draws from, and how large it is.

    Anonymous callers, per client address (``TrustedProxies`` decides the address behind a
    proxy), one bucket per budget:

    ========================================  =====================================  =======
    routes                                    setting (``GUIDANCE_…``)                default
    ========================================  =====================================  =======
    a route named in ``RATE_LIMIT_ROUTES``    ``RATE_LIMIT_ROUTES`` (its own bucket)  —
    web pages, ``/static/…``, ``/i18n/…``     ``RATE_LIMIT_PAGES_PER_MINUTE``         2,400
    ``POST /api/v1/recommendations[/what-if]`` ``RATE_LIMIT_RECOMMEND_PER_MINUTE``    600
    every other public route                  ``RATE_LIMIT_PUBLIC_PER_MINUTE``        60
    ========================================  =====================================  =======

    An address in ``RATE_LIMIT_ADDRESS_FACTORS`` has each anonymous budget multiplied (a
    school reaching the service from one address). API keys: one bucket per key of
    ``RATE_LIMIT_KEY_PER_MINUTE`` (600), or the key's own budget from
    ``RATE_LIMIT_KEY_OVERRIDES``. Buckets hold a minute's budget (the whole class may
    arrive at once) and refill continuously; each worker keeps its own (see
    docs/security.md)."""

    def __init__(self, settings: Any, *, access: Any = None) -> None:
        import ipaddress

        self.public = int(settings.rate_limit_public_per_minute)
        self.key = int(settings.rate_limit_key_per_minute)
        self.groups = {
            PAGES: int(settings.rate_limit_pages_per_minute),
            RECOMMEND: int(settings.rate_limit_recommend_per_minute),
        }
        self.routes: dict[tuple[str, str], int] = {}
        for name, per_minute in dict(settings.rate_limit_routes).items():
            method, _, path = str(name).strip().partition(" ")
            key = (method.upper(), path.strip())
            if access is not None and key not in access:
                raise ValueError(
                    f"rate_limit_routes: {name!r} is not a route of this service "
                    '(write "METHOD /template", e.g. "GET /api/v1/programmes")'
                )
            if int(per_minute) < 1:
                raise ValueError(f"rate_limit_routes: {name!r} must allow at least 1 per minute")
            self.routes[key] = int(per_minute)
        self.keys = {int(k): int(v) for k, v in dict(settings.rate_limit_key_overrides).items()}
        if any(v < 1 for v in self.keys.values()):
            raise ValueError("rate_limit_key_overrides: every budget must be at least 1")
        self.factors = []
        for net, factor in dict(settings.rate_limit_address_factors).items():
            if not float(factor) > 0:
                raise ValueError(f"rate_limit_address_factors: {net!r} needs a factor above 0")
            self.factors.append(
                (ipaddress.ip_network(str(net).strip(), strict=False), float(factor))
            )
        self.pages = page_routes()
        self._buckets: dict[int, Any] = {}

    def _bucket(self, per_minute: int) -> Any:
        from guidance.api.security import RateLimiter

        bucket = self._buckets.get(per_minute)
        if bucket is None:
            bucket = self._buckets.setdefault(per_minute, RateLimiter(per_minute))
        return bucket

    def factor(self, address: str) -> float:
        import ipaddress

        if not self.factors:
            return 1.0
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return 1.0
        return max((f for net, f in self.factors if ip in net), default=1.0)

    def budget(self, method: str, template: str, address: str) -> tuple[str, int]:
        """(bucket name, requests per minute) of an anonymous request."""
        key = (method, template)
        if key in self.routes:
            name, base = f"{method} {template}", self.routes[key]
        elif key in self.pages:
            name, base = PAGES, self.groups[PAGES]
        elif key in RECOMMEND_ROUTES:
            name, base = RECOMMEND, self.groups[RECOMMEND]
        else:
            name, base = PUBLIC_API, self.public
        return name, max(1, round(base * self.factor(address)))

    def check_public(self, method: str, template: str, address: str) -> float:
        """0 when allowed, else the seconds until the address's bucket has a token."""
        name, per_minute = self.budget(method, template, address)
        return self._bucket(per_minute).check(f"{name}|ip:{address}")

    def check_key(self, key_id: int | None) -> float:
        per_minute = self.keys.get(int(key_id), self.key) if key_id is not None else self.key
        return self._bucket(per_minute).check(f"key:{key_id}")


ROUTE_LIMITS = "route_limits"


def route_limits(ctx: Any) -> RouteLimits:
    """The app's :class:`RouteLimits`, built from its settings on first use."""
    limits = ctx.extra.get(ROUTE_LIMITS)
    if limits is None:
        from guidance.api.security import ACCESS

        limits = ctx.extra.setdefault(ROUTE_LIMITS, RouteLimits(ctx.settings, access=ACCESS))
    return limits

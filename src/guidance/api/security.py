"""Who may do what: roles, the ``X-API-Key`` header and ONE access matrix (route × role).

``public`` is anyone without a key (the learner form); keys carry ``counsellor``,
``admin`` or ``institution`` (a training institution's clerk: its key is bound to one
``institution_id`` and reaches only that institution's tracer data and its own jobs). Every API route depends on :func:`authorize`, which looks the matched route up
in :data:`ACCESS`; a route missing from the matrix is refused (fail closed), and a test
fails when any route of the app is missing from it.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from dataclasses import dataclass
from threading import Lock

from fastapi import Request
from fastapi.security import APIKeyHeader

from guidance.api.errors import Forbidden, NotAuthenticated, RateLimited
from guidance.store import keys
from guidance.web import PAGE_ROUTES
from guidance.web.staff import STAFF_PAGE_ROUTES

PUBLIC, COUNSELLOR, ADMIN, INSTITUTION = "public", "counsellor", "admin", "institution"
ROLES = (PUBLIC, COUNSELLOR, ADMIN, INSTITUTION)
ANYONE = frozenset(ROLES)
STAFF = frozenset({COUNSELLOR, ADMIN})
ADMINS = frozenset({ADMIN})
TRACER = frozenset({INSTITUTION, ADMIN})  # an institution for its own id only, admins any
JOB_OWNERS = frozenset({COUNSELLOR, ADMIN, INSTITUTION})  # admins, or the job's own key
API = "/api/v1"

# (method, route template) -> roles allowed. The single source of truth.
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): ANYONE,
    ("GET", "/readyz"): ANYONE,
    ("GET", "/metrics"): ANYONE,
    ("GET", "/docs"): ANYONE,
    ("GET", "/docs/assets/{name}"): ANYONE,  # Swagger UI's files, served by the service
    ("GET", "/openapi.json"): ANYONE,
    ("POST", f"{API}/recommendations"): ANYONE,
    ("POST", f"{API}/recommendations/what-if"): ANYONE,
    ("POST", f"{API}/recommendations/batch"): STAFF,
    ("GET", f"{API}/programmes"): ANYONE,
    ("GET", f"{API}/programmes/{{programme_id}}"): ANYONE,
    ("GET", f"{API}/occupations"): ANYONE,
    ("GET", f"{API}/occupations/{{code}}"): ANYONE,
    ("GET", f"{API}/programme-occupations"): ANYONE,
    ("GET", f"{API}/demand"): ANYONE,
    ("PUT", f"{API}/demand/{{period}}"): ADMINS,
    ("GET", f"{API}/jobs/{{job_id}}"): JOB_OWNERS,  # admins, or the key that created the job
    ("POST", f"{API}/jobs/{{job_id}}/cancel"): JOB_OWNERS,  # the same
    ("POST", f"{API}/feedback"): STAFF,
    ("GET", f"{API}/audit"): STAFF,  # counsellors see their own requests only
    ("GET", f"{API}/audit.csv"): ADMINS,
    # the caseload (api/routes/cases.py): a counsellor's own cases, admins every case
    ("GET", f"{API}/cases"): STAFF,
    ("GET", f"{API}/cases/{{case_id}}"): STAFF,
    ("POST", f"{API}/cases/{{case_id}}/notes"): STAFF,
    ("PUT", f"{API}/cases/{{case_id}}/enrolment"): STAFF,
    ("DELETE", f"{API}/cases/{{case_id}}"): STAFF,
    ("GET", f"{API}/models"): ADMINS,
    ("GET", f"{API}/models/card"): ADMINS,
    ("POST", f"{API}/models/reload"): ADMINS,
    ("POST", f"{API}/models/promote"): ADMINS,
    ("GET", f"{API}/models/{{version}}/evaluation"): ADMINS,
    # the tracer database (api/routes/tracer.py): an institution key sees its own id only;
    # any other id is a 404, never a 403 (existence is not revealed)
    ("GET", f"{API}/tracer/template"): TRACER,
    ("PUT", f"{API}/institutions/{{institution_id}}/tracer/{{cohort}}/{{wave}}"): TRACER,
    ("GET", f"{API}/institutions/{{institution_id}}/tracer"): TRACER,
    (
        "GET",
        f"{API}/institutions/{{institution_id}}/tracer/{{cohort}}/{{wave}}/{{version}}",
    ): TRACER,
    ("POST", f"{API}/institutions/{{institution_id}}/tracer/{{cohort}}/{{wave}}/withdraw"): TRACER,
    ("GET", f"{API}/institutions/{{institution_id}}/tracer/errors/{{error_id}}"): TRACER,
    ("GET", f"{API}/institutions/{{institution_id}}/tracer/coverage"): TRACER,
    ("GET", f"{API}/tracer/coverage"): ADMINS,
    ("GET", f"{API}/tracer/submissions"): ADMINS,
    ("POST", f"{API}/tracer/forget"): ADMINS,
    # the published statistics (api/routes/stats.py): disclosure-controlled, public
    ("GET", f"{API}/stats"): ANYONE,
    ("GET", f"{API}/stats/outcomes"): ANYONE,
    ("GET", f"{API}/stats/value-added"): ANYONE,
    ("GET", f"{API}/stats/supply-demand"): ANYONE,
    ("GET", f"{API}/stats/quadrant"): ANYONE,
}


def _web_pages() -> dict[tuple[str, str], frozenset[str]]:
    """The web pages (learner, counsellor, admin shells and their assets) are public: the
    data behind them comes from the API routes above, under their own roles."""

    return dict.fromkeys((*PAGE_ROUTES, *STAFF_PAGE_ROUTES), ANYONE)


ACCESS.update(_web_pages())

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="API key of a counsellor, an admin or an institution (none for public routes)",
)


@dataclass(frozen=True)
class Principal:
    role: str
    key_id: int | None = None
    institution_id: str | None = None  # role ``institution`` only: the one it may reach

    @property
    def public(self) -> bool:
        return self.role == PUBLIC


class RateLimiter:
    """Token buckets per client (IP for anonymous callers, key id for keys), in memory:
    each worker enforces its own share, which is enough against a runaway client."""

    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst or per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = Lock()

    def check(self, who: str) -> float:
        """0 when allowed, else the seconds until a token is available."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[who] = (tokens - 1.0, now)
                if len(self._buckets) > 100_000:  # forget idle clients
                    self._buckets.clear()
                return 0.0
            self._buckets[who] = (tokens, now)
            return (1.0 - tokens) / self.rate


class TrustedProxies:
    """Which peers may tell us the client's address (``X-Forwarded-For``). Entries are IPs
    or CIDR ranges; anything else must match the peer's name exactly."""

    def __init__(self, entries: list[str] | tuple[str, ...] = ()) -> None:
        self.nets: list = []
        self.names: set[str] = set()
        for e in entries:
            try:
                self.nets.append(ipaddress.ip_network(e.strip(), strict=False))
            except ValueError:
                self.names.add(e.strip())

    def trusted(self, addr: str) -> bool:
        if addr in self.names:
            return True
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in self.nets)

    def client(self, peer: str, forwarded_for: list[str]) -> str:
        """The client: the peer itself, unless the peer is a trusted proxy; then the
        right-most forwarded address that is not a trusted proxy (left of it, anyone can
        write anything)."""
        if not forwarded_for or not self.trusted(peer):
            return peer
        hops = [h.strip() for line in forwarded_for for h in line.split(",") if h.strip()]
        for hop in reversed(hops):
            if not self.trusted(hop):
                return hop
        return hops[0] if hops else peer


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    return request.app.state.ctx.proxies.client(peer, request.headers.getlist("x-forwarded-for"))


def route_roles(request: Request) -> frozenset[str]:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return ACCESS.get((request.method, path), frozenset())


class FailureBudget:
    """Failed logins allowed per client address and per key prefix: at most ``limit`` in
    any ``window`` seconds each (a sliding window, in memory, per worker). A success
    resets nothing, so one client's valid key never clears another's failures."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = int(limit), float(window)
        self._fails: dict[str, deque[float]] = {}
        self._lock = Lock()

    def wait(self, *whos: str) -> float:
        """0 when every one of ``whos`` may still fail, else seconds until all may."""
        now = time.monotonic()
        worst = 0.0
        with self._lock:
            for who in whos:
                q = self._fails.get(who)
                if q is None:
                    continue
                while q and q[0] <= now - self.window:
                    q.popleft()
                if len(q) >= self.limit:
                    worst = max(worst, q[0] + self.window - now)
        return worst

    def fail(self, *whos: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._fails) > 100_000:  # forget old clients rather than grow forever
                self._fails.clear()
            for who in whos:
                q = self._fails.setdefault(who, deque(maxlen=self.limit))
                q.append(now)


LOGIN_BUDGET = "login_failures"


def _login_budget(ctx: object) -> FailureBudget:
    extra = ctx.extra  # type: ignore[attr-defined]
    budget = extra.get(LOGIN_BUDGET)
    if budget is None:
        s = ctx.settings  # type: ignore[attr-defined]
        budget = extra.setdefault(
            LOGIN_BUDGET, FailureBudget(s.login_failures_per_window, s.login_failure_window_seconds)
        )
    return budget


def _auth_failed(ctx: object, reason: str) -> None:
    counter = getattr(ctx.metrics, "auth_failures", None)  # type: ignore[attr-defined]
    if counter is not None:
        counter.labels(reason).inc()


def authenticate(request: Request, secret: str | None) -> Principal:
    """The caller: ``public`` without a key; 401 for an unknown or revoked key; 429 (before
    any database lookup) once the client address or the key's prefix has used up its
    failure budget."""
    if secret is None or secret == "":
        return Principal(PUBLIC)

    ctx = request.app.state.ctx
    budget = _login_budget(ctx)
    whos = (f"ip:{client_address(request)}", f"prefix:{secret[: keys.PREFIX_LEN]}")
    wait = budget.wait(*whos)
    if wait > 0:
        _auth_failed(ctx, "limited")
        raise RateLimited(
            "too many failed API key attempts; try again later",
            headers={"Retry-After": str(max(1, int(wait + 0.999)))},
        )
    ctx.require_db()
    info = keys.authenticate(ctx.engine, secret)
    if info is None:
        budget.fail(*whos)
        _auth_failed(ctx, "unknown_key")
        raise NotAuthenticated(
            "unknown or revoked API key", headers={"WWW-Authenticate": "X-API-Key"}
        )
    return Principal(info.role, info.id, info.institution_id)


def authorize_principal(request: Request, principal: Principal) -> Principal:
    allowed = route_roles(request)
    if principal.role not in allowed:
        if principal.public:
            raise NotAuthenticated(
                "this route needs an API key (X-API-Key header)",
                headers={"WWW-Authenticate": "X-API-Key"},
            )
        raise Forbidden(f"role {principal.role!r} may not use this route")
    ctx = request.app.state.ctx
    if request.url.path in ("/healthz", "/readyz", "/metrics"):  # probes are never limited
        request.state.principal = principal
        return principal
    from guidance.api.limits import route_limits  # budgets per route, address and key

    limits = route_limits(ctx)
    if principal.public:
        template = getattr(request.scope.get("route"), "path", "")
        wait = limits.check_public(request.method, template, client_address(request))
    else:
        wait = limits.check_key(principal.key_id)
    if wait > 0:
        raise RateLimited(
            "too many requests; slow down", headers={"Retry-After": str(max(1, int(wait + 0.999)))}
        )
    request.state.principal = principal
    return principal

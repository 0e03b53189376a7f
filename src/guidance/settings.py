"""One settings object for the whole service (environment prefix ``GUIDANCE_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings; every field can be set as ``GUIDANCE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GUIDANCE_", env_file=None, extra="ignore")

    var_dir: Path = Field(Path("var"), description="Local state: demo data, SQLite, MLflow store.")
    data_dir: Path = Field(Path("var/demo"), description="Data directory (data contract v1).")
    models_dir: Path = Field(Path("models"), description="Where versioned artifacts are written.")
    database_url: str = "sqlite:///var/guidance.db"
    mlflow_tracking_uri: str = "sqlite:///var/mlflow.db"
    registered_model_name: str = "guidance-outcomes"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    seed: int = 42
    retention_days: int = Field(365, ge=1, description="Audit/feedback retention (guidance purge).")
    # serving API (guidance serve)
    api_secret: str | None = Field(
        None,
        description="HMAC key for audit profile hashes; "
        "generated into var_dir/api_secret on first run if unset.",
    )
    model_path: Path | None = Field(
        None,
        description="Serve this artifact (.joblib) instead "
        "of the registry's champion; hot-swapped when it changes.",
    )
    model_poll_seconds: float = Field(
        5.0,
        gt=0,
        description="How often each worker checks the "
        "champion alias, the artifact and the demand snapshots.",
    )
    demand_months: int = Field(15, ge=1, description="Newest demand periods the recommender reads.")
    shortlist: int = Field(
        150,
        ge=0,
        description="Candidates first scored by the full models per "
        "request (0: all); more are scored in batches of 50 while they still change the "
        "top-k, up to 8 times this (national: top-10 overlap with scoring all 0.96, "
        "p50 9.8 ms; docs/recommend.md).",
    )
    rate_limit_public_per_minute: int = Field(60, ge=1, description="Per client IP, anonymous.")
    rate_limit_key_per_minute: int = Field(600, ge=1, description="Per API key.")
    # per-route budgets (api/limits.py RouteLimits; docs/security.md "Rate limits")
    rate_limit_pages_per_minute: int = Field(
        2400,
        ge=1,
        description="Per client address, anonymous, for the web pages and their files "
        "(GET /, /counsellor, /static/…, /i18n/…): a page load is about 5 requests, so a "
        "class of 40 behind one address loading the form costs about 200.",
    )
    rate_limit_recommend_per_minute: int = Field(
        600,
        ge=1,
        description="Per client address, anonymous, for POST /api/v1/recommendations and "
        "/what-if: a class of 40 behind one address can each ask 15 times a minute.",
    )
    rate_limit_routes: dict[str, int] = Field(
        default_factory=dict,
        description='Per-route budgets per minute (JSON: {"GET /api/v1/programmes": 300}), '
        "keyed by method and route template as in the access matrix; public callers per "
        "address, a route's own bucket; beats the page and recommendation budgets.",
    )
    rate_limit_key_overrides: dict[int, int] = Field(
        default_factory=dict,
        description='Per-minute budget of particular API keys by key id (JSON: {"3": 3000}; '
        "ids from `guidance keys list`), e.g. a counsellor key shared by a computer room.",
    )
    rate_limit_address_factors: dict[str, float] = Field(
        default_factory=dict,
        description="Multiply the anonymous budgets of these client addresses (JSON: "
        '{"203.0.113.7": 4, "198.51.100.0/28": 2}; IPs or CIDR ranges), e.g. a school '
        "whose rooms reach the service from one address.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (IPs or CIDR ranges, as a JSON "
        "list) whose X-Forwarded-For is believed; the client is then the right-most address "
        "not in this list. From any other peer the header is ignored.",
    )
    max_body_bytes: int = Field(1 << 20, ge=1024, description="JSON request body limit (413).")
    max_upload_bytes: int = Field(
        64 << 20,
        ge=1024,
        description="Upload limit (413) of the "
        "demand CSV and of a tracer submission (CSV, XLSX, JSON).",
    )
    tracer_sync_max_bytes: int = Field(
        1 << 20,
        ge=0,
        le=1 << 30,
        description="A tracer submission of at most this many "
        "bytes (without 'Prefer: respond-async') is answered synchronously (200/422); a "
        "larger one runs as a job (202), in a child process from 1 MiB on.",
    )
    max_public_body_bytes: int = Field(
        64 << 10,
        ge=1024,
        le=1 << 30,
        description="Body limit of the public JSON routes "
        "(POST /api/v1/recommendations and /what-if), 413 beyond; see api/limits.py BODY_LIMITS.",
    )
    max_batch_body_bytes: int = Field(
        1 << 20,
        ge=1024,
        le=1 << 30,
        description="Body limit of POST "
        "/api/v1/recommendations/batch (JSON or CSV, up to 500 learners), 413 beyond.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "[::1]", "::1", "testserver"],
        description="Host header values served (JSON list; '*.example.org' for subdomains); "
        "any other Host gets 400. A deployment names its public host name here.",
    )
    request_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Per-request budget (503) "
        "until the answer begins; a streamed answer that "
        "has begun (the audit CSV export) runs to its end.",
    )
    upload_timeout_seconds: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="Budget for an "
        "upload's body to arrive (routes whose body limit "
        "exceeds max_body_bytes); the upload itself then "
        "runs as a job.",
    )
    max_concurrency: int = Field(
        32, ge=1, description="In-flight requests per worker before shedding with 503."
    )
    login_failures_per_window: int = Field(
        10,
        ge=1,
        le=100_000,
        description="Failed API "
        "key attempts allowed per client address and per "
        "key prefix in each window, then 429.",
    )
    login_failure_window_seconds: float = Field(
        60.0, gt=0, le=86_400, description="The window of login_failures_per_window."
    )
    # published statistics (api/stats_cache.py, api/routes/stats.py)
    stats_check_seconds: float = Field(
        30.0,
        gt=0,
        le=86_400,
        description="How often the "
        "statistics bundle's data key (tracer, catalogue, "
        "demand, model) is checked; a change rebuilds it in "
        "the background while the old one is served.",
    )
    stats_max_age_seconds: int = Field(
        300, ge=0, le=86_400, description="Cache-Control max-age of the public statistics answers."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()

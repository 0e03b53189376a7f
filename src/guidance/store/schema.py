"""The database schema (SQLAlchemy 2 declarative). Alembic migrations must match it.

Codes are text (leading zeros), money is BIGINT VND, timestamps are stored in UTC.
Catalogue and demand rows carry no foreign keys to each other: the catalogue is
replaced wholesale and must not be blocked by demand referring to it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both engines (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Core :class:`~sqlalchemy.Table` of a mapped class (``__table__`` is typed as a
    ``FromClause``, which ``insert``/``update``/``delete`` do not accept)."""
    table = model.__table__
    if not isinstance(table, Table):  # pragma: no cover - every class here maps one table
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


class Province(Base):
    __tablename__ = "provinces"
    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Occupation(Base):
    __tablename__ = "occupations"
    occupation_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(300))
    name_vi: Mapped[str | None] = mapped_column(String(300))
    riasec: Mapped[str | None] = mapped_column(String(3))
    skill_level: Mapped[int | None] = mapped_column(Integer)


class Programme(Base):
    __tablename__ = "programmes"
    programme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    programme_code: Mapped[str] = mapped_column(String(32), index=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    # fold(name_vi + name_en): lower-case ASCII, so LIKE is accent- and case-blind everywhere.
    name_folded: Mapped[str] = mapped_column(String(700), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    field_code: Mapped[str] = mapped_column(String(8), index=True)
    institution_id: Mapped[str] = mapped_column(String(64))
    institution_name: Mapped[str] = mapped_column(String(300))
    province_code: Mapped[str] = mapped_column(
        String(8), ForeignKey("provinces.province_code"), index=True
    )
    duration_months: Mapped[int] = mapped_column(Integer)
    tuition_vnd_per_year: Mapped[int] = mapped_column(BigInteger)
    min_education: Mapped[int] = mapped_column(Integer)
    target_occupations: Mapped[str] = mapped_column(Text)  # ';'-separated ISCO codes
    mode: Mapped[str | None] = mapped_column(String(16))
    capacity: Mapped[int | None] = mapped_column(Integer)
    predecessor_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # contract v1.2 (migration 0007): the institution's contact, optional
    institution_address: Mapped[str | None] = mapped_column(String(300))
    institution_phone: Mapped[str | None] = mapped_column(String(24))
    institution_website: Mapped[str | None] = mapped_column(String(200))
    # contract v1.3 (migration 0009): the programme's own admission ages, optional
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("role IN ('counsellor', 'admin', 'institution')", name="role"),
        CheckConstraint(
            "(role = 'institution') = (institution_id IS NOT NULL)", name="institution_bound"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[str | None] = mapped_column(String(64))  # role 'institution' only
    prefix: Mapped[str] = mapped_column(String(8), index=True)
    hash: Mapped[str] = mapped_column(String(128))  # "sha256$<salt hex>$<digest hex>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CatalogueLoad(Base):
    """One row per catalogue load, written in the load's transaction: the newest id is the
    catalogue's generation, which serving workers poll to notice a new catalogue."""

    __tablename__ = "catalogue_loads"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    programmes: Mapped[int] = mapped_column(Integer)
    # the catalogue came from a synthetic demo world (its directory has ``world.json``):
    # the pages then say "dữ liệu mô phỏng"
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DemandSnapshot(Base):
    __tablename__ = "demand_snapshots"
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    row_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(200))
    uploaded_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_keys.id"))


class DemandRow(Base):
    __tablename__ = "demand_rows"
    __table_args__ = (
        CheckConstraint("vacancies >= 0", name="vacancies"),
        CheckConstraint("job_seekers >= 0", name="job_seekers"),
        CheckConstraint("median_wage_vnd >= 0", name="median_wage_vnd"),
        Index("ix_demand_rows_period_occupation", "period", "occupation_code"),
    )
    # The primary key is the required uniqueness (period, province, occupation).
    period: Mapped[str] = mapped_column(
        String(7), ForeignKey("demand_snapshots.period", ondelete="CASCADE"), primary_key=True
    )
    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    occupation_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    vacancies: Mapped[int] = mapped_column(Integer)
    job_seekers: Mapped[int | None] = mapped_column(Integer)
    median_wage_vnd: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(200))


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        # A saved case (raw profile) exists only with recorded consent.
        CheckConstraint(
            "case_data IS NULL OR (consent_case AND consent_at IS NOT NULL)", name="case_consent"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    api_key_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_keys.id"), index=True)
    programme_id: Mapped[str | None] = mapped_column(String(64))  # the learner's choice
    recommended_ids: Mapped[list[str]] = mapped_column(JSON)
    override: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    consent_research: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_case: Mapped[bool] = mapped_column(Boolean, default=False)
    case: Mapped[dict[str, Any] | None] = mapped_column("case_data", JSON(none_as_null=True))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # migration 0006 (the counsellor's caseload, store/cases.py): the guardian's consent as
    # given, the recommendation as it was shown ([{"id", "rank", "score", figures...}]) with
    # the model version and demand period that produced it, and the enrolment recorded later
    consent_guardian: Mapped[bool | None] = mapped_column(Boolean)
    shown: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    model_version: Mapped[str | None] = mapped_column(String(100))
    demand_period: Mapped[str | None] = mapped_column(String(7))
    enrolled_programme_id: Mapped[str | None] = mapped_column(String(64))
    enrolled_on: Mapped[str | None] = mapped_column(String(10))  # ISO date of the enrolment
    enrolled_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseNote(Base):
    """A counsellor's follow-up note on a saved case (a feedback row with ``case_data``);
    deleted with the case."""

    __tablename__ = "case_notes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    feedback_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    api_key_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_keys.id"))
    text: Mapped[str] = mapped_column(Text)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    route: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    api_key_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_keys.id"), index=True)
    profile_hash: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(100))
    demand_period: Mapped[str | None] = mapped_column(String(7))
    # [{"id": programme_id, "score": float}, ...] in rank order
    top_k: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    status: Mapped[int] = mapped_column(Integer)


class AuditReject(Base):
    """An audit row the database refused (a poison row), set aside so it cannot block the
    queue behind it; kept for inspection as sanitised JSON text with the refusal's class."""

    __tablename__ = "audit_rejects"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(String(200))
    row_text: Mapped[str] = mapped_column(Text)


class Job(Base):
    """A long-running job (an upload validated and committed off the request workers):
    any worker reads its status; ``cancel_requested`` asks the runner to stop."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="status"
        ),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    api_key_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_keys.id"), index=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class TracerSubmission(Base):
    """One version of a tracer submission (institution, cohort, wave); the newest
    non-withdrawn version is the current one, older versions stay readable."""

    __tablename__ = "tracer_submissions"
    __table_args__ = (
        CheckConstraint("wave IN ('6m', '12m')", name="wave"),
        CheckConstraint("kind IN ('records', 'aggregates')", name="kind"),
        Index(
            "uq_tracer_submissions_key_version",
            "institution_id",
            "cohort",
            "wave",
            "version",
            unique=True,
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    institution_id: Mapped[str] = mapped_column(String(64))
    cohort: Mapped[str] = mapped_column(String(7))
    wave: Mapped[str] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    row_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))


class TracerRecord(Base):
    """One graduate in one wave of one submission version; ``pseudonym`` is the keyed
    HMAC of ``learner_ref`` (the raw value is never stored)."""

    __tablename__ = "tracer_records"
    submission_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tracer_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    survey_status: Mapped[str] = mapped_column(String(16))
    survey_date: Mapped[str | None] = mapped_column(String(10))
    survey_mode: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # learner attributes and outcomes


class TracerAggregate(Base):
    __tablename__ = "tracer_aggregates"
    submission_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tracer_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    programme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    graduates: Mapped[int] = mapped_column(Integer)
    surveyed: Mapped[int] = mapped_column(Integer)
    respondents: Mapped[int] = mapped_column(Integer)
    employed_formal: Mapped[int] = mapped_column(Integer)
    employed_informal: Mapped[int] = mapped_column(Integer)
    self_employed: Mapped[int] = mapped_column(Integer)
    employed_in_occupation: Mapped[int | None] = mapped_column(Integer)
    wage_p25: Mapped[int | None] = mapped_column(BigInteger)
    wage_median: Mapped[int | None] = mapped_column(BigInteger)
    wage_p75: Mapped[int | None] = mapped_column(BigInteger)


class TracerEvent(Base):
    """The tracer audit trail: submissions, withdrawals, deletions (counts, never ids)."""

    __tablename__ = "tracer_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    institution_id: Mapped[str | None] = mapped_column(String(64))
    cohort: Mapped[str | None] = mapped_column(String(7))
    wave: Mapped[str | None] = mapped_column(String(3))
    version: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class TracerErrorFile(Base):
    """The annotated copy of a refused tracer upload (the clerk's file with an error column;
    pseudonyms, never raw ``learner_ref``), downloadable by its institution: at most the
    newest 50 per institution, none older than 30 days (``store/tracer_errors.py``)."""

    __tablename__ = "tracer_error_files"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random 32-hex
    institution_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


metadata = Base.metadata
TABLES = [
    "provinces",
    "occupations",
    "programmes",
    "catalogue_loads",
    "api_keys",
    "demand_snapshots",
    "demand_rows",
    "feedback",
    "audit_log",
    "audit_rejects",
    "jobs",
    "tracer_submissions",
    "tracer_records",
    "tracer_aggregates",
    "tracer_events",
    "tracer_error_files",
    "case_notes",
]

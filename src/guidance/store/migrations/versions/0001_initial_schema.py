"""Initial schema: catalogue, demand snapshots, api keys, feedback, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Stored as UTC; guidance.store.schema.UTCDateTime adds the conversions in Python.
Stamp = sa.DateTime(timezone=True)
f = op.f


def _index(table: str, *cols: str, name: str | None = None) -> None:
    op.create_index(name or f(f"ix_{table}_{cols[0]}"), table, list(cols), unique=False)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("prefix", sa.String(8), nullable=False),
        sa.Column("hash", sa.String(128), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("revoked_at", Stamp, nullable=True),
        sa.CheckConstraint("role IN ('counsellor', 'admin')", name=f("ck_api_keys_role")),
        sa.PrimaryKeyConstraint("id", name=f("pk_api_keys")),
    )
    _index("api_keys", "prefix")

    op.create_table(
        "occupations",
        sa.Column("occupation_code", sa.String(8), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("name_vi", sa.String(300), nullable=True),
        sa.Column("riasec", sa.String(3), nullable=True),
        sa.Column("skill_level", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("occupation_code", name=f("pk_occupations")),
    )
    op.create_table(
        "provinces",
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("name_vi", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("province_code", name=f("pk_provinces")),
    )
    op.create_table(
        "programmes",
        sa.Column("programme_id", sa.String(64), nullable=False),
        sa.Column("programme_code", sa.String(32), nullable=False),
        sa.Column("name_vi", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=True),
        sa.Column("name_folded", sa.String(700), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("field_code", sa.String(8), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("institution_name", sa.String(300), nullable=False),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("tuition_vnd_per_year", sa.BigInteger(), nullable=False),
        sa.Column("min_education", sa.Integer(), nullable=False),
        sa.Column("target_occupations", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("predecessor_id", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["provinces.province_code"],
            name=f("fk_programmes_province_code_provinces"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=f("pk_programmes")),
    )
    for col in ("field_code", "level", "name_folded", "programme_code", "province_code"):
        _index("programmes", col)

    op.create_table(
        "demand_snapshots",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("uploaded_at", Stamp, nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("uploaded_by", BigId, nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["api_keys.id"], name=f("fk_demand_snapshots_uploaded_by_api_keys")
        ),
        sa.PrimaryKeyConstraint("period", name=f("pk_demand_snapshots")),
    )
    op.create_table(
        "demand_rows",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("occupation_code", sa.String(8), nullable=False),
        sa.Column("vacancies", sa.Integer(), nullable=False),
        sa.Column("job_seekers", sa.Integer(), nullable=True),
        sa.Column("median_wage_vnd", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.CheckConstraint("job_seekers >= 0", name=f("ck_demand_rows_job_seekers")),
        sa.CheckConstraint("median_wage_vnd >= 0", name=f("ck_demand_rows_median_wage_vnd")),
        sa.CheckConstraint("vacancies >= 0", name=f("ck_demand_rows_vacancies")),
        sa.ForeignKeyConstraint(
            ["period"],
            ["demand_snapshots.period"],
            name=f("fk_demand_rows_period_demand_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "period", "province_code", "occupation_code", name=f("pk_demand_rows")
        ),
    )
    _index("demand_rows", "period", "occupation_code", name="ix_demand_rows_period_occupation")

    op.create_table(
        "feedback",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("api_key_id", BigId, nullable=True),
        sa.Column("programme_id", sa.String(64), nullable=True),
        sa.Column("recommended_ids", sa.JSON(), nullable=False),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("consent_research", sa.Boolean(), nullable=False),
        sa.Column("consent_case", sa.Boolean(), nullable=False),
        sa.Column("case_data", sa.JSON(), nullable=True),
        sa.Column("consent_at", Stamp, nullable=True),
        sa.CheckConstraint(
            "case_data IS NULL OR (consent_case AND consent_at IS NOT NULL)",
            name=f("ck_feedback_case_consent"),
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=f("fk_feedback_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=f("pk_feedback")),
    )
    for col in ("api_key_id", "created_at", "request_id"):
        _index("feedback", col)

    op.create_table(
        "audit_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("api_key_id", BigId, nullable=True),
        sa.Column("profile_hash", sa.String(64), nullable=True),
        sa.Column("model_version", sa.String(100), nullable=True),
        sa.Column("demand_period", sa.String(7), nullable=True),
        sa.Column("top_k", sa.JSON(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=f("fk_audit_log_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=f("pk_audit_log")),
    )
    for col in ("api_key_id", "created_at", "request_id"):
        _index("audit_log", col)


def downgrade() -> None:
    for table in (
        "audit_log",
        "feedback",
        "demand_rows",
        "demand_snapshots",
        "programmes",
        "provinces",
        "occupations",
        "api_keys",
    ):
        op.drop_table(table)  # indexes go with their tables

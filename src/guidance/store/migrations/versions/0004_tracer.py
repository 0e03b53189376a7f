"""Tracer database (submissions with versions, records, aggregates, events) and API keys
bound to an institution (role 'institution').

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("api_keys", recreate="auto") as batch:
        batch.add_column(sa.Column("institution_id", sa.String(64), nullable=True))
        batch.drop_constraint(op.f("ck_api_keys_role"), type_="check")
        batch.create_check_constraint(
            op.f("ck_api_keys_role"), "role IN ('counsellor', 'admin', 'institution')"
        )
        batch.create_check_constraint(
            op.f("ck_api_keys_institution_bound"),
            "(role = 'institution') = (institution_id IS NOT NULL)",
        )
    op.create_table(
        "tracer_submissions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("cohort", sa.String(7), nullable=False),
        sa.Column("wave", sa.String(3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("warnings", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(500), nullable=True),
        sa.CheckConstraint("wave IN ('6m', '12m')", name=op.f("ck_tracer_submissions_wave")),
        sa.CheckConstraint(
            "kind IN ('records', 'aggregates')", name=op.f("ck_tracer_submissions_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracer_submissions")),
    )
    op.create_index(
        "uq_tracer_submissions_key_version",
        "tracer_submissions",
        ["institution_id", "cohort", "wave", "version"],
        unique=True,
    )
    op.create_table(
        "tracer_records",
        sa.Column("submission_id", BigId, nullable=False),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("programme_id", sa.String(64), nullable=False),
        sa.Column("survey_status", sa.String(16), nullable=False),
        sa.Column("survey_date", sa.String(10), nullable=True),
        sa.Column("survey_mode", sa.String(16), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["tracer_submissions.id"],
            ondelete="CASCADE",
            name=op.f("fk_tracer_records_submission_id_tracer_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", "pseudonym", name=op.f("pk_tracer_records")),
    )
    op.create_index(op.f("ix_tracer_records_pseudonym"), "tracer_records", ["pseudonym"])
    op.create_table(
        "tracer_aggregates",
        sa.Column("submission_id", BigId, nullable=False),
        sa.Column("programme_id", sa.String(64), nullable=False),
        *(
            sa.Column(n, sa.Integer(), nullable=False)
            for n in (
                "graduates",
                "surveyed",
                "respondents",
                "employed_formal",
                "employed_informal",
                "self_employed",
            )
        ),
        sa.Column("employed_in_occupation", sa.Integer(), nullable=True),
        *(
            sa.Column(n, sa.BigInteger(), nullable=True)
            for n in ("wage_p25", "wage_median", "wage_p75")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["tracer_submissions.id"],
            ondelete="CASCADE",
            name=op.f("fk_tracer_aggregates_submission_id_tracer_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", "programme_id", name=op.f("pk_tracer_aggregates")),
    )
    op.create_table(
        "tracer_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=True),
        sa.Column("cohort", sa.String(7), nullable=True),
        sa.Column("wave", sa.String(3), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracer_events")),
    )
    op.create_index(op.f("ix_tracer_events_created_at"), "tracer_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("tracer_events")
    op.drop_table("tracer_aggregates")
    op.drop_table("tracer_records")
    op.drop_table("tracer_submissions")
    with op.batch_alter_table("api_keys", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_api_keys_institution_bound"), type_="check")
        batch.drop_constraint(op.f("ck_api_keys_role"), type_="check")
        batch.create_check_constraint(op.f("ck_api_keys_role"), "role IN ('counsellor', 'admin')")
        batch.drop_column("institution_id")

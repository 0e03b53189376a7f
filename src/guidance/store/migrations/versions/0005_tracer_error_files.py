"""Annotated copies of refused tracer uploads (downloadable error files).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracer_error_files",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracer_error_files")),
    )
    op.create_index(
        op.f("ix_tracer_error_files_institution_id"), "tracer_error_files", ["institution_id"]
    )
    op.create_index(op.f("ix_tracer_error_files_created_at"), "tracer_error_files", ["created_at"])


def downgrade() -> None:
    op.drop_table("tracer_error_files")

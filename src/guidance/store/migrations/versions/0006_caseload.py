"""The counsellor's caseload: what was shown with a saved case, the guardian's consent,
the enrolment recorded later, and follow-up notes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = [
    ("consent_guardian", sa.Boolean()),
    ("shown", sa.JSON()),
    ("model_version", sa.String(100)),
    ("demand_period", sa.String(7)),
    ("enrolled_programme_id", sa.String(64)),
    ("enrolled_on", sa.String(10)),
    ("enrolled_recorded_at", sa.DateTime(timezone=True)),
]


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_table(
        "case_notes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "feedback_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "api_key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_case_notes_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_case_notes_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_index(op.f("ix_case_notes_feedback_id"), "case_notes", ["feedback_id"])


def downgrade() -> None:
    op.drop_table("case_notes")
    with op.batch_alter_table("feedback") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)

"""Contract v1.3: a programme's own admission ages (optional ``min_age`` / ``max_age``), so a
catalogue served from the database keeps them (the recommender applies them at enrolment).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ["min_age", "max_age"]


def upgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)

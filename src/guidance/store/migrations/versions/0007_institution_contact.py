"""Contract v1.2: the institution's contact on each programme offering (optional address,
phone and website, shown on the programme page).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = [
    ("institution_address", sa.String(300)),
    ("institution_phone", sa.String(24)),
    ("institution_website", sa.String(200)),
]


def upgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)

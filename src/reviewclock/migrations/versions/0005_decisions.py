"""Events record decisions: the partners' decision with the rapid review, and the Panel's view.

The columns are nullable and existing events get NULL: a decision that was never
recorded stays unknown, never a guessed one.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("decision", sa.String(20), nullable=True))
        batch.add_column(sa.Column("panel_view", sa.String(20), nullable=True))
        batch.add_column(sa.Column("national_review", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("national_review")
        batch.drop_column("panel_view")
        batch.drop_column("decision")

"""Amendments append a row that names the row it corrects; deletions leave an audit row.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("amends", sa.Integer, sa.ForeignKey("events.id", name="fk_events_amends"))
        )
        batch.add_column(sa.Column("reason", sa.Text))
    op.create_index("ix_events_amends", "events", ["amends"])
    op.create_table(
        "deletions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("deleted_by", sa.String(100), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deletions_ref", "deletions", ["ref"])


def downgrade() -> None:
    op.drop_table("deletions")
    op.drop_index("ix_events_amends", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("reason")
        batch.drop_column("amends")

"""Cases and the append-only event log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Timestamps are timezone-aware: timestamptz on PostgreSQL; SQLite stores the same
    # UTC text either way, so registers made before PostgreSQL was supported are unchanged.
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(64), nullable=False, unique=True),
        sa.Column("authority", sa.String(200)),
        sa.Column("harm", sa.String(20)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_events_case_id", "events", ["case_id"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("cases")

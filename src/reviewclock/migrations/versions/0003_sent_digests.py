"""Digests sent by email, so that the same digest is not sent twice on one day.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_digests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest_date", sa.Date, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_sent_digests_digest_date", "sent_digests", ["digest_date"])


def downgrade() -> None:
    op.drop_table("sent_digests")

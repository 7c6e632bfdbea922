"""An index on events (case_id, on_date), in place of the one on case_id alone.

Cases are read with their events in date order: every case for a listing or an
export, a batch of open cases for a status. With the date in the index, SQLite
reads the events in that order as they are stored in the index, instead of
sorting them all first (a tenth of the reading, on a large register). The index
serves every look-up by case that the one it replaces served.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_case_id_on_date", "events", ["case_id", "on_date"])
    op.drop_index("ix_events_case_id", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_case_id", "events", ["case_id"])
    op.drop_index("ix_events_case_id_on_date", table_name="events")

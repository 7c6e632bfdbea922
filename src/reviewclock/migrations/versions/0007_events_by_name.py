"""An index on events (name, case_id): the open cases are found from it alone.

A status reads only the cases with a stage still open. Which those are is set
algebra on the events' names (cases with a start event, less those with the
meeting event), and this index answers it without reading the events table.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_name_case_id", "events", ["name", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_events_name_case_id", table_name="events")

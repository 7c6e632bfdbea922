"""An agreed extension keeps the date the Panel agreed, beside the day it was agreed.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("agreed_to", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("agreed_to")

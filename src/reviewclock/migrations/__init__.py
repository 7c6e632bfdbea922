"""Alembic revisions of the register's schema, shipped inside the package.

Revisions are ordered and append-only: never edit one that has been released;
add the next. ``HEAD`` must name the newest, so that opening a current
register needs no Alembic import at all.
"""

HEAD = "0008"

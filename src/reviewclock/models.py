"""The register's tables.

A case is its reference and a few descriptive fields. Everything that happens
to it, awareness included, is a row in the append-only ``events`` table: a
case's deadlines and states are always derived from its events and never
stored twice. The schema is created and changed only by the Alembic
revisions in ``reviewclock/migrations``; these classes must match the latest.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from reviewclock.textchecks import USER_LIMIT

# Timestamps are timezone-aware (timestamptz on PostgreSQL), written in UTC.
_STAMP = DateTime(timezone=True)


class Case(SQLModel, table=True):
    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, max_length=64)
    """The partnership's own case reference. Never a child's name."""
    authority: str | None = Field(default=None, max_length=200)
    harm: str | None = Field(default=None, max_length=20)
    created_at: dt.datetime = Field(sa_type=_STAMP)
    created_by: str = Field(max_length=USER_LIMIT)


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        # Which cases have a stage open is set algebra on names, answered from this index.
        Index("ix_events_name_case_id", "name", "case_id"),
        # A case's events, or every case's, read in the order of their dates without a sort.
        Index("ix_events_case_id_on_date", "case_id", "on_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    name: str = Field(max_length=40)
    on: dt.date = Field(sa_column_kwargs={"name": "on_date"})
    kind: str | None = Field(default=None, max_length=20)
    """The kind of proceedings, for proceedings-started and proceedings-ended; for
    delay-notified, the one stage the notice names (NULL: every duty stage open on
    its date); for extension-agreed, the stage extended. Other events leave it NULL."""
    note: str | None = Field(default=None)
    recorded_by: str = Field(max_length=USER_LIMIT)
    recorded_at: dt.datetime = Field(sa_type=_STAMP)
    """When the row was written, in UTC."""
    amends: int | None = Field(default=None, foreign_key="events.id", index=True)
    """The row this one corrects. A corrected row is kept, and no longer counts."""
    reason: str | None = Field(default=None)
    """Why the correction was made (amendments only)."""
    decision: str | None = Field(default=None, max_length=20)
    """rapid-review-sent: the partners' decision (lcspr, no-lcspr, not-decided); NULL
    when it was never recorded (every event recorded before decisions were kept)."""
    panel_view: str | None = Field(default=None, max_length=20)
    """panel-response: agrees or disagrees with the partners' decision; NULL if not recorded."""
    national_review: bool | None = Field(default=None)
    """panel-response: the Panel will run a national review; NULL if not recorded."""
    agreed_to: dt.date | None = Field(default=None)
    """extension-agreed: the new due date the Panel agreed (its ``kind`` names the stage);
    NULL for every other event."""


class SentDigest(SQLModel, table=True):
    """A digest that was emailed, so that the same one is not sent twice in a day."""

    __tablename__ = "sent_digests"

    id: int | None = Field(default=None, primary_key=True)
    digest_date: dt.date = Field(index=True)
    """The date the digest describes (today in London, or --as-of)."""
    fingerprint: str = Field(max_length=64)
    """SHA-256 of the recipients, the subject and the text body."""
    recipients: str
    subject: str
    sent_at: dt.datetime = Field(sa_type=_STAMP)
    sent_by: str = Field(max_length=USER_LIMIT)


class Deletion(SQLModel, table=True):
    """A case deleted from the register: who, when, why, and how many events went with it."""

    __tablename__ = "deletions"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, index=True)
    reason: str
    events: int
    """The case's events as corrected (a correction is not counted as an event)."""
    deleted_by: str = Field(max_length=USER_LIMIT)
    deleted_at: dt.datetime = Field(sa_type=_STAMP)

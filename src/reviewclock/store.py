"""The register: one SQLite file holding the cases and their append-only event log.

Open it by path or SQLAlchemy URL. A new register file is created with mode
0600 (and a directory that reviewclock makes for it with 0700), and its schema
is brought to the newest Alembic revision. A register whose schema is already
current is opened without importing Alembic.

Writes run in short ``BEGIN IMMEDIATE`` transactions in WAL mode with a busy
timeout, so several officers and a cron job can use one register at once. A
check and the write it guards happen in the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, create_engine, event, exc, insert, select
from sqlalchemy.engine import Connection, make_url

from reviewclock.checks import check_new_event, check_ref
from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.errors import CaseNotFound, DuplicateCase, RegisterError
from reviewclock.migrations import HEAD

BUSY_TIMEOUT_S = 30.0
SQLITE_MAGIC = b"SQLite format 3\x00"
_MIGRATIONS = Path(__file__).parent / "migrations"


def _tables() -> tuple[Table, Table]:
    """The cases and events tables, for writing. Reading uses plain SQL, so that a
    status need not build the SQLModel classes at all."""
    from reviewclock.models import Case, Event

    return Case.__table__, Event.__table__  # type: ignore[attr-defined]


def current_user() -> str:
    """The operating-system user, for the audit trail of who recorded what."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def known_revisions() -> set[str]:
    """The schema revisions this version of reviewclock ships, read from file names."""
    return {p.name.split("_", 1)[0] for p in (_MIGRATIONS / "versions").glob("[0-9]*_*.py")}


class Register:
    """A case register. Use it as a context manager, or call :meth:`close`."""

    def __init__(self, location: str, *, create: bool = False, make_dirs: bool = False) -> None:
        self.location = location
        self.path = _sqlite_path(location)
        if self.path is not None:
            _prepare_file(self.path, create=create, make_dirs=make_dirs)
        url = location if "://" in location else f"sqlite:///{self.path}"
        self.engine = _engine(url)
        try:
            with _translated(self):
                self._ensure_schema()
        except BaseException:
            self.engine.dispose()
            raise

    # -- opening -------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self.engine.connect() as conn:
            tables = {
                r[0]
                for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            version = None
            if "alembic_version" in tables:
                version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        if version == HEAD:
            return
        if not tables:
            self._upgrade()
            return
        if version is None or "cases" not in tables:
            raise RegisterError(
                f"{self.location} is an SQLite database but not a reviewclock register; "
                "point --db at a register file, or at a new path to start one"
            )
        if version not in known_revisions():
            raise RegisterError(
                f"{self.location} has schema revision {version}, newer than this reviewclock "
                f"knows ({HEAD}); upgrade reviewclock to use it"
            )
        self._upgrade()

    def _upgrade(self) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._write() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    # -- transactions --------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A short write transaction, begun IMMEDIATE so writers queue rather than deadlock."""
        with _translated(self), self.engine.connect() as conn:
            conn = conn.execution_options(reviewclock_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with _translated(self), self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def add_case(
        self,
        ref: str,
        *,
        aware: dt.date,
        today: dt.date,
        now: dt.datetime,
        notified: dt.date | None = None,
        authority: str | None = None,
        harm: str | None = None,
        note: str | None = None,
    ) -> CaseRecord:
        """Add a new case from the date the local authority became aware of the incident."""
        check_ref(ref)
        user = current_user()
        first = EventRecord("aware", aware, note=note)
        check_new_event(ref, [], first, today)
        events = [first]
        if notified is not None:
            second = EventRecord("notified", notified)
            check_new_event(ref, events, second, today)
            events.append(second)
        cases_table, events_table = _tables()
        with self._write() as conn:
            if conn.execute(select(cases_table.c.id).where(cases_table.c.ref == ref)).first():
                raise DuplicateCase(
                    f"case {ref} is already in the register; use 'reviewclock record {ref} ...' "
                    "to add events, or choose another reference"
                )
            inserted = conn.execute(
                insert(cases_table).values(
                    ref=ref,
                    authority=authority,
                    harm=harm,
                    created_at=now.astimezone(dt.UTC),
                    created_by=user,
                )
            ).inserted_primary_key
            assert inserted is not None
            case_id = inserted[0]
            conn.execute(
                insert(events_table),
                [_event_row(case_id, e, user, now) for e in events],
            )
            return self._load(conn, ref)

    def record(
        self,
        ref: str,
        name: str,
        on: dt.date,
        *,
        today: dt.date,
        now: dt.datetime,
        kind: str | None = None,
        note: str | None = None,
    ) -> CaseRecord:
        """Append an event to a case, after checking it against what is recorded."""
        user = current_user()
        cases_table, events_table = _tables()
        with self._write() as conn:
            case = self._load(conn, ref)
            new = EventRecord(name, on, kind, note)
            check_new_event(ref, case.events, new, today)
            case_id = conn.execute(
                select(cases_table.c.id).where(cases_table.c.ref == ref)
            ).scalar_one()
            conn.execute(insert(events_table).values(**_event_row(case_id, new, user, now)))
            return self._load(conn, ref)

    # -- reading -------------------------------------------------------------------------

    def get(self, ref: str) -> CaseRecord:
        with self._read() as conn:
            return self._load(conn, ref)

    def cases(self, *, audit: bool = True) -> list[CaseRecord]:
        """Every case, in the order they were added, each with its events in date order.

        Without ``audit``, events come without their notes and who recorded them
        and when: all that a status needs, read much faster.
        """
        with self._read() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                heads = cursor.execute(
                    "SELECT id, ref, authority, harm FROM cases ORDER BY id"
                ).fetchall()
                columns = _AUDIT_COLUMNS if audit else ""
                cursor.execute(
                    f"SELECT case_id, name, on_date, kind{columns} FROM events"
                    " ORDER BY case_id, on_date, id"
                )
                by_case = _events_by_case(cast(Iterable[Any], cursor), audit=audit)
            finally:
                cursor.close()
        empty: tuple[EventRecord, ...] = ()
        return [
            CaseRecord(ref, authority, harm, by_case.get(case_id, empty))
            for case_id, ref, authority, harm in heads
        ]

    def digest_sent(self, digest_date: dt.date, fingerprint: str) -> tuple[str, str] | None:
        """When and to whom this exact digest was already sent for ``digest_date``, if it was."""
        with self._read() as conn:
            row = conn.exec_driver_sql(
                "SELECT sent_at, recipients FROM sent_digests"
                " WHERE digest_date = ? AND fingerprint = ? ORDER BY id LIMIT 1",
                (digest_date.isoformat(), fingerprint),
            ).first()
        return None if row is None else (str(row[0]), str(row[1]))

    def record_digest(
        self,
        digest_date: dt.date,
        fingerprint: str,
        recipients: list[str],
        subject: str,
        now: dt.datetime,
    ) -> None:
        """Note that a digest was sent. Called only after the mail server accepted it."""
        from reviewclock.models import SentDigest

        with self._write() as conn:
            conn.execute(
                insert(SentDigest.__table__).values(  # type: ignore[attr-defined]
                    digest_date=digest_date,
                    fingerprint=fingerprint,
                    recipients=", ".join(recipients),
                    subject=subject,
                    sent_at=now.astimezone(dt.UTC),
                    sent_by=current_user(),
                )
            )

    def refs(self) -> list[str]:
        with self._read() as conn:
            return [r[0] for r in conn.exec_driver_sql("SELECT ref FROM cases ORDER BY ref")]

    def _load(self, conn: Connection, ref: str) -> CaseRecord:
        head = conn.exec_driver_sql(
            "SELECT id, ref, authority, harm FROM cases WHERE ref = ?", (ref,)
        ).first()
        if head is None:
            raise CaseNotFound(
                f"no case {ref!r} in the register {self.location}; "
                "'reviewclock status --all' lists the cases"
            )
        rows = conn.exec_driver_sql(
            f"SELECT case_id, name, on_date, kind{_AUDIT_COLUMNS} FROM events"
            " WHERE case_id = ? ORDER BY on_date, id",
            (head[0],),
        )
        events = _events_by_case(rows, audit=True).get(head[0], ())
        return CaseRecord(head[1], head[2], head[3], events)


_AUDIT_COLUMNS = ", note, recorded_by, recorded_at"


def _event_row(case_id: int, e: EventRecord, user: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "name": e.name,
        "on_date": e.on,
        "kind": e.kind,
        "note": e.note,
        "recorded_by": user,
        "recorded_at": now.astimezone(dt.UTC),
    }


def _events_by_case(rows: Iterable[Any], *, audit: bool) -> dict[int, tuple[EventRecord, ...]]:
    """Group event rows (ordered by case) into each case's tuple of :class:`EventRecord`."""
    grouped: dict[int, list[EventRecord]] = {}
    days: dict[str, dt.date] = {}  # a register repeats the same few thousand dates
    fromiso = dt.date.fromisoformat
    current: list[EventRecord] = []
    current_id = None
    for row in rows:
        case_id, name, on, kind = row[:4]
        day = days.get(on)
        if day is None:
            day = days[on] = fromiso(on)
        if case_id != current_id:
            current = grouped.setdefault(case_id, [])
            current_id = case_id
        if audit:
            note, by, at = row[4:]
            when = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC) if at else None
            current.append(EventRecord(name, day, kind, note, by, when))
        else:
            current.append(EventRecord(name, day, kind))
    return {case_id: tuple(events) for case_id, events in grouped.items()}


def _sqlite_path(location: str) -> Path | None:
    if "://" not in location:
        return Path(location).expanduser()
    try:
        url = make_url(location)
    except exc.ArgumentError:
        raise RegisterError(
            f"{location!r} is not a register path or a database URL; "
            "give a file path such as ~/reviewclock.db, or sqlite:///path/to/file.db"
        ) from None
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise RegisterError(f"{location!r} names no file; a register must be kept in a file")
    return Path(url.database).expanduser()


def _prepare_file(path: Path, *, create: bool, make_dirs: bool) -> None:
    """Check the path, and create a new private register file where asked to."""
    if path.is_dir():
        raise RegisterError(
            f"{path} is a directory; give the path of a register file, "
            f"for example {path / 'register.db'}"
        )
    if path.exists():
        try:
            with path.open("rb") as f:
                head = f.read(16)
        except OSError as e:
            raise RegisterError(f"cannot read the register {path}: {e.strerror}") from None
        if head and head != SQLITE_MAGIC:
            raise RegisterError(
                f"{path} is not a reviewclock register (not an SQLite database); "
                "check --db or REVIEWCLOCK_DB"
            )
        return
    if not create:
        raise RegisterError(
            f"there is no register at {path} yet; add the first case with "
            "'reviewclock add-sin', or point --db (or REVIEWCLOCK_DB) at your register"
        )
    if not path.parent.exists():
        if not make_dirs:
            raise RegisterError(
                f"the directory {path.parent} does not exist; create it, or choose another --db"
            )
        path.parent.mkdir(mode=0o700, parents=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # another process created it a moment ago
    except OSError as e:
        raise RegisterError(f"cannot create the register {path}: {e.strerror}") from None
    os.close(fd)


def _engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below start every transaction itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        # A read-only register still opens without WAL; its writes are refused with a message.
        with contextlib.suppress(Exception):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("reviewclock_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextlib.contextmanager
def _translated(register: Register) -> Iterator[None]:
    """Turn database failures into one-line messages that say what to do."""
    where = register.location
    try:
        yield
    except exc.OperationalError as e:
        text = str(e.orig).lower()
        if "locked" in text or "busy" in text:
            raise RegisterError(
                f"the register {where} stayed locked by another user for over "
                f"{BUSY_TIMEOUT_S:.0f} s; try again in a moment"
            ) from None
        if "readonly" in text or "read-only" in text:
            raise RegisterError(
                f"the register {where} is read-only; ask for write access, or work on a copy"
            ) from None
        if "disk is full" in text or "full" in text:
            raise RegisterError(
                f"the disk holding {where} is full; nothing was written. Free some space "
                "and run the command again"
            ) from None
        if "unable to open" in text:
            raise RegisterError(
                f"cannot open the register {where}; check that the path and its directory "
                "exist and that you may read and write them"
            ) from None
        raise RegisterError(f"the register {where} could not be used: {e.orig}") from None
    except exc.DatabaseError as e:
        raise RegisterError(
            f"{where} is not a usable reviewclock register ({e.orig}); "
            "restore it from a backup or point --db at another file"
        ) from None

"""The emailed digest, against a real SMTP server on loopback (aiosmtpd), not a mock."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import sqlite3
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from helpers import assert_refused, query, run

AS_OF = "2025-02-03"  # a Monday
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "register.db"


@dataclass
class Sink:
    """An SMTP handler that keeps every message it is given."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, dict[str, str]]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        "REVIEWCLOCK_SMTP_HOST": "127.0.0.1",
        "REVIEWCLOCK_SMTP_PORT": str(port),
        "REVIEWCLOCK_SMTP_TLS": "none",
        "REVIEWCLOCK_MAIL_FROM": "bsu@northshire.example",
        "REVIEWCLOCK_SMTP_TIMEOUT": "5",
    }
    yield sink, env
    controller.stop()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A copy of the example register: 2 overdue, 1 delayed, 1 due soon on 3 February 2025."""
    path = tmp_path / "r.db"
    with sqlite3.connect(EXAMPLE) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return str(path)


@pytest.fixture
def either_db(register_url: str, db: str) -> str:
    """The example register on each engine: the copy, or moved into PostgreSQL through JSON."""
    if "://" not in register_url:
        return db
    exported = run("export", "--format", "json", "--db", db)
    assert exported.exit_code == 0, exported.stderr
    moved = Path(db).with_suffix(".json")
    moved.write_text(exported.stdout)
    r = run("import", str(moved), "--db", register_url)
    assert r.exit_code == 0, r.stderr
    return register_url


def sent_count(db: str) -> int:
    return int(query(db, "SELECT count(*) FROM sent_digests")[0][0])


def snapshot(db: str) -> tuple[str, int]:
    status = run("status", "--all", "--json", "--db", db, "--as-of", AS_OF).stdout
    return status, sent_count(db)


def report(db: str, env: dict[str, str], *args: str) -> Any:
    return run("report", "--db", db, "--as-of", AS_OF, *args, env=env)


def test_one_message_with_both_parts(smtp: tuple[Sink, dict[str, str]], either_db: str) -> None:
    sink, env = smtp
    db = either_db
    r = report(
        db, env, "--email", "manager@northshire.example", "--email", "deputy@northshire.example"
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""  # cron stays quiet when all is well
    [(sender, rcpts, msg)] = sink.messages
    assert sender == "bsu@northshire.example"
    assert rcpts == ["manager@northshire.example", "deputy@northshire.example"]
    assert msg["Subject"] == "reviewclock: 2 overdue, 1 delayed by proceedings, 1 due soon"
    assert msg["To"] == "manager@northshire.example, deputy@northshire.example"
    assert msg.is_multipart()
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert "BSCP-2024-09" in body  # the overdue rapid review
        assert "Fri 2025-01-31" in body and "Tue 2024-12-31" in body and "Sat 2025-01-25" in body
        assert "BSCP-2024-05" in body and "BSCP-2024-11" in body
    assert "PANEL NOT YET TOLD" in text
    assert sent_count(db) == 1


def test_nothing_due_means_no_message(smtp: tuple[Sink, dict[str, str]], tmp_path: Path) -> None:
    sink, env = smtp
    quiet = str(tmp_path / "quiet.db")
    assert (
        run(
            "add-sin", "Q-1", "--aware", "2024-03-28", "--notified", "2024-04-02", "--db", quiet
        ).exit_code
        == 0
    )
    assert (
        run("record", "Q-1", "rapid-review-sent", "--on", "2024-04-10", "--db", quiet).exit_code
        == 0
    )
    r = run("report", "--db", quiet, "--as-of", "2024-04-11", "--email", "m@n.example", env=env)
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""
    assert sink.messages == []
    r = run(
        "report",
        "--db",
        quiet,
        "--as-of",
        "2024-04-11",
        "--email",
        "m@n.example",
        "--always",
        env=env,
    )
    assert r.exit_code == 0, r.stderr
    [(_, _, msg)] = sink.messages
    assert msg["Subject"] == "reviewclock: 0 overdue, 0 delayed by proceedings, 0 due soon"


def test_same_digest_is_not_sent_twice_a_day(
    smtp: tuple[Sink, dict[str, str]], either_db: str
) -> None:
    sink, env = smtp
    db = either_db
    for _ in range(2):
        assert report(db, env, "--email", "m@n.example").exit_code == 0
    assert len(sink.messages) == 1
    assert report(db, env, "--email", "m@n.example", "--force").exit_code == 0
    assert len(sink.messages) == 2
    # A different digest the same day goes out: the register changed.
    assert (
        run(
            "record", "BSCP-2024-09", "rapid-review-sent", "--on", "2025-02-03", "--db", db
        ).exit_code
        == 0
    )
    assert report(db, env, "--email", "m@n.example").exit_code == 0
    assert len(sink.messages) == 3
    assert sink.messages[-1][2]["Subject"].startswith("reviewclock: 1 overdue")
    # The next day is a new digest.
    assert (
        run(
            "report", "--db", db, "--as-of", "2025-02-04", "--email", "m@n.example", env=env
        ).exit_code
        == 0
    )
    assert len(sink.messages) == 4


def test_skip_non_working_days(smtp: tuple[Sink, dict[str, str]], db: str) -> None:
    sink, env = smtp
    for day in ("2025-02-01", "2025-04-18", "2024-12-25"):  # a Saturday, Good Friday, Christmas
        r = run(
            "report",
            "--db",
            db,
            "--as-of",
            day,
            "--email",
            "m@n.example",
            "--skip-non-working-days",
            env=env,
        )
        assert r.exit_code == 0 and r.stderr == ""
    assert sink.messages == []
    r = run(
        "report",
        "--db",
        db,
        "--as-of",
        "2025-02-03",
        "--email",
        "m@n.example",
        "--skip-non-working-days",
        env=env,
    )
    assert r.exit_code == 0 and len(sink.messages) == 1


@contextlib.contextmanager
def _tls_server(tmp_path: Path, tls: str) -> Iterator[tuple[Sink, dict[str, str]]]:
    """A server with a certificate from a test CA that insists on a login: ``starttls``
    (TLS after STARTTLS, which it requires) or ``ssl`` (TLS from the first byte)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login == b"bsu" and auth_data.password == b"s3cret-pass"
        )
        return AuthResult(success=ok, handled=False)

    sink = Sink()
    port = free_port()
    if tls == "starttls":
        options: dict[str, Any] = {
            "tls_context": server_ctx,
            "require_starttls": True,
            "auth_require_tls": True,
        }
    else:
        # aiosmtpd counts only STARTTLS as TLS here; on SMTPS every byte is encrypted.
        options = {"ssl_context": server_ctx, "auth_require_tls": False}
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, authenticator=authenticator, **options
    )
    controller.start()
    env = {
        "REVIEWCLOCK_SMTP_HOST": "127.0.0.1",
        "REVIEWCLOCK_SMTP_PORT": str(port),
        "REVIEWCLOCK_SMTP_TLS": tls,
        "REVIEWCLOCK_SMTP_USER": "bsu",
        "REVIEWCLOCK_SMTP_PASSWORD": "s3cret-pass",
        "REVIEWCLOCK_MAIL_FROM": "bsu@northshire.example",
        "REVIEWCLOCK_SMTP_TIMEOUT": "5",
        "SSL_CERT_FILE": str(ca_file),
    }
    try:
        yield sink, env
    finally:
        controller.stop()


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[Sink, dict[str, str]]]:
    """A server that insists on STARTTLS and a login, with a certificate from a test CA."""
    with _tls_server(tmp_path, "starttls") as server:
        yield server


def test_starttls_with_login(tls_smtp: tuple[Sink, dict[str, str]], db: str) -> None:
    sink, env = tls_smtp
    r = report(db, env, "--email", "m@n.example")
    assert r.exit_code == 0, r.stderr
    assert len(sink.messages) == 1


def test_rejected_login_fails_loudly(tls_smtp: tuple[Sink, dict[str, str]], db: str) -> None:
    sink, env = tls_smtp
    before = snapshot(db)
    r = report(db, {**env, "REVIEWCLOCK_SMTP_PASSWORD": "wrong-guess"}, "--email", "m@n.example")
    assert_refused(r, 1, "refused the login for 'bsu'")
    assert "wrong-guess" not in r.stderr + r.stdout and "s3cret" not in r.stderr
    assert sink.messages == [] and snapshot(db) == before


def test_untrusted_certificate_fails(tls_smtp: tuple[Sink, dict[str, str]], db: str) -> None:
    _, env = tls_smtp
    env = {k: v for k, v in env.items() if k != "SSL_CERT_FILE"}
    before = snapshot(db)
    assert_refused(report(db, env, "--email", "m@n.example"), 1, "TLS with the mail server")
    assert snapshot(db) == before


@pytest.fixture
def ssl_smtp(tmp_path: Path) -> Iterator[tuple[Sink, dict[str, str]]]:
    """A server that speaks TLS from the first byte (SMTPS, ``tls = "ssl"``), with a login."""
    with _tls_server(tmp_path, "ssl") as server:
        yield server


def test_ssl_from_the_first_byte_with_login(ssl_smtp: tuple[Sink, dict[str, str]], db: str) -> None:
    sink, env = ssl_smtp
    r = report(db, env, "--email", "m@n.example")
    assert r.exit_code == 0, r.stderr
    [(_, rcpts, msg)] = sink.messages
    assert rcpts == ["m@n.example"]
    assert msg["Subject"] == "reviewclock: 2 overdue, 1 delayed by proceedings, 1 due soon"
    assert sent_count(db) == 1
    # The same server's certificate, not trusted: refused, nothing noted as sent.
    env = {k: v for k, v in env.items() if k != "SSL_CERT_FILE"}
    before = snapshot(db)
    r = report(db, env, "--email", "m@n.example", "--force")
    assert_refused(r, 1, "TLS with the mail server")
    assert len(sink.messages) == 1 and snapshot(db) == before


def test_server_down(db: str) -> None:
    env = {
        "REVIEWCLOCK_SMTP_HOST": "127.0.0.1",
        "REVIEWCLOCK_SMTP_PORT": str(free_port()),
        "REVIEWCLOCK_SMTP_TLS": "none",
        "REVIEWCLOCK_MAIL_FROM": "bsu@n.example",
    }
    before = snapshot(db)
    assert_refused(report(db, env, "--email", "m@n.example"), 1, "connection refused")
    assert snapshot(db) == before


def test_slow_server_times_out(db: str) -> None:
    with socket.socket() as listener:  # accepts connections, never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        env = {
            "REVIEWCLOCK_SMTP_HOST": "127.0.0.1",
            "REVIEWCLOCK_SMTP_PORT": str(listener.getsockname()[1]),
            "REVIEWCLOCK_SMTP_TLS": "none",
            "REVIEWCLOCK_MAIL_FROM": "bsu@n.example",
            "REVIEWCLOCK_SMTP_TIMEOUT": "0.5",
        }
        before = snapshot(db)
        assert_refused(report(db, env, "--email", "m@n.example"), 1, "did not answer within 0.5 s")
        assert snapshot(db) == before


@pytest.mark.parametrize(
    ("env", "fragments"),
    [
        ({}, ["no mail server is configured", "REVIEWCLOCK_SMTP_HOST"]),
        ({"REVIEWCLOCK_SMTP_HOST": "127.0.0.1"}, ["REVIEWCLOCK_MAIL_FROM"]),
        (
            {"REVIEWCLOCK_SMTP_HOST": "h", "REVIEWCLOCK_MAIL_FROM": "not an address"},
            ["'not an address'"],
        ),
        (
            {
                "REVIEWCLOCK_SMTP_HOST": "h",
                "REVIEWCLOCK_MAIL_FROM": "a@b.example",
                "REVIEWCLOCK_SMTP_PORT": "smtp",
            },
            ["REVIEWCLOCK_SMTP_PORT", "'smtp'"],
        ),
        (
            {
                "REVIEWCLOCK_SMTP_HOST": "h",
                "REVIEWCLOCK_MAIL_FROM": "a@b.example",
                "REVIEWCLOCK_SMTP_PORT": "70000",
            },
            ["REVIEWCLOCK_SMTP_PORT", "'70000'"],
        ),
        (
            {
                "REVIEWCLOCK_SMTP_HOST": "h",
                "REVIEWCLOCK_MAIL_FROM": "a@b.example",
                "REVIEWCLOCK_SMTP_TLS": "maybe",
            },
            ["REVIEWCLOCK_SMTP_TLS", "'maybe'"],
        ),
        (
            {
                "REVIEWCLOCK_SMTP_HOST": "h",
                "REVIEWCLOCK_MAIL_FROM": "a@b.example",
                "REVIEWCLOCK_SMTP_PASSWORD": "hunter2-secret",
            },
            ["no user", "user in the [mail] table"],
        ),
        (
            {
                "REVIEWCLOCK_SMTP_HOST": "h",
                "REVIEWCLOCK_MAIL_FROM": "a@b.example",
                "REVIEWCLOCK_SMTP_TIMEOUT": "601",
            },
            ["REVIEWCLOCK_SMTP_TIMEOUT", "'601'", "from 0.1 to 600"],
        ),
    ],
)
def test_missing_or_malformed_settings(db: str, env: dict[str, str], fragments: list[str]) -> None:
    before = snapshot(db)
    r = report(db, env, "--email", "m@n.example")
    assert_refused(r, 1, *fragments)
    assert "hunter2" not in r.stderr
    assert snapshot(db) == before


def test_mail_settings_from_the_config_file(
    smtp: tuple[Sink, dict[str, str]], db: str, tmp_path: Path
) -> None:
    sink, env = smtp
    conf = tmp_path / "config.toml"
    conf.write_text(
        "[mail]\n"
        f'host = "127.0.0.1"\nport = {env["REVIEWCLOCK_SMTP_PORT"]}\ntls = "none"\n'
        'from = "bsu@northshire.example"\n'
    )
    r = report(db, {"REVIEWCLOCK_CONFIG": str(conf)}, "--email", "m@n.example")
    assert r.exit_code == 0, r.stderr
    assert len(sink.messages) == 1
    conf.write_text('[mail]\nhots = "x"\n')
    assert_refused(
        report(db, {"REVIEWCLOCK_CONFIG": str(conf)}, "--email", "m@n.example"),
        1,
        "unknown key 'mail.hots'",
    )
    conf.write_text('[mail]\nhost = "127.0.0.1"\nfrom = "a@b.example"\nport = "x"\n')
    assert_refused(
        report(db, {"REVIEWCLOCK_CONFIG": str(conf)}, "--email", "m@n.example"),
        1,
        "key 'mail.port'",
        "'x'",
    )
    conf.write_text('[mail]\nhost = "127.0.0.1"\nfrom = "a@b.example"\ntls = false\n')
    assert_refused(
        report(db, {"REVIEWCLOCK_CONFIG": str(conf)}, "--email", "m@n.example"),
        1,
        "key 'mail.tls' has the bad value False; use none, starttls or ssl",
    )


def test_header_injection_in_a_case_reference_goes_nowhere(
    smtp: tuple[Sink, dict[str, str]], db: str
) -> None:
    sink, env = smtp
    evil = "X-1\r\nBcc: thief@evil.example\r\nSubject: hi"
    # The register refuses such a reference...
    assert_refused(run("add-sin", evil, "--aware", "2025-01-28", "--db", db), 2, "not valid")
    # ...and one written into the file by other means still cannot reach the headers.
    with sqlite3.connect(db) as conn:
        cur = conn.execute(
            "INSERT INTO cases (ref, created_at, created_by) VALUES (?, '2025-01-28', 'x')", (evil,)
        )
        conn.execute(
            "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at) "
            "VALUES (?, 'aware', '2025-01-28', 'x', '2025-01-28')",
            (cur.lastrowid,),
        )
    r = report(db, env, "--email", "m@n.example")
    assert r.exit_code == 0, r.stderr
    [(_, rcpts, msg)] = sink.messages
    assert rcpts == ["m@n.example"]
    assert "X-1" in msg.get_body(("plain",)).get_content()  # the case is in the digest...
    assert msg["Bcc"] is None and "evil" not in str(msg["To"])  # ...and nowhere in the headers
    assert msg["Subject"].startswith("reviewclock: ")
    assert len(msg.get_all("Subject")) == 1


def test_a_login_the_server_does_not_offer_is_named(
    smtp: tuple[Sink, dict[str, str]], db: str
) -> None:
    """A mail user set for a server that offers no login (no AUTH): said as that, with both
    places the user can be set, not as a TLS problem."""
    sink, env = smtp
    r = report(db, {**env, "REVIEWCLOCK_SMTP_USER": "bob"}, "--email", "m@n.example")
    assert_refused(
        r,
        1,
        "offers no login, but a mail user is set",
        "the mail user (in the [mail] table, or REVIEWCLOCK_SMTP_USER)",
    )
    assert not sink.messages


@pytest.mark.parametrize("flag", ["--always", "--force"])
def test_a_sending_option_without_email_is_a_usage_error(db: str, flag: str) -> None:
    """Printed, a digest is never sent: an option that says when to send it does nothing."""
    assert_refused(report(db, {}, flag), 2, f"{flag} goes with --email ADDRESS")


@pytest.mark.parametrize(
    "address",
    [
        "m@n.example\r\nBcc: thief@evil.example",
        "two@a.example, three@b.example",
        "Manager <m@n.example>",
        "nobody",
        # A mail server need not take letters beyond ASCII; a domain has no empty label.
        "é@example.org",
        "a@example..org",
    ],
)
def test_bad_recipient_is_refused(db: str, address: str) -> None:
    before = snapshot(db)
    assert_refused(report(db, {}, "--email", address), 2, "not an email address")
    assert snapshot(db) == before


# -- the other formats ---------------------------------------------------------------------


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "link", "img", "iframe", "object", "embed"}:
            self.found.append(tag)
        self.found += [f"{tag}[{k}]" for k, v in attrs if k in {"src", "href"} and v]
        style = dict(attrs).get("style") or ""
        if "url(" in style:
            self.found.append(f"{tag} style url()")


def test_html_is_well_formed_and_self_contained(db: str) -> None:
    r = run("report", "--db", db, "--as-of", AS_OF, "--format", "html")
    assert r.exit_code == 0, r.stderr
    page = r.stdout
    assert page.startswith("<!DOCTYPE html>")
    root = ET.fromstring(
        page.split("\n", 1)[1]
    )  # well-formed: every tag closed, every entity valid
    assert root.tag == "html"
    cells = [td.text for td in root.iter("td")]
    assert "BSCP-2024-09" in cells
    parser = _Resources()
    parser.feed(page)
    assert parser.found == []


def test_html_escapes_what_it_shows(smtp: tuple[Sink, dict[str, str]], db: str) -> None:
    with sqlite3.connect(db) as conn:
        cur = conn.execute(
            "INSERT INTO cases (ref, created_at, created_by) VALUES "
            "('<b>X</b>&', '2025-01-28', 'x')"
        )
        conn.execute(
            "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at) "
            "VALUES (?, 'aware', '2025-01-28', 'x', '2025-01-28')",
            (cur.lastrowid,),
        )
    page = run("report", "--db", db, "--as-of", AS_OF, "--format", "html").stdout
    assert "&lt;b&gt;X&lt;/b&gt;&amp;" in page and "<b>X</b>" not in page
    ET.fromstring(page.split("\n", 1)[1])


def test_json_and_csv_use_the_status_names(db: str) -> None:
    import csv
    import io
    import json

    data = json.loads(run("report", "--db", db, "--as-of", AS_OF, "--format", "json").stdout)
    assert data["counts"] == {
        "overdue": 2,
        "delayed-proceedings": 1,
        "due-soon": 1,
        "local-targets": 0,  # no milestones in the settings
    }
    status = json.loads(run("status", "--json", "--db", db, "--as-of", AS_OF).stdout)
    by_ref = {c["ref"]: {s["stage"]: s for s in c["stages"]} for c in status}
    for group in ("overdue", "delayed-proceedings", "due-soon"):
        for line in data[group]:
            stage = by_ref[line["ref"]][line["stage"]]
            assert {k: line[k] for k in stage} == stage  # same keys, same values
            assert line["state"] == group
    rows = list(
        csv.DictReader(
            io.StringIO(run("report", "--db", db, "--as-of", AS_OF, "--format", "csv").stdout)
        )
    )
    assert [(r["group"], r["ref"], r["due"]) for r in rows] == [
        ("overdue", "BSCP-2024-08", "2024-12-31"),
        ("overdue", "BSCP-2024-09", "2025-01-31"),
        ("delayed-proceedings", "BSCP-2024-05", "2025-01-25"),
        ("due-soon", "BSCP-2024-11", "2025-02-04"),
    ]
    assert rows[2]["panel_told"] == "no"


def test_markdown_escapes_table_cells(db: str) -> None:
    # A reference written behind reviewclock's back, with a pipe and a backslash in it:
    # either would end or bend its table cell if it were not escaped.
    with sqlite3.connect(db) as conn:
        cur = conn.execute(
            "INSERT INTO cases (ref, created_at, created_by) VALUES ('X|Y\\Z', '2025-01-28', 'x')"
        )
        conn.execute(
            "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at) "
            "VALUES (?, 'aware', '2025-01-28', 'x', '2025-01-28')",
            (cur.lastrowid,),
        )
    md = run("report", "--db", db, "--as-of", AS_OF, "--format", "markdown").stdout
    # Aware Tue 28 January: the notification is due Tue 4 February, one working day away.
    assert "| X\\|Y\\\\Z | sin | Tue 2025-02-04 | 1 working day left |" in md
    assert md.startswith("# reviewclock digest for Mon 2025-02-03")
    assert "## Overdue (2)" in md and "## Delayed by proceedings (1)" in md
    assert "| BSCP-2024-09 | rapid-review | Fri 2025-01-31 | 1 working day late |" in md

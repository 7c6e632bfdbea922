"""Compose the digest as a multipart email and send it with the standard library.

A failure to send is never silent: every way it can fail (no server, refused
login, TLS, a slow server) becomes a :class:`MailError` with a one-line
reason. The password is used to log in and nowhere else.

:func:`send_digest` is the whole flow of ``reviewclock report --email``: say
nothing when there is nothing to say, send a digest once a day, and remember
what was sent in the register.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from reviewclock.digest import Digest
from reviewclock.errors import MailError
from reviewclock.mailsettings import ENV_NAMES, MailSettings
from reviewclock.render.formats import digest_html
from reviewclock.render.phrases import counts_line
from reviewclock.render.text import digest_text

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")


class SentLog(Protocol):
    """Where the digests already sent are remembered (the register)."""

    def digest_sent(self, digest_date: dt.date, fingerprint: str) -> tuple[str, str] | None: ...

    def record_digest(
        self,
        digest_date: dt.date,
        fingerprint: str,
        recipients: list[str],
        subject: str,
        now: dt.datetime,
    ) -> None: ...


def send_digest(
    digest: Digest,
    addresses: Sequence[str],
    settings: MailSettings,
    sent_log: SentLog,
    *,
    now: Callable[[], dt.datetime],
    always: bool,
    force: bool,
) -> str:
    """Email ``digest`` to ``addresses`` (each once) unless it is empty (and not ``always``)
    or the same digest already went out that day (and not ``force``); remember it when sent.
    Returns the line that says what happened. Raises :class:`MailError` when sending fails,
    and then nothing is remembered, so the next run tries again."""
    if digest.is_empty and not always:
        return "Nothing is overdue, delayed or due soon; no digest sent."
    recipients = list(dict.fromkeys(addresses))
    msg = compose(digest, settings.sender, recipients)
    mark = fingerprint(msg, recipients)
    if not force:
        sent = sent_log.digest_sent(digest.as_of, mark)
        if sent is not None:
            return (
                f"This digest was already sent for {digest.as_of.isoformat()} (at {sent[0]} UTC, "
                f"to {sent[1]}); not sent again. Use --force to send it anyway."
            )
    send(msg, recipients, settings)
    sent_log.record_digest(digest.as_of, mark, recipients, str(msg["Subject"]), now())
    return f'Sent "{msg["Subject"]}" to {", ".join(recipients)}.'


def header_safe(text: str) -> str:
    """Text fit for a header: control characters (CR and LF above all) become spaces."""
    return _UNSAFE.sub(" ", text).strip()


def subject_for(digest: Digest) -> str:
    """``reviewclock: 2 overdue, 1 delayed by proceedings, 3 due soon``."""
    return header_safe(f"reviewclock: {counts_line(digest)}")


def compose(digest: Digest, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """One message, plain text with an HTML alternative."""
    msg = EmailMessage()
    msg["Subject"] = subject_for(digest)
    msg["From"] = header_safe(sender)
    msg["To"] = ", ".join(header_safe(r) for r in recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(digest_text(digest))
    msg.add_alternative(digest_html(digest), subtype="html")
    return msg


def fingerprint(msg: EmailMessage, recipients: Sequence[str]) -> str:
    """What makes two digests the same: the recipients, the subject and the text body."""
    body = msg.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    data = "\n".join([",".join(sorted(recipients)), str(msg["Subject"]), text])
    return hashlib.sha256(data.encode()).hexdigest()


def _setting(key: str) -> str:
    """A mail setting as people set it: in the settings file or in the environment."""
    return f"the mail {key} (in the [mail] table, or {ENV_NAMES[key]})"


def send(msg: EmailMessage, recipients: Sequence[str], settings: MailSettings) -> None:
    """Hand the message to the mail server, or raise :class:`MailError` saying why not."""
    where = f"{settings.host}:{settings.port}"
    try:
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if settings.tls == "ssl":
            server = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with server:
            if settings.tls == "starttls":
                server.starttls(context=context)
            if settings.user:
                server.ehlo_or_helo_if_needed()
                if not server.has_extn("auth"):
                    raise MailError(
                        f"the mail server {where} offers no login, but a mail user is set;"
                        f" remove {_setting('user')} and {_setting('password')}, or, if the"
                        f" server offers its login only over TLS, set {_setting('tls')} to"
                        " starttls"
                    )
                server.login(settings.user, settings.password or "")
            refused = server.send_message(msg, from_addr=settings.sender, to_addrs=list(recipients))
    except smtplib.SMTPAuthenticationError as e:
        raise MailError(
            f"the mail server {where} refused the login for {settings.user!r} "
            f"({e.smtp_code}); check {_setting('user')} and {_setting('password')}"
        ) from None
    except smtplib.SMTPNotSupportedError as e:
        raise MailError(
            f"the mail server {where} does not support what was asked ({_first_line(e)}); "
            f"check {_setting('tls')} (none, starttls or ssl)"
        ) from None
    except smtplib.SMTPRecipientsRefused as e:
        who = ", ".join(sorted(e.recipients))
        raise MailError(f"the mail server {where} refused every recipient: {who}") from None
    except smtplib.SMTPResponseException as e:
        raise MailError(
            f"the mail server {where} answered {e.smtp_code}: {_first_line(e.smtp_error)}"
        ) from None
    except (ssl.SSLError, ssl.CertificateError) as e:
        raise MailError(
            f"TLS with the mail server {where} failed ({_first_line(e)}); check "
            f"{_setting('tls')}, and that the server's certificate is trusted"
        ) from None
    except smtplib.SMTPServerDisconnected as e:
        if isinstance(e.__context__, TimeoutError):
            raise MailError(_timed_out(where, settings)) from None
        raise MailError(
            f"the mail server {where} closed the connection ({_first_line(e)}); "
            "nothing was sent, and the next run will try again"
        ) from None
    except TimeoutError:
        raise MailError(_timed_out(where, settings)) from None
    except ConnectionRefusedError:
        raise MailError(
            f"could not connect to the mail server {where}: connection refused; "
            f"check {_setting('host')} and {_setting('port')}"
        ) from None
    except socket.gaierror:
        raise MailError(
            f"the mail server name {settings.host!r} could not be found; check {_setting('host')}"
        ) from None
    except UnicodeError:
        # The text of this error quotes the offending character and its place: it could be
        # part of the password, so it is never shown.
        raise MailError(
            f"the login or message for the mail server {where} holds characters it cannot "
            f"send; check {_setting('user')} and {_setting('password')}"
        ) from None
    except (smtplib.SMTPException, OSError) as e:
        raise MailError(f"sending to the mail server {where} failed: {_first_line(e)}") from None
    if refused:
        who = ", ".join(sorted(refused))
        raise MailError(f"the mail server {where} accepted the digest but refused {who}")


def _timed_out(where: str, settings: MailSettings) -> str:
    return (
        f"the mail server {where} did not answer within {settings.timeout:g} s; "
        "nothing was sent, and the next run will try again"
    )


def _first_line(e: object) -> str:
    text = e.decode(errors="replace") if isinstance(e, bytes) else str(e)
    return " ".join(text.split()) or type(e).__name__

"""Sending one plain-text email through an SMTP server. The caller chooses the server and the From
address; this module knows no database and reads no settings."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

DEFAULT_TIMEOUT = 10.0


class SmtpError(RuntimeError):
    """The server could not be reached or refused the message."""


def build_message(sender: str, to: Sequence[str], subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = ", ".join(to)
        message["Subject"] = subject
    except ValueError as exc:  # a line break in a header: refuse rather than let it inject headers
        raise SmtpError(f"invalid header: {exc}") from exc
    message.set_content(text)
    return message


def send_email(server: tuple[str, int], sender: str, to: Sequence[str], subject: str, text: str, *,
               timeout: float = DEFAULT_TIMEOUT) -> dict[str, tuple[int, bytes]]:
    """Send one email to `server` (host, port). Returns the recipients the server refused while it
    accepted others: the message went out, so retrying it would send it twice to everyone else.
    Raises SmtpError when nothing was sent."""
    recipients = [address for address in to if address]
    if not recipients:
        raise SmtpError("an email needs at least one recipient")
    message = build_message(sender, recipients, subject, text)
    host, port = server
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as client:
            return client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise SmtpError(f"every recipient was refused: {', '.join(exc.recipients)}") from exc
    except smtplib.SMTPResponseException as exc:
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise SmtpError(f"the mail server refused the message: {exc.smtp_code} {detail[:200]}") from exc
    except (smtplib.SMTPException, OSError) as exc:  # connection refused, timeout, dropped connection
        raise SmtpError(f"mail server {host}:{port} unreachable: {exc.__class__.__name__}: {exc}") from exc

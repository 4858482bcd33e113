"""Email through the council's mail relay (the settings' ``mail_*``): a message to each person.

The relay's password, where it asks for one, is read from its file as each message is sent
(never kept in the database, never logged). The relay is spoken to with STARTTLS when it offers
it. A message that cannot be sent raises ``MailNotSent`` naming the relay and why, never the
message or its reader."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from sfclaims.platform.errors import SfclaimsError
from sfclaims.platform.settings import Settings

TIMEOUT = 10  # seconds to wait on the relay


class MailNotSent(SfclaimsError):
    """The relay could not be reached, refused the sender, or asked for a password it was not
    given."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.mail_host and settings.mail_sender)


def send_mail(settings: Settings, to: list[str], subject: str, body: str) -> int:
    """Send the plain-text message to each address, one message each (no reader sees
    another's address), over one conversation with the relay; how many it took. A relay that
    cannot be reached, or refuses the lot, raises ``MailNotSent``; one address refused is
    left out of the count."""
    if not mail_configured(settings):
        raise MailNotSent("No mail relay is set.")
    host = str(settings.mail_host)
    sent = 0
    try:
        with smtplib.SMTP(host, settings.mail_port, timeout=TIMEOUT) as relay:
            relay.ehlo()
            if relay.has_extn("starttls"):
                relay.starttls(context=ssl.create_default_context())
                relay.ehlo()
            if settings.mail_user:
                relay.login(settings.mail_user, _password(settings))
            for address in to:
                message = EmailMessage()
                message["From"] = settings.mail_sender
                message["To"] = address
                message["Subject"] = subject
                message.set_content(body)
                try:
                    relay.send_message(message)
                    sent += 1
                except smtplib.SMTPRecipientsRefused:
                    continue
    except (OSError, smtplib.SMTPException) as error:
        if sent:
            return sent
        raise MailNotSent(
            f"The mail relay {host}:{settings.mail_port} did not take the message "
            f"({type(error).__name__})."
        ) from None
    if not sent and to:
        raise MailNotSent(f"The mail relay {host}:{settings.mail_port} refused every address.")
    return sent


def _password(settings: Settings) -> str:
    if not settings.mail_password_file:
        raise MailNotSent("The mail relay asks for an account, but no password file is set.")
    try:
        return Path(settings.mail_password_file).read_text(encoding="utf-8").strip()
    except OSError:
        raise MailNotSent("The mail relay's password file cannot be read.") from None

"""Notifications by email: what each person chose to hear of, and telling them.

Each person chooses, for themselves alone, an address and the events they hear of among those
their roles touch (``EVENTS``). When an action makes one happen it asks ``notify`` once its
change is committed: every person who chose it, whose account is enabled and still holds a role
the event touches, is sent one email through the council's relay (``platform.mail``). An email
holds counts, a run's or an import's number and a link — never a family's ID or anything about
a person. A relay that is not set sends nothing; one that fails is logged with the count not
sent, and the action that asked stands (a change is never undone for an email).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select
from sqlmodel import col

from sfclaims.intake.kinds import LIST_SEPARATOR, members
from sfclaims.people.accounts import Actor
from sfclaims.platform.activity import record_activity, record_now
from sfclaims.platform.errors import RefusedError, UsageError
from sfclaims.platform.mail import MailNotSent, mail_configured, send_mail
from sfclaims.platform.models import Account, NotificationChoice
from sfclaims.platform.roles import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER
from sfclaims.platform.settings import checked_email, read_settings


@dataclass(frozen=True)
class Event:
    said: str  # what a person ticks, in their words
    roles: tuple[str, ...]  # whom it concerns: only they may choose it, and hear of it


IMPORT_WARNED = "import warned"
DRAFT_READY = "draft ready"
SAMPLE_CHECKED = "sample checked"
RUN_SUBMITTED = "run submitted"
DRAFT_TOUCHED = "draft touched"

EVENTS: dict[str, Event] = {
    IMPORT_WARNED: Event("An import warned of something to check", (DATA_OFFICER, CLAIMS)),
    DRAFT_READY: Event("A draft claim run is ready for audit", (CLAIMS, AUDITOR)),
    SAMPLE_CHECKED: Event("An audit sample has a verdict on every family", (CLAIMS, AUDITOR)),
    RUN_SUBMITTED: Event("A claim run is submitted", (CLAIMS, AUDITOR, ADMIN)),
    DRAFT_TOUCHED: Event(
        "A change of outcome plan, or a purge, touches a draft claim run", (CLAIMS, AUDITOR, ADMIN)
    ),
}


@dataclass(frozen=True)
class Choice:
    """What a person hears of, and where."""

    name: str
    email: str
    hears: tuple[str, ...]  # in ``EVENTS``' order


def events_for(person: Actor) -> list[str]:
    """The events a person's roles touch: those they may choose to hear of."""
    return [e for e, event in EVENTS.items() if any(person.may(r) for r in event.roles)]


def choice_of(engine: Engine, name: str) -> Choice | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(col(NotificationChoice.email), col(NotificationChoice.hears)).where(
                col(NotificationChoice.name) == name
            )
        ).first()
    if row is None:
        return None
    return Choice(name, row.email, tuple(e for e in EVENTS if e in members(row.hears)))


def choose(engine: Engine, person: Actor, email: str, hears: Iterable[str]) -> Choice | None:
    """Keep what the person hears of, and where (their own choice, for any role); nothing
    ticked hears of nothing (the address is then forgotten). Logged with the count alone."""
    chosen = [e.strip().lower() for e in hears if e.strip()]
    unknown = sorted(set(chosen) - set(EVENTS))
    if unknown:
        raise UsageError(
            f"{', '.join(unknown)}: not something to hear of; the events are {', '.join(EVENTS)}."
        )
    theirs = events_for(person)
    not_theirs = [e for e in chosen if e not in theirs]
    if not_theirs:
        raise RefusedError(
            f"Your roles do not touch {', '.join(not_theirs)}; you may hear of "
            f"{', '.join(theirs) or 'nothing'}."
        )
    address = checked_email(email)
    if chosen and not address:
        raise UsageError("Give the email address to send them to.")
    ordered = tuple(e for e in EVENTS if e in chosen)
    with engine.begin() as connection:
        connection.execute(
            delete(NotificationChoice).where(col(NotificationChoice.name) == person.name)
        )
        if ordered:
            connection.execute(
                insert(NotificationChoice).values(
                    name=person.name,
                    email=address,
                    hears=LIST_SEPARATOR.join(ordered),
                    changed_at=datetime.now(UTC),
                )
            )
        record_activity(
            connection,
            person.name,
            "notifications chosen",
            person.name,
            f"hears of {len(ordered)} of {len(theirs)} events: {', '.join(ordered) or 'none'}",
        )
    return Choice(person.name, address, ordered) if ordered else None


@dataclass(frozen=True)
class Notice:
    """One event as its email says it: a subject, a few lines of counts, and the page."""

    event: str
    subject: str
    lines: tuple[str, ...]
    page: str  # the workspace's path: "/audit/RUN"
    about: str = ""  # what it is about, for the log (a run's ID, an import's number)


@dataclass(frozen=True)
class Told:
    sent: int
    not_sent: int


def notify(engine: Engine, notice: Notice, by: str | None) -> Told:
    """Email everyone who chose to hear of the notice's event and may (enabled, a role it
    touches); the sending logged as counts. Nothing is sent while no relay is set."""
    settings = read_settings(engine)
    if not mail_configured(settings):
        return Told(0, 0)
    event = EVENTS[notice.event]
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(NotificationChoice.email),
                col(NotificationChoice.hears),
                col(Account.roles),
            )
            .join(Account, col(Account.name) == col(NotificationChoice.name))
            .where(col(Account.disabled).is_(False))
            .order_by(col(NotificationChoice.name))
        ).all()
    to = [
        row.email
        for row in rows
        if notice.event in members(row.hears) and members(row.roles) & set(event.roles)
    ]
    if not to:
        return Told(0, 0)
    body = _body(notice, settings.workspace_address)
    try:
        sent, why = send_mail(settings, to, f"sfclaims: {notice.subject}", body), ""
    except MailNotSent as error:
        sent, why = 0, str(error)
    told = Told(sent, len(to) - sent)
    record_now(
        engine,
        by,
        "notification sent" if not told.not_sent else "notification not sent",
        notice.about or notice.event,
        f"{notice.event}: {sent} sent"
        + (f", {told.not_sent} not sent" if told.not_sent else "")
        + (f": {why}" if why else ""),
    )
    return told


def _body(notice: Notice, address: str | None) -> str:
    where = (
        f"See it at {address}{notice.page}"
        if address
        else f"See it in the workspace, at {notice.page}"
    )
    return "\n".join(
        [
            *notice.lines,
            "",
            where,
            "",
            "You chose to hear of this on your account page in sfclaims; change what you hear "
            "of there.",
        ]
    )

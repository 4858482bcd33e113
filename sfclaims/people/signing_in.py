"""Failed sign-ins to the workspace, slowed per name and per address without holding a thread,
in a way a stranger cannot turn against the account's owner.

Each failure is a row of its own table (``models.SignInFailure``): the SHA-256 of the name as
typed — never the name, which may be a password typed into the wrong box — the address and when.
Within ``WINDOW``, each try waits longer than the last (1 s, 2 s, 4 s … at most
``LONGEST_WAIT``) once there have been ``FREE_TRIES`` failures of the name from this address,
``PER_ADDRESS`` failures of any name from it, or — for a browser the account has never signed in
from — ``PER_NAME`` failures of the name from anywhere. A browser the account signed in from
before (``known``: a signed cookie) is slowed by its own failures only, so a flood of wrong
passwords from elsewhere never locks the owner out; an admin lifts the waits for an account at
once. A try that must wait is refused before any password is checked, so a flood costs almost
nothing. The activity log keeps successful sign-ins and sign-outs only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select
from sqlmodel import col

from sfclaims.intake.kinds import members
from sfclaims.people.accounts import Actor
from sfclaims.platform.activity import identified, record_activity, record_now
from sfclaims.platform.errors import UsageError
from sfclaims.platform.models import Account, SignInFailure, table_of

WINDOW = timedelta(minutes=15)
FREE_TRIES = 5  # failures of a name from one address before each try waits
PER_NAME = 10  # failures of a name from anywhere before a browser it never used waits
PER_ADDRESS = 50  # failures of any name from one address before each try from it waits
LONGEST_WAIT = timedelta(minutes=15)


def name_key(name: str) -> str:
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()


def wait_after(failures: int, free: int) -> timedelta:
    """How long after the last of ``failures`` the next try must wait: nothing within the
    free tries, then 1 s doubling each time, at most ``LONGEST_WAIT``."""
    if failures < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free, 20)), LONGEST_WAIT)


def locked_until(engine: Engine, name: str, address: str, known: bool = False) -> datetime | None:
    """When the next sign-in for this name from this address may be tried; None while it may
    be now. ``known``: from a browser the account signed in from before."""
    now = datetime.now(UTC)
    since = now - WINDOW
    key = name_key(name)
    counted = [
        (col(SignInFailure.name_sha256) == key, col(SignInFailure.address) == address, FREE_TRIES),
        (col(SignInFailure.address) == address, None, PER_ADDRESS),
    ]
    if not known:
        counted.append((col(SignInFailure.name_sha256) == key, None, PER_NAME))
    latest: datetime | None = None
    with engine.connect() as connection:
        for first, second, free in counted:
            where = [first, col(SignInFailure.at) >= since]
            if second is not None:
                where.append(second)
            count, last = connection.execute(
                select(func.count(), func.max(col(SignInFailure.at))).where(*where)
            ).one()
            if count >= free:
                last = last if last.tzinfo else last.replace(tzinfo=UTC)
                until = last + wait_after(count, free)
                if until > now and (latest is None or until > latest):
                    latest = until
    return latest


def failed(engine: Engine, name: str, address: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(SignInFailure).values(
                name_sha256=name_key(name), address=address[:64], at=datetime.now(UTC)
            )
        )


def lift(engine: Engine, by: Actor, account: str) -> int:
    """An admin lifts the lockout of an account at once: its failures are removed (logged)."""
    from sfclaims.people.accounts import allowed, checked_name
    from sfclaims.platform.roles import ADMIN

    allowed(by, ADMIN, "lifting a sign-in lockout")
    account = checked_name(account)
    with engine.begin() as connection:
        removed = connection.execute(
            delete(SignInFailure).where(col(SignInFailure.name_sha256) == name_key(account))
        ).rowcount
        record_activity(
            connection, by.name, "sign-in lockout lifted", account, f"{removed} failures"
        )
    return removed


# --- a sign-in to the workspace, step by step (the web face keeps only the browser's part) ------


class LockedOut(Exception):
    """Too many failed sign-ins for the name or from the address, until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


def typed_name(name: str) -> str:
    """A name as typed at sign-in: trimmed, lower case, never longer than a name can be."""
    return name.strip().lower()[:200]


def may_try(engine: Engine, name: str, address: str, known: bool) -> None:
    """Refused at once, holding nothing, while the name or the address is locked out; a browser
    the account signed in from before is slowed by its own failures alone."""
    until = locked_until(engine, name, address, known=known)
    if until is not None:
        raise LockedOut(until)


@dataclass(frozen=True)
class PasswordRight:
    """A right password: what comes next — "signed in", "code" (the account's second factor)
    or "set up" (a second factor it needs and has not set up; ``secret`` is the one to set up)."""

    name: str
    next: str
    secret: str | None = None


def check_password(
    engine: Engine, name: str, password: str, address: str, known: bool = False
) -> PasswordRight | None:
    """The name and password checked (the same work and the same answer for a name no account
    has); None when they are not right, counted as a failed sign-in."""
    from sfclaims.people.accounts import password_matches
    from sfclaims.people.second_factor import needs_second_factor, new_secret

    name = typed_name(name)
    may_try(engine, name, address, known)
    with engine.connect() as connection:
        row = connection.execute(
            select(*table_of(Account).c).where(col(Account.name) == name)
        ).first()
    stored = row.password_hash if row is not None and not row.disabled else None
    if not password_matches(stored, password) or row is None:
        failed(engine, name, address)
        return None
    if row.automation:  # a script's account: the command line's alone
        raise UsageError(f"{name} is an account for scripts: it does not sign in to the workspace.")
    if row.totp_secret:
        return PasswordRight(name, "code")
    if needs_second_factor(engine, members(row.roles)):
        return PasswordRight(name, "set up", new_secret())
    return PasswordRight(name, "signed in")


def check_code(
    engine: Engine, name: str, code: str, address: str, known: bool, secret: str | None
) -> list[str] | None | bool:
    """The code given after a right password: for an account setting its factor up with
    ``secret``, the recovery codes to show once (None: not right); else whether it was right.
    A wrong code counts as a failed sign-in."""
    from sfclaims.people.second_factor import code_holds, set_up

    may_try(engine, name, address, known)
    if secret is not None:
        recovery = set_up(engine, name, secret, code)
        if recovery is None:
            failed(engine, name, address)
        return recovery
    if not code_holds(engine, name, code):
        failed(engine, name, address)
        return False
    return True


def begin(engine: Engine, name: str, how: str) -> str:
    """The person is who they said, proved ``how``: a new session's ID, the sign-in logged."""
    from sfclaims.people.sessions import start

    session = start(engine, name)
    identified(name, how)
    record_now(engine, name, "signed in", name)
    return session


@dataclass(frozen=True)
class SessionHolder:
    person: Actor
    must_change: bool  # a password someone else set: they choose their own first


def session_holder(engine: Engine, session_id: str | None, how: str) -> SessionHolder | None:
    """Who holds the session, if it is live in the database and their account still active."""
    from sfclaims.people.accounts import SINGLE_SIGN_ON
    from sfclaims.people.sessions import holder

    name = holder(engine, session_id)
    if not name:
        return None
    with engine.connect() as connection:
        row = connection.execute(
            select(
                col(Account.roles), col(Account.disabled), col(Account.password_must_change)
            ).where(col(Account.name) == name)
        ).first()
    if row is None or row.disabled:
        return None
    return SessionHolder(
        Actor(name, members(row.roles), identified_by=how),
        bool(row.password_must_change) and how != SINGLE_SIGN_ON,
    )


def sign_out(engine: Engine, session_id: str | None, person: Actor | None) -> None:
    """The session ended, and the signing out logged for the person who held it."""
    from sfclaims.people.sessions import end

    if person is not None:
        record_now(engine, person.name, "signed out", person.name)
    end(engine, session_id)

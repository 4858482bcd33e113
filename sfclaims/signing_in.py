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
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select
from sqlmodel import col

from sfclaims.activity import record_activity
from sfclaims.models import SignInFailure
from sfclaims.people import Actor

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
    from sfclaims.people import ADMIN, allowed, checked_name

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

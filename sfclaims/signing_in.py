"""Failed sign-ins to the workspace, limited per name and per address without holding a thread.

Each failure is a row of its own table (``models.SignInFailure``): the SHA-256 of the name as
typed — never the name, which may be a password typed into the wrong box — the address and when.
After ``PER_NAME`` failures for one name, or ``PER_ADDRESS`` from one address, within
``WINDOW``, sign-in is refused at once until the oldest of them leaves the window (or an admin
lifts it for the account). The activity log keeps successful sign-ins and sign-outs only.
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
PER_NAME = 10
PER_ADDRESS = 50


def name_key(name: str) -> str:
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()


def locked_until(engine: Engine, name: str, address: str) -> datetime | None:
    """When sign-in for this name, or from this address, opens again; None while it is open."""
    since = datetime.now(UTC) - WINDOW
    with engine.connect() as connection:
        for column, value, limit in (
            (col(SignInFailure.name_sha256), name_key(name), PER_NAME),
            (col(SignInFailure.address), address, PER_ADDRESS),
        ):
            count, oldest = connection.execute(
                select(func.count(), func.min(col(SignInFailure.at))).where(
                    column == value, col(SignInFailure.at) >= since
                )
            ).one()
            if count >= limit:
                first = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
                return first + WINDOW
    return None


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

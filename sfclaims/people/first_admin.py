"""The first admin, made in the browser from a one-time link that ``sfclaims init`` prints.

While a database has no account, ``make_link`` keeps the SHA-256 of a new random token (never
the token) for ``LINK_MINUTES``; the link made of it opens a form in the workspace that makes the
first account, an admin's, with the password typed there. The link works once: the account and
the link's use are written in one transaction, under the write lock, and refused when any account
exists already, when the link was used, or when its time is over. Every account after the first
is added by an admin.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlmodel import col

from sfclaims.people.accounts import (
    checked_full_name,
    checked_name,
    checked_password,
    has_accounts,
    hash_checked_password,
    new_account,
)
from sfclaims.platform.activity import record_activity
from sfclaims.platform.db import is_sqlite, writing
from sfclaims.platform.errors import RefusedError, every_problem_at_once
from sfclaims.platform.models import FirstAdminLink
from sfclaims.platform.roles import ADMIN

LINK_MINUTES = 30
PATH = "/first-admin/"  # the workspace's page the link opens, before its token

NOT_USABLE = (
    "This link does not make an admin: it was used already, its thirty minutes are over, or an "
    "account exists already. Ask whoever runs the server for a new link (sfclaims init prints "
    "one while no account exists), or an admin to add your account."
)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def make_link(engine: Engine, by: str | None = None) -> str | None:
    """A new one-time token for the first admin, while no account exists (None once one does):
    kept as its SHA-256, logged without it."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with writing(engine) as connection:
        if has_accounts(connection):
            return None
        connection.execute(
            insert(FirstAdminLink).values(
                token_sha256=_sha256(token),
                made_at=now,
                expires_at=now + timedelta(minutes=LINK_MINUTES),
            )
        )
        record_activity(
            connection,
            by,
            "first-admin link made",
            "",
            f"works once, until {now + timedelta(minutes=LINK_MINUTES):%d/%m/%Y %H:%M} UTC",
        )
    return token


def check_link(engine: Engine, token: str) -> None:
    """Refused unless the token's link would make the first admin now."""
    with engine.connect() as connection:
        if not _usable(connection, token, lock=False):
            raise RefusedError(NOT_USABLE)


def _usable(connection, token: str, lock: bool) -> bool:  # type: ignore[no-untyped-def]
    if not token or len(token) > 100 or has_accounts(connection):
        return False
    query = select(col(FirstAdminLink.expires_at), col(FirstAdminLink.used_at)).where(
        col(FirstAdminLink.token_sha256) == _sha256(token)
    )
    if lock and not is_sqlite(connection):
        query = query.with_for_update()
    found = connection.execute(query).first()
    if found is None or found.used_at is not None:
        return False
    expires = found.expires_at
    expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    return bool(expires > datetime.now(UTC))


def make_first_admin(
    engine: Engine, token: str, name: str, password: str, full_name: str | None = None
) -> str:
    """The first account, an admin's with the password (and the person's full name) given,
    made by the link's token — once, while no account exists and before the link's time is
    over; the account's name. Refused, every problem of the name, full name and password at
    once."""
    checked = every_problem_at_once(
        name=lambda: checked_name(name),
        full_name=lambda: checked_full_name(full_name),
        password=lambda: checked_password(password, (name,)),
    )
    name, full_name = checked["name"], checked["full_name"]
    hashed = hash_checked_password(password)  # (slow) before the write lock is taken
    with writing(engine) as connection:
        if not _usable(connection, token, lock=True):
            raise RefusedError(NOT_USABLE)
        connection.execute(
            update(FirstAdminLink)
            .where(col(FirstAdminLink.token_sha256) == _sha256(token))
            .values(used_at=datetime.now(UTC))
        )
        new_account(
            connection,
            name,
            frozenset({ADMIN}),
            name,
            "roles: admin; with a password; the first admin, by the link sfclaims init printed",
            password_hash=hashed,
            full_name=full_name,
        )
    return name

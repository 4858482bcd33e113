"""Who is acting on the command line, and how they proved it (contract.md, "Who is acting").

On PostgreSQL each person connects with their own database login, which PostgreSQL itself
authenticates: the acting account is the login's. On SQLite, the operating-system user's account,
or another account once its password (and second factor) is given. The workspace's people sign in
through ``web.security``; both end in an ``Actor`` that says how it was identified.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select
from sqlmodel import col

from sfclaims.intake.kinds import members
from sfclaims.people.accounts import (
    DATABASE_LOGIN,
    OPERATING_SYSTEM_USER,
    PASSWORD,
    PASSWORD_AND_CODE,
    Actor,
    account_of,
    has_accounts,
    password_matches,
)
from sfclaims.people.second_factor import code_holds
from sfclaims.people.signing_in import failed, locked_until
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.models import Account
from sfclaims.platform.roles import ROLES
from sfclaims.platform.secret_files import secret_from_file

COMMAND_LINE_ADDRESS = "command line"  # where a command line's failed passwords are counted


def on_the_command_line(
    engine: Engine,
    asked: str | None,
    password_of: Callable[[str], str],
    code_of: Callable[[str], str],
) -> Actor:
    """Who acts on the command line (contract.md, "Who is acting"). On PostgreSQL, the database
    login's account, and ``asked`` (SFCLAIMS_USER) naming anyone else is refused. On SQLite, the
    operating-system user's account, or the account ``asked`` names once its password (and, for
    an account with one, its second factor's code) is given: ``password_of`` and ``code_of`` ask
    for them. Wrong passwords count toward the account's lockout as the workspace's do. Before
    the first account exists: ``asked`` or the operating-system user, alone."""
    asked = asked.strip().lower() if asked and asked.strip() else None
    own = getpass.getuser().strip().lower()
    with engine.connect() as connection:
        if not has_accounts(connection):
            return Actor(asked or own, frozenset(ROLES), single_user=True)
        if engine.dialect.name == "postgresql":
            login = str(connection.execute(select(func.current_user())).scalar_one()).lower()
            if asked and asked != login:
                raise RefusedError(
                    f"On PostgreSQL each person acts as their own database login: this one is "
                    f"{login}, and SFCLAIMS_USER names {asked}; {asked} connects as themselves.",
                    remedy="connect as yourself",
                )
            return _as_account(connection, login, DATABASE_LOGIN)
        if asked is None or asked == own:
            return _as_account(connection, own, OPERATING_SYSTEM_USER)
    return _proven(engine, asked, password_of, code_of)


def _as_account(connection: Connection, name: str, how: str) -> Actor:
    account = account_of(connection, name)
    if account is None or account.disabled:
        return Actor(name, frozenset(), identified_by=how)
    return Actor(account.name, members(account.roles), identified_by=how)


def _proven(
    engine: Engine, name: str, password_of: Callable[[str], str], code_of: Callable[[str], str]
) -> Actor:
    """The named account, once its password (and code) are right; refused otherwise, in the
    same words whether or not the account exists."""
    from sfclaims.platform.settings import read_settings

    if not read_settings(engine).local_passwords:
        raise RefusedError(
            f"sfclaims' own passwords are switched off, so {name} cannot be named here; act "
            f"as yourself."
        )
    until = locked_until(engine, name, COMMAND_LINE_ADDRESS)
    if until is not None:
        raise RefusedError(
            f"Too many wrong passwords for {name}: try again after {until:%H:%M} UTC, or ask an "
            f"admin to lift the lockout."
        )
    with engine.connect() as connection:
        row = connection.execute(
            select(
                col(Account.roles),
                col(Account.disabled),
                col(Account.password_hash),
                col(Account.totp_secret),
                col(Account.automation),
                col(Account.password_must_change),
            ).where(col(Account.name) == name)
        ).first()
    stored = row.password_hash if row is not None and not row.disabled else None
    if not password_matches(stored, password_of(name)) or row is None:
        failed(engine, name, COMMAND_LINE_ADDRESS)
        raise RefusedError(f"That is not the password of an account {name} can act as.")
    # a password an admin set proves the person only to choose their own (people.allowed)
    must_change = bool(row.password_must_change) and not row.automation
    if not row.totp_secret or row.automation:  # a script's account: its password file alone
        return Actor(
            name, members(row.roles), identified_by=PASSWORD, password_must_change=must_change
        )
    if not code_holds(engine, name, code_of(name)):
        failed(engine, name, COMMAND_LINE_ADDRESS)
        raise RefusedError(f"That is not a code of {name}'s second factor.")
    return Actor(
        name, members(row.roles), identified_by=PASSWORD_AND_CODE, password_must_change=must_change
    )


def password_from_file(path: Path) -> str:
    """A password kept in a file for automation (``secret_files.secret_from_file``)."""
    return secret_from_file(path, "password file")

"""People in the system: accounts, their roles, who is acting, and what each role may do.

Roles: ``admin`` (accounts, settings), ``data_officer`` (import), ``claims`` (assess, claim run,
export, submit, discard), ``auditor`` (sample, verdicts, packs). Everyone with an account may
read. A database with no accounts works for a single user, recorded as the operating-system user,
until the first admin is added; from then on every action needs an account with its role.
Passwords are hashed with Argon2 and never kept or shown in the clear.
"""

from __future__ import annotations

import functools
import getpass
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, column, func, insert, select, table, text, update
from sqlmodel import col

from sfclaims.intake.kinds import LIST_SEPARATOR, members
from sfclaims.platform.activity import identified, operating_system_user, record_activity
from sfclaims.platform.db import is_sqlite
from sfclaims.platform.errors import RefusedError, UsageError, every_problem_at_once
from sfclaims.platform.models import Account, table_of
from sfclaims.platform.roles import ADMIN, ROLES

SINGLE_USER_NOTE = (
    "Made without separate accounts: one person may have made, audited and submitted this claim."
)
MIN_PASSWORD = 12
NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


#: How a person proved who they were, as outputs name it.
DATABASE_LOGIN = "database login"
OPERATING_SYSTEM_USER = "operating-system user"
PASSWORD = "password"
PASSWORD_AND_CODE = "password and second factor"
SINGLE_SIGN_ON = "single sign-on"


@dataclass(frozen=True)
class Actor:
    """Who is acting, with their roles; ``single_user`` while the database has no accounts."""

    name: str
    roles: frozenset[str]
    single_user: bool = False
    identified_by: str = ""  # how: a database login, a password (and second factor), ...
    #: proved by a password an admin set (migration 0030): nothing but choosing their own
    password_must_change: bool = False

    def may(self, role: str) -> bool:
        return self.single_user or role in self.roles


def checked_name(name: str) -> str:
    """An account name: lower case letters, digits and . _ - @, at most 64 characters."""
    cleaned = name.strip().lower()
    if not cleaned or len(cleaned) > 64 or not set(cleaned) <= NAME_CHARACTERS:
        raise UsageError(
            "An account name is 1 to 64 lower-case letters, digits, dots, hyphens, underscores "
            "or @ signs."
        )
    return cleaned


def checked_roles(roles: list[str]) -> frozenset[str]:
    chosen = frozenset(r.strip().lower() for r in roles)
    unknown = sorted(chosen - set(ROLES))
    if not chosen or unknown:
        raise UsageError(
            f"Choose at least one role: {', '.join(ROLES)}"
            + (f" (not {', '.join(repr(u) for u in unknown)})." if unknown else ".")
        )
    return chosen


def has_accounts(connection: Connection) -> bool:
    return connection.execute(select(col(Account.name)).limit(1)).first() is not None


def account_of(connection: Connection, name: str) -> Account | None:
    """The account's name, roles and state: columns every schema since accounts has (an
    upgrade asks who is acting before the database is at today's)."""
    row = connection.execute(
        select(
            col(Account.name), col(Account.roles), col(Account.disabled), col(Account.created_at)
        ).where(col(Account.name) == name)
    ).first()
    return Account(**row._asdict()) if row else None


def acting(engine: Engine, name: str | None = None) -> Actor:
    """The person acting: the named account (the workspace's signed-in person), else the one
    whose name needs no proof — on PostgreSQL the database login's account, on SQLite the
    operating-system user's (never ``SFCLAIMS_USER``: naming another account takes its
    password, ``identity.on_the_command_line``). Before the first account exists: the
    operating-system user (or ``SFCLAIMS_USER``), alone."""
    with engine.connect() as connection:
        if not has_accounts(connection):
            return Actor(name or operating_system_user(), frozenset(ROLES), single_user=True)
        if name is None and engine.dialect.name == "postgresql":
            name = str(connection.execute(select(func.current_user())).scalar_one()).lower()
        name = name or getpass.getuser().strip().lower()
        account = account_of(connection, name)
        if account is not None and not account.disabled:
            return Actor(account.name, members(account.roles))
    return Actor(name, frozenset())


def require(engine: Engine, role: str | None, doing: str, name: str | None = None) -> Actor:
    """The person acting, if their role allows what they are doing (``allowed``)."""
    return allowed(acting(engine, name), role, doing)


def allowed(person: Actor, role: str | None, doing: str) -> Actor:
    """The person, if their role allows what they are doing (``role`` None: reading, which any
    account may); refused otherwise in one sentence naming the role needed. Allowed, the log
    rows the action writes for them say how they were identified."""
    identified(person.name, person.identified_by)
    if person.password_must_change:
        raise RefusedError(
            f"{person.name}'s password was set by an admin, so two people know it: "
            f"{person.name} chooses their own before doing anything else.",
            remedy="choose your own password",
            name=person.name,
        )
    if role is None:
        if not (person.single_user or person.roles):
            raise RefusedError(
                f"{doing.capitalize()} needs an account, and {person.name} has none; an admin "
                f"can add one.",
                remedy="add an account",
                name=person.name,
            )
        return person
    if not person.may(role):
        raise RefusedError(
            f"{doing.capitalize()} needs the {role} role, and {person.name} does not have it; "
            f"ask an admin for it."
        )
    return person


def hash_password(password: str) -> str:
    """The password judged (``checked_password``), then hashed."""
    return hash_checked_password(checked_password(password))


def hash_checked_password(password: str) -> str:
    """A password already judged, hashed with Argon2."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


STRONG_ENOUGH = 3  # zxcvbn's score (0-4): "safely unguessable", as NCSC's advice asks


def checked_password(password: str, names: tuple[str, ...] = ()) -> str:
    """A password as the NCSC advises: long enough, and neither common nor trivial (judged by
    zxcvbn, a maintained strength estimator with lists of common passwords and words), never by
    composition rules."""
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"A password needs at least {MIN_PASSWORD} characters.")
    from zxcvbn import zxcvbn

    judged = zxcvbn(password[:100], user_inputs=[*names, "sfclaims", "supporting families"])
    if judged["score"] < STRONG_ENOUGH:
        why = judged["feedback"].get("warning") or "It is easy to guess."
        raise UsageError(
            f"That password would be guessed too easily: {why.rstrip('.')}. Choose three or "
            f"more words that mean something to you alone."
        )
    return password


@functools.cache
def _stand_in_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(secrets.token_urlsafe(24))


def password_matches(stored: str | None, given: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import Argon2Error, InvalidHashError

    try:
        if not stored:  # the same work as for a real account: a name's existence is not told
            PasswordHasher().verify(_stand_in_hash(), given)
            return False
        return PasswordHasher().verify(stored, given)
    except (Argon2Error, InvalidHashError):
        return False


def add_account(
    engine: Engine,
    by: Actor,
    name: str,
    roles: list[str],
    password: str | None = None,
    automation: bool = False,
    full_name: str | None = None,
) -> str:
    """A new account, with its person's full name and its password when given, in one
    transaction; refused, every problem of the name, roles, full name and password at once (a
    form shows them together), and no account is added. The first account must be an admin's: from then on
    accounts are needed. An ``automation`` account is a script's: it needs a password, signs
    in to no workspace, and acts on the command line with its password file alone."""
    checked = every_problem_at_once(
        name=lambda: checked_name(name),
        roles=lambda: checked_roles(roles),
        full_name=lambda: checked_full_name(full_name),
        password=lambda: checked_password(password, (name,)) if password else None,
    )
    name, chosen, full_name = checked["name"], checked["roles"], checked["full_name"]
    # hashed before the transaction (Argon2 is slow on purpose)
    hashed = hash_checked_password(password) if password else None
    with engine.begin() as connection:
        first = not has_accounts(connection)
        if not first:
            allowed(by, ADMIN, "adding an account")
        if first and ADMIN not in chosen:
            raise RefusedError(
                "The first account must have the admin role: from then on every action needs "
                "an account."
            )
        if first and is_sqlite(connection) and name != by.name and hashed is None:
            # on SQLite the command line acts as the operating-system user's account, or as an
            # account whose password is given: an admin with neither could never act again
            raise RefusedError(
                f"The first admin, {name}, is not you ({by.name}), and has no password, so no "
                f"one could act as {name} from then on: give {name} a password now (user add "
                f"--password-file FILE, or on a terminal), or make yourself the first admin."
            )
        if account_of(connection, name) is not None:
            raise RefusedError(f"There is already an account {name}.")
        if automation and hashed is None:
            raise RefusedError(
                f"An account for scripts acts with its password alone: give {name} one "
                "(--password-file FILE)."
            )
        detail = f"roles: {', '.join(sorted(chosen))}" + ("; with a password" if hashed else "")
        detail += "; with a full name" if full_name else ""
        detail += "; for scripts, no workspace sign-in" if automation else ""
        new_account(
            connection,
            name,
            chosen,
            by.name,
            detail,
            password_hash=hashed,
            automation=automation,
            # a person's password given by an admin is changed at its first use
            must_change=hashed is not None and not automation and name != by.name,
            full_name=full_name,
        )
    return name


FULL_NAME_LONGEST = 100


def checked_full_name(typed: str | None) -> str | None:
    """A person's full name as documents print it (``Ada Lovelace``): its spaces tidied, at
    most 100 characters, no control characters; None when none is given."""
    cleaned = " ".join((typed or "").split())
    if not cleaned:
        return None
    if len(cleaned) > FULL_NAME_LONGEST or not cleaned.isprintable():
        raise UsageError(
            f"A full name is at most {FULL_NAME_LONGEST} letters, spaces and punctuation, "
            "as it should be printed."
        )
    return cleaned


def new_account(
    connection: Connection,
    name: str,
    roles: frozenset[str],
    by: str,
    detail: str,
    sign_on_subject: str | None = None,
    password_hash: str | None = None,
    automation: bool = False,
    must_change: bool = False,
    full_name: str | None = None,
) -> None:
    """The account's row and its log entry, in the caller's transaction: an admin adding it
    (``add_account``), or its first single sign-on (``single_sign_on``), each with its own
    checks first."""
    connection.execute(
        insert(table_of(Account)).values(
            name=name,
            roles=LIST_SEPARATOR.join(sorted(roles)),
            disabled=False,
            created_at=datetime.now(UTC),
            sign_on_subject=sign_on_subject,
            password_hash=password_hash,
            automation=automation,
            password_must_change=must_change,
            full_name=full_name,
        )
    )
    record_activity(connection, by, "account added", name, detail)


@dataclass(frozen=True)
class AccountListed:
    """An account as the admin sees it: whether it has a password and a second factor, never
    either (migration 0031's ``account_standing``: no person's login reads the secrets)."""

    name: str
    full_name: str | None
    roles: str
    disabled: bool
    automation: bool
    password_must_change: bool
    has_password: bool
    has_second_factor: bool


def list_accounts(engine: Engine) -> list[AccountListed]:
    standing = table(
        "account_standing", column("name"), column("has_password"), column("has_second_factor")
    )
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(Account.name),
                col(Account.full_name),
                col(Account.roles),
                col(Account.disabled),
                col(Account.automation),
                col(Account.password_must_change),
                standing.c.has_password,
                standing.c.has_second_factor,
            )
            .join(standing, standing.c.name == col(Account.name))
            .order_by(col(Account.name))
        )
        return [
            AccountListed(r.name, r.full_name, r.roles, *(bool(v) for v in tuple(r)[3:]))
            for r in rows
        ]


def _change(
    engine: Engine,
    by: Actor,
    name: str,
    action: str,
    password: tuple[str, bool] | None = None,
    end_sessions: bool = True,
    **values: object,
) -> None:
    """Change the account, logged; every session it has in the workspace ends with it (a
    password changed or an account disabled must sign no copied cookie in). ``password``: its
    new hash, and whether its person must change it at first use."""
    from sfclaims.people.sessions import end_every_session_of

    name = checked_name(name)
    with engine.begin() as connection:
        if account_of(connection, name) is None:
            raise UsageError(f"There is no account {name}.")
        if password is not None:
            _password_kept(connection, name, *password)
        if values:
            connection.execute(
                update(table_of(Account)).where(col(Account.name) == name).values(**values)
            )
        if end_sessions and (password is None or is_sqlite(connection)):
            end_every_session_of(connection, name)  # else sfclaims_set_password ended them
        record_activity(connection, by.name, action, name)


def _password_kept(connection: Connection, name: str, hashed: str, must_change: bool) -> None:
    """The account's new password hash. On PostgreSQL through ``sfclaims_set_password``
    (migration 0031), which lets an admin set anyone's and a person their own, and no one read
    any; on SQLite, whoever holds the file holds it all."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT sfclaims_set_password(:name, :hashed, :must_change)"),
            {"name": name, "hashed": hashed, "must_change": must_change},
        )
        return
    connection.execute(
        update(table_of(Account))
        .where(col(Account.name) == name)
        .values(password_hash=hashed, password_must_change=must_change)
    )


def disable_account(engine: Engine, by: Actor, name: str) -> None:
    allowed(by, ADMIN, "disabling an account")
    if checked_name(name) == by.name:
        raise RefusedError("You cannot disable your own account; ask another admin.")
    _change(engine, by, name, "account disabled", disabled=True)


def set_password(engine: Engine, by: Actor, name: str, password: str) -> None:
    """Anyone may set their own password; an admin anyone's — which its person must change at
    its first use in the workspace (two people know it)."""
    someone_else = checked_name(name) != by.name
    if someone_else:
        allowed(by, ADMIN, "setting another person's password")
    _change(
        engine,
        by,
        name,
        "password set",
        password=(hash_password(password), someone_else),
    )


def change_own_password(engine: Engine, by: Actor, current: str, new: str) -> None:
    """A person changes their own password, once the one they have now is given (a session
    left open must not be enough): judged as every password is, and every session of theirs
    ends with it (the workspace begins them a new one)."""
    with engine.connect() as connection:
        account = connection.execute(
            select(col(Account.password_hash), col(Account.automation)).where(
                col(Account.name) == by.name
            )
        ).first()
    if account is None or account.automation:
        raise RefusedError("Only a person's own sfclaims account has a password to change here.")
    if not password_matches(account.password_hash, current):
        raise UsageError("That is not your password now; nothing was changed.")
    if new == current:
        raise UsageError("The new password is the one you have now; choose another.")
    _change(
        engine,
        by,
        by.name,
        "own password changed",
        password=(hash_checked_password(checked_password(new, (by.name,))), False),
    )


def set_roles(engine: Engine, by: Actor, name: str, roles: list[str]) -> None:
    """An admin gives an account its roles (replacing the ones it had); an admin cannot take
    the admin role from themselves, so the database always keeps one."""
    allowed(by, ADMIN, "changing an account's roles")
    chosen = checked_roles(roles)
    if checked_name(name) == by.name and ADMIN not in chosen:
        raise RefusedError("You cannot take the admin role from yourself; ask another admin.")
    _change(engine, by, name, "roles changed", roles=";".join(sorted(chosen)))


def set_full_name(engine: Engine, by: Actor, name: str, full_name: str) -> None:
    """An admin gives an account its person's full name, as documents name them (a claim's
    cover); their sessions go on."""
    allowed(by, ADMIN, "naming an account's person")
    given = checked_full_name(full_name)
    if given is None:
        raise UsageError("Enter the person's full name, as documents should print it.")
    _change(engine, by, name, "full name given", end_sessions=False, full_name=given)


def full_names(connection: Connection, accounts: Iterable[str]) -> dict[str, str]:
    """The full name of each of these accounts that has one."""
    wanted = sorted(set(accounts))
    if not wanted:
        return {}
    rows = connection.execute(
        select(col(Account.name), col(Account.full_name)).where(
            col(Account.name).in_(wanted), col(Account.full_name).is_not(None)
        )
    )
    return {r.name: r.full_name for r in rows}


def new_password() -> str:
    """A password made for someone, to be given to them once (16 random words' worth)."""
    import secrets

    return secrets.token_urlsafe(18)

"""Who is signed in, and what they may do: sessions in signed, HttpOnly, SameSite cookies with an
idle timeout, a CSRF token on every form, slowed and logged failed sign-ins, and one dependency
per page naming the role it needs (``requires``). Accounts, roles and passwords are those of the
command line (sfclaims.people)."""

from __future__ import annotations

import hmac
import os
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import Engine, select
from sqlmodel import col

from sfclaims.activity import record_now
from sfclaims.errors import UsageError
from sfclaims.facts import members
from sfclaims.models import Account, table_of
from sfclaims.people import PASSWORD, PASSWORD_AND_CODE, SINGLE_SIGN_ON, Actor, password_matches


class NotSignedIn(Exception):
    """The page needs someone signed in: they are sent to sign in."""


class NotAllowed(Exception):
    """The signed-in person's roles do not allow it: a 403 page, nothing changed."""

    def __init__(self, role: str) -> None:
        super().__init__(role)
        self.role = role


class FormExpired(Exception):
    """A form without this session's CSRF token: refused, nothing changed."""


def secret_key_path() -> Path:
    return Path(
        os.environ.get("SFCLAIMS_SECRET_KEY_FILE")
        or Path.home() / ".config" / "sfclaims" / "secret-key"
    )


def ensure_secret_key() -> Path:
    """The file of the key that signs session cookies, made (readable by its owner only) if it
    is not there yet."""
    path = secret_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path


def secret_key() -> str | None:
    """``SFCLAIMS_SECRET_KEY``, else the key file's content; None when neither exists."""
    if os.environ.get("SFCLAIMS_SECRET_KEY"):
        return os.environ["SFCLAIMS_SECRET_KEY"]
    path = secret_key_path()
    return path.read_text().strip() if path.exists() else None


def workspace_key(secret: str, workspace: str) -> str:
    """The key that signs one database's session cookies: the server's secret and the
    database's own identity, so a cookie made by one workspace is refused by every other."""
    return hmac.new(secret.encode(), f"sfclaims session {workspace}".encode(), "sha256").hexdigest()


SHORTEST_KEY = 32  # bytes: a key any shorter can be guessed, and with it any session forged


def usable_key(key: str) -> str:
    """The session-signing key, refused when it is short (an empty one lets anyone sign an
    admin's session) or, kept in a file, readable by anyone but its owner."""
    if len(key.encode()) < SHORTEST_KEY:
        raise UsageError(
            f"The key that signs sessions has {len(key.encode())} bytes; it needs at least "
            f"{SHORTEST_KEY} (remove the key file and run `sfclaims init` to make a new one)."
        )
    path = secret_key_path()
    if not os.environ.get("SFCLAIMS_SECRET_KEY") and path.exists() and path.stat().st_mode & 0o077:
        raise UsageError(
            f"The key file {path} can be read by others; make it readable by its owner alone "
            f"(chmod 600 {path})."
        )
    return key


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def signed_in(request: Request) -> Actor | None:
    """The signed-in person, if their session is live in the database (``sfclaims.sessions``)
    and their account still active."""
    from sfclaims.sessions import holder

    session = request.session
    name = holder(engine_of(request), session.get("sid"))
    if not name:
        session.pop("sid", None)  # an ended session's ID; the sign-in form's token stays
        return None
    with engine_of(request).connect() as connection:
        row = connection.execute(
            select(
                col(Account.roles), col(Account.disabled), col(Account.password_must_change)
            ).where(col(Account.name) == name)
        ).first()
    if row is None or row.disabled:
        session.clear()
        return None
    request.state.must_change = row.password_must_change and session.get("how") != SINGLE_SIGN_ON
    how = session.get("how")
    return Actor(name, members(row.roles), identified_by=how if isinstance(how, str) else "")


def requires(role: str | None = None):
    """The dependency of a page: someone signed in, with the role (None: anyone signed in)."""

    def person(request: Request) -> Actor:  # reads the database: in the thread pool
        actor = signed_in(request)
        if actor is None:
            raise NotSignedIn()
        if getattr(request.state, "must_change", False) and request.url.path != "/password":
            raise MustChangePassword()
        if role is not None and not actor.may(role):
            raise NotAllowed(role)
        request.state.person = actor
        return actor

    return Depends(person)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form's fields, once its CSRF token matches the session's."""
    form = await request.form()
    given = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not (isinstance(given, str) and expected and hmac.compare_digest(given, expected)):
        raise FormExpired()
    return {k: v for k, v in form.items() if isinstance(v, str)}


class MustChangePassword(Exception):
    """The person's password was set by someone else: they choose their own first."""


class LockedOut(Exception):
    """Too many failed sign-ins for the name or from the address, until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


PENDING_FOR = 300  # seconds between a right password and its second factor


def sign_in(request: Request, name: str, password: str) -> str | None:
    """Check the name and password (the same work and the same answer for a name no account
    has); None when they are not right. Right: "signed in" (a new session: new id, new CSRF
    token), or, for an account with a second factor, "code" — the session then only remembers
    for five minutes whose code to ask for — or "set up" when the account needs a second factor
    it has not set up yet. Refused at once, holding nothing, while the name or the address is
    locked out (``sfclaims.signing_in``)."""
    from sfclaims.second_factor import needs_second_factor, new_secret
    from sfclaims.signing_in import failed

    engine = engine_of(request)
    name = name.strip().lower()[:200]
    address = _not_locked_out(request, name)
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
    request.session.clear()
    request.session.update(csrf=secrets.token_urlsafe(32))
    if row.totp_secret:
        request.session.update(pending=name, pending_at=int(time.time()))
        return "code"
    if needs_second_factor(engine, members(row.roles)):
        request.session.update(pending=name, pending_at=int(time.time()), secret=new_secret())
        return "set up"
    begin_session(request, name, PASSWORD)
    return "signed in"


KNOWN_DEVICE = "sfclaims_known"  # the cookie of a browser an account signed in from
KNOWN_FOR = 365 * 24 * 60 * 60  # seconds a browser stays known


def _known_devices(request: Request) -> Any:
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(request.app.state.key, salt="a browser an account signed in from")


def _not_locked_out(request: Request, name: str) -> str:
    """The address the sign-in comes from, once it may be tried now (``signing_in``): a browser
    the account signed in from before is slowed by its own failures alone."""
    from sfclaims.signing_in import locked_until

    address = request.client.host if request.client else "unknown"
    until = locked_until(engine_of(request), name, address, known=known_device(request, name))
    if until is not None:
        raise LockedOut(until)
    return address


def known_device(request: Request, name: str) -> bool:
    """Whether the browser signed in as the account before (its cookie, signed by this
    workspace, names the account's hash)."""
    from itsdangerous import BadSignature

    from sfclaims.signing_in import name_key

    try:
        kept = _known_devices(request).loads(request.cookies.get(KNOWN_DEVICE, ""))
    except BadSignature:
        return False
    return bool(kept == name_key(name.strip().lower()[:200]))


def remember_device(request: Request, response: Response) -> Response:
    """After a sign-in completed in this request, the browser is remembered as the account's
    (a signed cookie naming no one: the SHA-256 of the account's name)."""
    from sfclaims.signing_in import name_key

    name = getattr(request.state, "signed_in_as", None)
    if name:
        response.set_cookie(
            KNOWN_DEVICE,
            _known_devices(request).dumps(name_key(name)),
            max_age=KNOWN_FOR,
            httponly=True,
            samesite="strict",
            secure=bool(request.app.state.https_only),
        )
    return response


def begin_session(request: Request, name: str, how: str) -> None:
    """The person is who they said, proved ``how``: a new session (new id, new CSRF token) that
    remembers how, logged."""
    from sfclaims.activity import identified
    from sfclaims.sessions import start

    engine = engine_of(request)
    request.session.clear()
    request.session.update(sid=start(engine, name), csrf=secrets.token_urlsafe(32), how=how)
    request.state.signed_in_as = name  # for remember_device
    identified(name, how)
    record_now(engine, name, "signed in", name)


def pending(request: Request) -> str | None:
    """Whose second factor the session waits for (their password was right moments ago)."""
    name = request.session.get("pending")
    began = request.session.get("pending_at", 0)
    if not isinstance(name, str) or not isinstance(began, int):
        return None
    return name if time.time() - began <= PENDING_FOR else None


def second_factor(request: Request, code: str) -> list[str] | None | bool:
    """The code given for the pending sign-in: for an account setting its factor up, the
    recovery codes to show once (None: not right); else whether it was right. A right code
    begins the session; a wrong one counts as a failed sign-in."""
    from sfclaims.second_factor import code_holds, set_up
    from sfclaims.signing_in import failed

    name = pending(request)
    if name is None:
        raise FormExpired()
    address = _not_locked_out(request, name)
    engine = engine_of(request)
    secret = request.session.get("secret")
    if isinstance(secret, str):
        recovery = set_up(engine, name, secret, code)
        if recovery is None:
            failed(engine, name, address)
            return None
        begin_session(request, name, PASSWORD_AND_CODE)
        return recovery
    if not code_holds(engine, name, code):
        failed(engine, name, address)
        return False
    begin_session(request, name, PASSWORD_AND_CODE)
    return True

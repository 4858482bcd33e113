"""Who is signed in, and what they may do: sessions in signed, HttpOnly, SameSite cookies with an
idle timeout, a CSRF token on every form, slowed and logged failed sign-ins, and one dependency
per page naming the role it needs (``requires``). Accounts, roles and passwords are those of the
command line (sfclaims.people.accounts)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from sfclaims.actions.accounts import (
    PASSWORD,
    PASSWORD_AND_CODE,
    Actor,
    begin,
    check_code,
    check_password,
    session_holder,
)
from sfclaims.web.forms import FormExpired


class NotSignedIn(Exception):
    """The page needs someone signed in: they are sent to sign in."""


class NotAllowed(Exception):
    """The signed-in person's roles do not allow it: a 403 page, nothing changed."""

    def __init__(self, role: str) -> None:
        super().__init__(role)
        self.role = role


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def signed_in(request: Request) -> Actor | None:
    """The signed-in person, if their session is live in the database and their account still
    active (``sfclaims.people.signing_in.session_holder``)."""
    session = request.session
    how = session.get("how")
    found = session_holder(
        engine_of(request), session.get("sid"), how if isinstance(how, str) else ""
    )
    if found is None:
        session.pop("sid", None)  # an ended session's ID; the sign-in form's token stays
        return None
    request.state.must_change = found.must_change
    return found.person


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


class MustChangePassword(Exception):
    """The person's password was set by someone else: they choose their own first."""


PENDING_FOR = 300  # seconds between a right password and its second factor


def sign_in(request: Request, name: str, password: str) -> str | None:
    """Check the name and password (``signing_in.check_password``); None when they are not
    right. Right: "signed in" (a new session: new id, new CSRF token), or, for an account with a
    second factor, "code" — the session then only remembers for five minutes whose code to ask
    for — or "set up" when the account needs a second factor it has not set up yet."""
    right = check_password(
        engine_of(request), name, password, _address(request), known_device(request, name)
    )
    if right is None:
        return None
    request.session.clear()
    request.session.update(csrf=secrets.token_urlsafe(32))
    if right.next == "signed in":
        begin_session(request, right.name, PASSWORD)
    else:
        request.session.update(pending=right.name, pending_at=int(time.time()))
        if right.secret is not None:
            request.session.update(secret=right.secret)
    return right.next


KNOWN_DEVICE = "sfclaims_known"  # the cookie of a browser an account signed in from
KNOWN_FOR = 365 * 24 * 60 * 60  # seconds a browser stays known


def _known_devices(request: Request) -> Any:
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(request.app.state.key, salt="a browser an account signed in from")


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def known_device(request: Request, name: str) -> bool:
    """Whether the browser signed in as the account before (its cookie, signed by this
    workspace, names the account's hash)."""
    from itsdangerous import BadSignature

    from sfclaims.actions.accounts import name_key

    try:
        kept = _known_devices(request).loads(request.cookies.get(KNOWN_DEVICE, ""))
    except BadSignature:
        return False
    return bool(kept == name_key(name.strip().lower()[:200]))


def remember_device(request: Request, response: Response) -> Response:
    """After a sign-in completed in this request, the browser is remembered as the account's
    (a signed cookie naming no one: the SHA-256 of the account's name)."""
    from sfclaims.actions.accounts import name_key

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
    sid = begin(engine_of(request), name, how)
    request.session.clear()
    request.session.update(sid=sid, csrf=secrets.token_urlsafe(32), how=how)
    request.state.signed_in_as = name  # for remember_device


def pending(request: Request) -> str | None:
    """Whose second factor the session waits for (their password was right moments ago)."""
    name = request.session.get("pending")
    began = request.session.get("pending_at", 0)
    if not isinstance(name, str) or not isinstance(began, int):
        return None
    return name if time.time() - began <= PENDING_FOR else None


def second_factor(request: Request, code: str) -> list[str] | None | bool:
    """The code given for the pending sign-in (``signing_in.check_code``): for an account
    setting its factor up, the recovery codes to show once (None: not right); else whether it
    was right. A right code begins the session."""
    name = pending(request)
    if name is None:
        raise FormExpired()
    secret = request.session.get("secret")
    checked = check_code(
        engine_of(request),
        name,
        code,
        _address(request),
        known_device(request, name),
        secret if isinstance(secret, str) else None,
    )
    if checked:
        begin_session(request, name, PASSWORD_AND_CODE)
    return checked

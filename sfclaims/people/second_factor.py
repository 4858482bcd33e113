"""A second factor for local passwords (NCSC: multi-factor authentication for a service holding
children's records): a time-based one-time code from an authenticator app (TOTP, RFC 6238), set
up at the first sign-in that needs it, with ten recovery codes shown once.

Required for the admin, claims and auditor roles (whoever may submit a claim, or check one),
and for everyone when the settings say so. A code is good for its 30 seconds and the ones either
side, and once only (the step used is kept); a recovery code once only (its SHA-256 is kept, and
removed when used). A wrong code counts as a failed sign-in (``signing_in``), so guessing is
locked out like a password."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

import orjson
import pyotp
from sqlalchemy import Connection, Engine, or_, select, update
from sqlmodel import col

from sfclaims.people.accounts import Actor, allowed
from sfclaims.platform.activity import record_activity
from sfclaims.platform.db import writing
from sfclaims.platform.models import Account, AuthoritySettings
from sfclaims.platform.roles import ADMIN, AUDITOR, CLAIMS

NEEDED_BY = frozenset({ADMIN, AUDITOR, CLAIMS})  # and whoever may submit a claim
RECOVERY_CODES = 10
ISSUER = "sfclaims"


def needs_second_factor(engine: Engine, roles: frozenset[str]) -> bool:
    """Whether an account with these roles must sign in with a second factor."""
    if roles & NEEDED_BY:
        return True
    with engine.connect() as connection:
        everyone = connection.execute(
            select(col(AuthoritySettings.second_factor_for_everyone))
        ).scalar()
    return bool(everyone)


def new_secret() -> str:
    return pyotp.random_base32()


def set_up_address(secret: str, name: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def qr_code_svg(address: str) -> str:
    """The address as a QR code, an SVG to put in the page (no script, no request)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(address, image_factory=SvgPathImage, box_size=8)
    svg: str = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]  # no XML declaration inside the page


def step_of(secret: str, code: str, after: int | None, now: float | None = None) -> int | None:
    """The time step the code is good for (this one or one either side), if later than
    ``after`` (a code is good once); None otherwise."""
    typed = "".join(code.split())
    if not (typed.isdigit() and len(typed) == 6):
        return None
    moment = time.time() if now is None else now
    current = int(moment // 30)
    otp = pyotp.TOTP(secret)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and secrets.compare_digest(otp.at(step * 30), typed):
            return step
    return None


def _hashed(code: str) -> str:
    return hashlib.sha256(("sfclaims recovery\n" + code.strip().lower()).encode()).hexdigest()


def set_up(engine: Engine, name: str, secret: str, code: str) -> list[str] | None:
    """Keep the account's second factor once the code from the app proves it was set up; the
    recovery codes, to be shown once (None: the code was not right)."""
    step = step_of(secret, code, None)
    if step is None:
        return None
    recovery = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    with writing(engine) as connection:
        connection.execute(
            update(Account)
            .where(col(Account.name) == name)
            .values(
                totp_secret=secret,
                totp_step=step,
                recovery_codes=orjson.dumps([_hashed(c) for c in recovery]).decode(),
            )
        )
        record_activity(connection, name, "second factor set up", name)
    return recovery


def code_holds(engine: Engine, name: str, code: str) -> bool:
    """Whether the code is the account's (from its app, or an unused recovery code); used up if
    so."""
    with writing(engine) as connection:
        row = connection.execute(
            select(
                col(Account.totp_secret), col(Account.totp_step), col(Account.recovery_codes)
            ).where(col(Account.name) == name)
        ).first()
        if row is None or not row.totp_secret:
            return False
        # each use taken by a conditional update: of two sign-ins giving the same code at the
        # same moment (two server processes), the second finds it used and is refused
        step = step_of(row.totp_secret, code, row.totp_step)
        if step is not None:
            used = or_(col(Account.totp_step).is_(None), col(Account.totp_step) < step)
            return _taken(connection, name, used, totp_step=step)
        kept = orjson.loads(row.recovery_codes or "[]")
        if _hashed(code) in kept:
            kept.remove(_hashed(code))
            unchanged = col(Account.recovery_codes) == row.recovery_codes
            if not _taken(connection, name, unchanged, recovery_codes=orjson.dumps(kept).decode()):
                return False
            record_activity(connection, name, "recovery code used", name, f"{len(kept)} left")
            return True
    return False


def _taken(connection: Connection, name: str, still: Any, **values: object) -> bool:
    """The account's row updated only while ``still`` holds for it: whether this use took it."""
    return (
        connection.execute(
            update(Account).where(col(Account.name) == name, still).values(**values)
        ).rowcount
        == 1
    )


def reset(engine: Engine, by: Actor, name: str) -> None:
    """An admin clears an account's second factor (a lost phone): it is set up again at the
    account's next sign-in."""
    allowed(by, ADMIN, "resetting a second factor")
    with writing(engine) as connection:
        done = connection.execute(
            update(Account)
            .where(col(Account.name) == name)
            .values(totp_secret=None, totp_step=None, recovery_codes=None)
        ).rowcount
        if not done:
            from sfclaims.platform.errors import NotFoundError

            raise NotFoundError(f"There is no account {name}.")
        record_activity(connection, by.name, "second factor reset", name)

"""Sessions of the workspace, kept in the database so they can be ended: the cookie carries a
random ID; the database keeps only its SHA-256, whose session it is, when it began, when it was
last seen and when it ended. A session ends when its person signs out, after 30 minutes unused,
8 hours after it began whatever happens, and at once for every session of an account whose
password changes or which is disabled — in every server process alike.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from sqlmodel import col

from sfclaims.platform.db import try_briefly
from sfclaims.platform.errors import UsageError
from sfclaims.platform.models import WebSession
from sfclaims.platform.secret_files import make_secret_file

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=8)
SEEN_EVERY = timedelta(minutes=1)  # how stale "last seen" may be before it is written again


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(engine: Engine, account: str) -> str:
    """A new session for the account: its ID, for the cookie alone."""
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(WebSession).values(
                id_sha256=_key(session_id), account=account, started_at=now, seen_at=now
            )
        )
    return session_id


def holder(engine: Engine, session_id: str | None) -> str | None:
    """The account whose live session this is; None (and the session ended) once it has been
    unused too long or lived its lifetime, or when it was ended."""
    if not session_id:
        return None
    key, now = _key(session_id), datetime.now(UTC)
    with engine.connect() as connection:
        row = connection.execute(
            select(
                col(WebSession.account),
                col(WebSession.started_at),
                col(WebSession.seen_at),
                col(WebSession.ended_at),
            ).where(col(WebSession.id_sha256) == key)
        ).first()
    if row is None or row.ended_at is not None:
        return None
    if now - _aware(row.seen_at) > IDLE or now - _aware(row.started_at) > LIFETIME:
        end(engine, session_id)
        return None
    if now - _aware(row.seen_at) > SEEN_EVERY:  # while an import swaps in: at the next page
        seen = update(WebSession).where(col(WebSession.id_sha256) == key).values(seen_at=now)
        try_briefly(engine, lambda connection: connection.execute(seen))
    return str(row.account)


def end(engine: Engine, session_id: str | None) -> None:
    if session_id:
        with engine.begin() as connection:
            connection.execute(
                update(WebSession)
                .where(
                    col(WebSession.id_sha256) == _key(session_id),
                    col(WebSession.ended_at).is_(None),
                )
                .values(ended_at=datetime.now(UTC))
            )


def end_every_session_of(connection: Connection, account: str) -> None:
    """In the caller's transaction: every live session of the account ends."""
    connection.execute(
        update(WebSession)
        .where(col(WebSession.account) == account, col(WebSession.ended_at).is_(None))
        .values(ended_at=datetime.now(UTC))
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- the key that signs session cookies ---------------------------------------------------------


def secret_key_path() -> Path:
    return Path(
        os.environ.get("SFCLAIMS_SECRET_KEY_FILE")
        or Path.home() / ".config" / "sfclaims" / "secret-key"
    )


def ensure_secret_key() -> Path:
    """The file of the key that signs session cookies, made (readable by its owner only) if it
    is not there yet."""
    path = secret_key_path()
    make_secret_file(path, secrets.token_urlsafe(48))
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

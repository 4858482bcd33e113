"""Sessions of the workspace, kept in the database so they can be ended: the cookie carries a
random ID; the database keeps only its SHA-256, whose session it is, when it began, when it was
last seen and when it ended. A session ends when its person signs out, after 30 minutes unused,
8 hours after it began whatever happens, and at once for every session of an account whose
password changes or which is disabled — in every server process alike.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select, update
from sqlmodel import col

from sfclaims.db import try_briefly
from sfclaims.models import WebSession

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

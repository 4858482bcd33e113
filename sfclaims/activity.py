"""The activity log: one row per change — who, when (the database's clock), what, and its
object. Written in the transaction of the change it records, so a change that is rolled back
leaves no row and a row never stands for a change that did not happen (a file written, which is
no database change, is logged once it is written). The database refuses
UPDATE and DELETE on it (migration 0013). Counts and IDs only: nothing personal."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, insert, select
from sqlmodel import col

from sfclaims.models import Activity, table_of


def operating_system_user() -> str:
    """``SFCLAIMS_USER`` if set, else the operating-system user: who acts from the command line."""
    return (os.environ.get("SFCLAIMS_USER") or getpass.getuser()).strip().lower()


def record_activity(
    connection: Connection, who: str | None, action: str, object_: str = "", detail: str = ""
) -> None:
    """One row, in the caller's transaction; ``who`` None: the operating-system user."""
    connection.execute(
        insert(table_of(Activity)).values(
            who=who or operating_system_user(), action=action, object=object_, detail=detail
        )
    )


def record_now(
    engine: Engine, who: str | None, action: str, object_: str = "", detail: str = ""
) -> None:
    """A change made outside the database (a workbook written), in a transaction of its own."""
    with engine.begin() as connection:
        record_activity(connection, who, action, object_, detail)


@dataclass(frozen=True)
class LogEntry:
    at: datetime | None
    who: str
    action: str
    object: str
    detail: str


def read_log(
    engine: Engine,
    since: date | None = None,
    run: str | None = None,
    who: str | None = None,
) -> list[LogEntry]:
    """The log, oldest first, optionally from a date, for one run's object or one person."""
    query = select(
        col(Activity.at),
        col(Activity.who),
        col(Activity.action),
        col(Activity.object),
        col(Activity.detail),
    ).order_by(col(Activity.id))
    if since is not None:
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        query = query.where(col(Activity.at) >= start)
    if run is not None:
        query = query.where(col(Activity.object) == run)
    if who is not None:
        query = query.where(col(Activity.who) == who.strip().lower())
    with engine.connect() as connection:
        return [LogEntry(*row) for row in connection.execute(query)]


def log_rows(entries: list[LogEntry]) -> list[tuple]:
    """The log as workbook rows: when, who, what, object, detail."""
    return [(e.at, e.who, e.action, e.object, e.detail) for e in entries]


LOG_HEADERS = ("when (UTC)", "who", "what", "object", "detail")

"""The activity log: one row per change — who, when (the database's clock), what, and its
object. Written in the transaction of the change it records, so a change that is rolled back
leaves no row and a row never stands for a change that did not happen (a file written, which is
no database change, is logged once it is written). The database refuses
UPDATE and DELETE on it (migration 0013). Counts and IDs only: nothing personal.

Each row is chained as it is written (``log_chain``, migration 0022): its link is the SHA-256
of the link before and the row itself, so a row deleted, changed or slipped in afterwards breaks
the chain at that point (``chain_breaks``). Rows are chained one writer at a time: SQLite's write
lock, taken by the row's insert; on PostgreSQL a transaction-scoped advisory lock."""

from __future__ import annotations

import getpass
import hashlib
import os
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, insert, select, text
from sqlmodel import col

from sfclaims.platform.models import Activity, LogChain, table_of

GENESIS = "0" * 64  # the link before the first row
CHAIN_LOCK = 0x5FC1A135  # PostgreSQL's advisory lock key: one writer of the chain at a time

#: Who is acting in this context and how they proved it, as the action that checked their role
#: found them (``people.allowed``): each log row the action writes for them says how. A context
#: is one command, one page's request or one job, so it never speaks for anyone else.
_identified: ContextVar[tuple[str, str] | None] = ContextVar("identified", default=None)


def identified(name: str, how: str) -> None:
    """The person acting here, and how they were identified."""
    if how:
        _identified.set((name, how))


def forget_who_is_identified() -> None:
    """No one is identified here any more (a new command in the same process, a new test)."""
    _identified.set(None)


def _how(who: str) -> str | None:
    found = _identified.get()
    return found[1] if found is not None and found[0] == who else None


def operating_system_user() -> str:
    """``SFCLAIMS_USER`` if set, else the operating-system user: who acts from the command line."""
    return (os.environ.get("SFCLAIMS_USER") or getpass.getuser()).strip().lower()


def record_activity(
    connection: Connection, who: str | None, action: str, object_: str = "", detail: str = ""
) -> None:
    """One row, chained, in the caller's transaction; ``who`` None: the operating-system user."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    log = table_of(Activity)
    who = who or operating_system_user()
    how = _how(who)
    written = connection.execute(
        insert(log)
        .values(who=who, action=action, object=object_, detail=detail, identified_by=how)
        .returning(log.c.id, log.c.at)
    ).one()
    position, previous = chain_head(connection)
    row = (written.id, written.at, who, action, object_, detail, how)
    connection.execute(
        insert(table_of(LogChain)).values(
            position=position + 1, activity_id=written.id, hash=chain_hash(previous, row)
        )
    )


def chained_time(at: object) -> str:
    """A log row's time as its link is made of it, the same from either database."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if not isinstance(at, datetime):
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def chain_hash(previous: str, row: tuple[Any, ...]) -> str:
    """A row's link: the SHA-256 of the link before and the row (id, time, who, action, object,
    detail, and how the person was identified when the row says). Migration 0022 keeps a frozen
    copy for rows that do not say how: change neither."""
    id_, at, who, action, object_, detail, *said = row
    words = "\n".join([previous, str(id_), chained_time(at), str(who), str(action), str(object_)])
    words += "\n" + str(detail)
    if said and said[0] is not None:
        words += "\n" + str(said[0])
    return hashlib.sha256(words.encode()).hexdigest()


def chain_head(connection: Connection) -> tuple[int, str]:
    """The chain's last position and link (0 and GENESIS before the first row)."""
    last = connection.execute(
        select(col(LogChain.position), col(LogChain.hash))
        .order_by(col(LogChain.position).desc())
        .limit(1)
    ).first()
    return (last.position, last.hash) if last is not None else (0, GENESIS)


def chain_breaks(connection: Connection) -> str | None:
    """Where the log and its chain first part: a sentence naming the row, or None when every
    row is chained in order and every link holds."""
    links = connection.execute(
        select(col(LogChain.position), col(LogChain.activity_id), col(LogChain.hash)).order_by(
            col(LogChain.position)
        )
    ).all()
    rows = {row.id: row for row in connection.execute(select(*log_columns()))}
    previous = GENESIS
    for expected, (position, activity_id, kept) in enumerate(links, start=1):
        if position != expected:
            return f"The activity log's chain lacks link {expected}: a link was removed."
        row = rows.pop(activity_id, None)
        if row is None:
            return f"The activity log's row {activity_id} is gone: it was deleted."
        if chain_hash(previous, tuple(row)) != kept:
            return (
                f"The activity log's row {activity_id} ({row.action}, {row.object}) is not "
                f"as it was written, or a row before it was changed."
            )
        previous = kept
    if rows:
        first = min(rows)
        return f"The activity log's row {first} is in no link of its chain: it was slipped in."
    return None


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
    identified_by: str | None = None  # how the person proved who they were (since 0024)


def read_log(
    engine: Engine,
    since: date | None = None,
    run: str | None = None,
    who: str | None = None,
) -> list[LogEntry]:
    """The log, oldest first, optionally from a date, for one run's object or one person."""
    with engine.connect() as connection:
        return [LogEntry(*row[1:]) for row in connection.execute(_filtered(since, run, who))]


LOG_PAGE = 50  # changes on a page of the log


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]  # newest first
    older: int | None  # where the next page (older changes) starts, if there are any
    newer: bool  # whether newer changes stand before this page


def read_log_page(
    engine: Engine,
    since: date | None = None,
    run: str | None = None,
    who: str | None = None,
    before: int | None = None,
    size: int = LOG_PAGE,
) -> LogPage:
    """A page of the log, newest first, filtered as ``read_log``, from the change before
    ``before`` (keyset paging on the log's number: as quick at the millionth row as at the
    first, each filter on an indexed column)."""
    query = _filtered(since, run, who).order_by(None).order_by(col(Activity.id).desc())
    if before is not None:
        query = query.where(col(Activity.id) < before)
    with engine.connect() as connection:
        rows = connection.execute(query.limit(size + 1)).all()
    shown = rows[:size]
    return LogPage(
        [LogEntry(*row[1:]) for row in shown],
        shown[-1][0] if len(rows) > size else None,
        before is not None,
    )


def log_columns() -> tuple[Any, ...]:
    """A log row's columns, in the order its link in the chain is made of them (its number,
    time, who, what, object, detail, how the person was identified)."""
    return (
        col(Activity.id),
        col(Activity.at),
        col(Activity.who),
        col(Activity.action),
        col(Activity.object),
        col(Activity.detail),
        col(Activity.identified_by),
    )


def _filtered(since: date | None, run: str | None, who: str | None) -> Select[Any]:
    """The log's rows (its number first), oldest first, from the date, of the run's object, by
    the person."""
    query = select(*log_columns()).order_by(col(Activity.id))
    if since is not None:
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        query = query.where(col(Activity.at) >= start)
    if run is not None:
        query = query.where(col(Activity.object) == run)
    if who is not None:
        query = query.where(col(Activity.who) == who.strip().lower())
    return query


def log_rows(entries: list[LogEntry]) -> list[tuple[Any, ...]]:
    """The log as workbook rows: when, who, what, object, detail, how identified."""
    return [(e.at, e.who, e.action, e.object, e.detail, e.identified_by or "") for e in entries]


LOG_HEADERS = ("when (UTC)", "who", "what", "object", "detail", "identified by")

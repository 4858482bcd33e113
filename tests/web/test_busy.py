"""Many people on one SQLite file: while another holds the database's one writer (an import's
swap), a page whose session is due a "last seen" write still answers at once, and a write that
cannot wait any longer is a sentence and a retry (503), never a fault. The order is made by the
test holding the writer itself (BEGIN IMMEDIATE on a connection of its own), not by sleeps."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlmodel import col

from sfclaims.people.sessions import SEEN_EVERY
from sfclaims.platform import db
from sfclaims.platform.models import WebSession
from tests.web.conftest import post, sign_in


@contextmanager
def writer_held(url: str) -> Iterator[None]:
    """SQLite's one writer taken by another connection, as an import's swap takes it."""
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_session_due_its_last_seen_write_is_answered_while_the_writer_is_held(
    workspace, accounts
):
    sign_in(workspace, "carl")
    engine = workspace.app.state.engine
    due = datetime.now(UTC) - SEEN_EVERY * 2  # last seen long enough ago to be written again
    with engine.begin() as connection:
        connection.execute(text("UPDATE web_sessions SET seen_at = :due"), {"due": due})
    with writer_held(accounts):
        started = time.monotonic()
        page = workspace.get("/claims")
        waited = time.monotonic() - started
    assert page.status_code == 200 and "Claim runs" in page.text
    assert waited < db.SQLITE_BUSY_SECONDS  # it did not wait out the writer
    assert last_seen(engine) == [due]  # not written now: tried again at a later page
    assert workspace.get("/claims").status_code == 200
    assert last_seen(engine)[0] > due


def last_seen(engine) -> list[datetime]:
    with engine.connect() as connection:
        seen = connection.execute(select(col(WebSession.seen_at))).scalars().all()
    return [s if s.tzinfo else s.replace(tzinfo=UTC) for s in seen]


def test_a_write_still_locked_after_its_wait_is_a_sentence_and_a_retry(
    workspace, accounts, monkeypatch
):
    sign_in(workspace, "carl")
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 0.2)  # this process's writes wait less
    workspace.app.state.engine.dispose()  # its connections made anew with that wait
    with writer_held(accounts):
        answer = post(workspace, "/decide", {"as_of": "30/09/2025"})
    assert answer.status_code == 503, answer.text[:500]
    assert "The database is busy" in answer.text and "Try again in a moment" in answer.text
    assert answer.headers["retry-after"] == "5"

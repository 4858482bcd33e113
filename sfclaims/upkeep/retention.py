"""Personal data kept no longer than needed (UK GDPR, storage limitation): ``purge`` removes
what is older than the retention setting and no claim rests on — the rows imports set aside
(each kept with its raw text), the decisions stored by assess (a claim run decides afresh
when none is current, so none is needed once superseded), draft runs made before then and never
submitted (with the records they kept, their sample and verdicts: a draft that old will not be
submitted), the workspace's finished jobs and old sessions, and any job's files left behind. A
submitted run's families, evidence, records, sample and verdicts are never touched (the database
refuses it anyway). What was removed is logged as counts, never contents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, select
from sqlmodel import col

from sfclaims.claims.ledger import remove_draft
from sfclaims.platform.activity import record_activity
from sfclaims.platform.dates import add_months
from sfclaims.platform.db import writing
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.job_files import remove_left_behind
from sfclaims.platform.models import (
    ClaimRun,
    ImportBatch,
    SetAsideRow,
    SignInFailure,
    StoredDecision,
    StoredJob,
    WebSession,
)


@dataclass(frozen=True)
class Purged:
    before: date
    set_aside_rows: int
    decisions: int
    drafts: int = 0
    sessions: int = 0
    jobs: int = 0
    draft_runs: tuple[str, ...] = ()  # the drafts' IDs


def _removable(cutoff: datetime) -> dict[str, tuple[type, ColumnElement[bool]]]:
    """What a purge removes, by the table and the rows of it: one place for the count a
    confirmation shows and the delete itself."""
    old_batches = select(col(ImportBatch.id)).where(col(ImportBatch.imported_at) < cutoff)
    return {
        "set_aside_rows": (SetAsideRow, col(SetAsideRow.batch_id).in_(old_batches)),
        "decisions": (StoredDecision, col(StoredDecision.decided_at) < cutoff),
        # who signed in when: ended, or unused, before the date
        "sessions": (WebSession, col(WebSession.seen_at) < cutoff),
        # the workspace's finished work, with its workbooks
        "jobs": (
            StoredJob,
            and_(col(StoredJob.started_at) < cutoff, col(StoredJob.state) != "running"),
        ),
    }


def _old_drafts(connection: Connection, cutoff: datetime) -> list[str]:
    return list(
        connection.execute(
            select(col(ClaimRun.run_id))
            .where(col(ClaimRun.created_at) < cutoff, col(ClaimRun.submitted_at).is_(None))
            .order_by(col(ClaimRun.run_id))
        ).scalars()
    )


def _cutoff(before: date) -> datetime:
    return datetime(before.year, before.month, before.day, tzinfo=UTC)


def check_purge_day(before: date, today: date, months: int) -> date:
    """A purge removes only what the retention period lets go: a date after its start (today
    less the retention months) is refused, so no slip of a typed date removes this year's
    drafts, decisions or sessions."""
    start = retention_start(today, months)
    if before > start:
        raise RefusedError(
            f"A purge may remove only what is older than the retention period of {months} "
            f"months, so from {start:%d/%m/%Y} back; {before:%d/%m/%Y} is later. Nothing was "
            "removed."
        )
    return before


def _retention_months(engine: Engine) -> int:
    from sfclaims.platform.settings import read_settings

    return read_settings(engine).retention_months


def what_would_go(engine: Engine, before: date) -> Purged:
    """What a purge from before the date would remove, counted and nothing removed: what its
    confirmation says (a date the retention period keeps is refused, as the purge refuses it)."""
    check_purge_day(before, date.today(), _retention_months(engine))
    cutoff = _cutoff(before)
    with engine.connect() as connection:
        counted = {
            name: connection.execute(
                select(func.count()).select_from(table).where(rows)
            ).scalar_one()
            for name, (table, rows) in _removable(cutoff).items()
        }
        drafts = _old_drafts(connection, cutoff)
    return Purged(before, drafts=len(drafts), draft_runs=tuple(drafts), **counted)


def retention_start(today: date, months: int) -> date:
    """The first day kept: anything older than ``months`` before today may go."""
    return add_months(today, -months)


def purge(engine: Engine, before: date, by: str | None = None) -> Purged:
    """Remove the set-aside rows of imports made before the date and the decisions stored
    before it (refused for a date the retention period keeps: ``check_purge_day``)."""
    check_purge_day(before, date.today(), _retention_months(engine))
    cutoff = _cutoff(before)
    with writing(engine) as connection:
        removed = {
            name: connection.execute(delete(table).where(rows)).rowcount
            for name, (table, rows) in _removable(cutoff).items()
        }
        connection.execute(delete(SignInFailure).where(col(SignInFailure.at) < cutoff))
        drafts = _old_drafts(connection, cutoff)
        for run_id in drafts:
            remove_draft(connection, run_id, by, "claim run purged")
        running = set(
            connection.execute(
                select(col(StoredJob.id)).where(col(StoredJob.state) == "running")
            ).scalars()
        )
        record_activity(
            connection,
            by,
            "purge",
            "personal data",
            f"older than {before:%d/%m/%Y}: {removed['set_aside_rows']:,} set-aside rows, "
            f"{removed['decisions']:,} superseded decisions, {len(drafts):,} draft claim runs, "
            f"{removed['sessions']:,} workspace sessions, {removed['jobs']:,} workspace jobs",
        )
    remove_left_behind(engine, running)  # files of jobs that are over (the server died)
    return Purged(before, drafts=len(drafts), draft_runs=tuple(drafts), **removed)

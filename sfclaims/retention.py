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

from sqlalchemy import Engine, delete, select
from sqlmodel import col

from sfclaims.activity import record_activity
from sfclaims.claim_runs.ledger import remove_draft
from sfclaims.db import writing
from sfclaims.job_files import remove_left_behind
from sfclaims.models import (
    ClaimRun,
    ImportBatch,
    SetAsideRow,
    SignInFailure,
    StoredDecision,
    StoredJob,
    WebSession,
)
from sfclaims.rules.dates import add_months


@dataclass(frozen=True)
class Purged:
    before: date
    set_aside_rows: int
    decisions: int
    drafts: int = 0


def retention_start(today: date, months: int) -> date:
    """The first day kept: anything older than ``months`` before today may go."""
    return add_months(today, -months)


def purge(engine: Engine, before: date, by: str | None = None) -> Purged:
    """Remove the set-aside rows of imports made before the date and the decisions stored
    before it."""
    cutoff = datetime(before.year, before.month, before.day, tzinfo=UTC)
    with writing(engine) as connection:
        old_batches = select(col(ImportBatch.id)).where(col(ImportBatch.imported_at) < cutoff)
        set_aside = connection.execute(
            delete(SetAsideRow).where(col(SetAsideRow.batch_id).in_(old_batches))
        ).rowcount
        decisions = connection.execute(
            delete(StoredDecision).where(col(StoredDecision.decided_at) < cutoff)
        ).rowcount
        sessions = connection.execute(  # who signed in when: ended, or unused, before the date
            delete(WebSession).where(col(WebSession.seen_at) < cutoff)
        ).rowcount
        connection.execute(delete(SignInFailure).where(col(SignInFailure.at) < cutoff))
        jobs = connection.execute(  # the workspace's finished work, with its workbooks
            delete(StoredJob).where(
                col(StoredJob.started_at) < cutoff, col(StoredJob.state) != "running"
            )
        ).rowcount
        drafts = (
            connection.execute(
                select(col(ClaimRun.run_id)).where(
                    col(ClaimRun.created_at) < cutoff, col(ClaimRun.submitted_at).is_(None)
                )
            )
            .scalars()
            .all()
        )
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
            f"older than {before:%d/%m/%Y}: {set_aside:,} set-aside rows, {decisions:,} "
            f"superseded decisions, {len(drafts):,} draft claim runs, {sessions:,} workspace "
            f"sessions, {jobs:,} workspace jobs",
        )
    remove_left_behind(engine, running)  # files of jobs that are over (the server died)
    return Purged(before, set_aside, decisions, len(drafts))

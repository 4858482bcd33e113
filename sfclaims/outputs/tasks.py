"""Where the quarter stands, as a task list (the GOV.UK task list pattern): import, decide, the
draft claim, its sample, the verdicts, the submission — each with its state, who did it and when,
and whose turn it is now. Read from the log and the ledger; nothing is decided again here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select
from sqlmodel import col

from sfclaims.claims.digest import SUBMITTED_ACTION
from sfclaims.claims.ledger import RunListed, list_runs
from sfclaims.claims.sample import SAMPLE_DRAWN
from sfclaims.people.accounts import Actor, allowed
from sfclaims.platform.errors import SfclaimsError
from sfclaims.platform.models import Activity, ImportBatch, StoredDecision
from sfclaims.platform.roles import AUDITOR, CLAIMS, DATA_OFFICER
from sfclaims.platform.settings import framework_in_force

COMPLETED, IN_PROGRESS, NOT_STARTED, CANNOT_START = (
    "Completed",
    "In progress",
    "Not yet started",
    "Cannot start yet",
)
IMPORT_ACTION = "import"  # the log's row an import writes (intake.importing)
MADE_ACTION = "claim run made"  # and a claim run's (claims.making)


@dataclass(frozen=True)
class QuarterTask:
    name: str
    role: str  # whose task it is
    state: str  # COMPLETED, IN_PROGRESS, NOT_STARTED or CANNOT_START
    done_by: str | None = None
    done_at: datetime | None = None
    note: str = ""  # a few words on where it stands

    @property
    def done(self) -> bool:
        return self.state == COMPLETED


@dataclass(frozen=True)
class QuarterTasks:
    run: str | None  # the claim run the list follows (the newest), if any
    tasks: list[QuarterTask]

    @property
    def waiting_on(self) -> QuarterTask | None:
        """The first task not done: whose turn it is."""
        return next((task for task in self.tasks if not task.done), None)


def _latest(
    connection: Connection, action: str, run: str | None = None
) -> tuple[str, datetime] | None:
    query = select(col(Activity.who), col(Activity.at)).where(col(Activity.action) == action)
    if run is not None:
        query = query.where(col(Activity.object) == run)
    row = connection.execute(query.order_by(col(Activity.id).desc()).limit(1)).first()
    return (row.who, row.at) if row is not None else None


def quarter_tasks(engine: Engine, person: Actor) -> QuarterTasks:
    """The quarter's tasks in the order the rails require, following the newest claim run (a
    framework that pays no results has no claim to make: the list ends at the decide). Any
    account may read it."""
    allowed(person, None, "seeing where the quarter stands")
    try:
        claims_paid = framework_in_force(engine).programme.pays
    except SfclaimsError:  # a plan changed since it was put in force: the decide says so
        claims_paid = True
    with engine.connect() as connection:
        imported = _latest(connection, IMPORT_ACTION)
        # the clock decisions and imports are stamped by alike (the log's is the database's)
        imported_at = connection.execute(select(func.max(col(ImportBatch.imported_at)))).scalar()
        decided_at = connection.execute(select(func.max(col(StoredDecision.decided_at)))).scalar()
        runs = list_runs(engine) if claims_paid else []
        run = runs[-1] if runs else None
        made, drawn, submitted = (
            [
                _latest(connection, action, run.run_id)
                for action in (MADE_ACTION, SAMPLE_DRAWN, SUBMITTED_ACTION)
            ]
            if run
            else [None, None, None]
        )
    tasks = [_import(imported), _decide(imported_at, decided_at)]
    if claims_paid:
        tasks += _claim(run, made, drawn, submitted)
    return QuarterTasks(run.run_id if run else None, tasks)


def _import(imported: tuple[str, datetime] | None) -> QuarterTask:
    name = "Import the quarter's extracts"
    if imported is None:
        return QuarterTask(name, DATA_OFFICER, NOT_STARTED)
    who, at = imported
    return QuarterTask(name, DATA_OFFICER, COMPLETED, who, at)


def _decide(imported_at: datetime | None, decided_at: datetime | None) -> QuarterTask:
    name = "Decide every family"
    if imported_at is None:
        return QuarterTask(name, CLAIMS, CANNOT_START, note="nothing is imported yet")
    if decided_at is None:
        return QuarterTask(name, CLAIMS, NOT_STARTED)
    if _naive(decided_at) < _naive(imported_at):
        return QuarterTask(
            name, CLAIMS, IN_PROGRESS, None, decided_at, "decided before the latest import"
        )
    return QuarterTask(name, CLAIMS, COMPLETED, None, decided_at)


def _claim(
    run: RunListed | None,
    made_by: tuple[str, datetime] | None,
    drawn: tuple[str, datetime] | None,
    submitted: tuple[str, datetime] | None,
) -> list[QuarterTask]:
    draft = "Make the draft claim run"
    sample = "Draw the audit sample"
    verdicts = "Record a verdict on every sampled family"
    submit = "Submit the claim"
    if run is None:
        return [
            QuarterTask(draft, CLAIMS, NOT_STARTED),
            QuarterTask(sample, AUDITOR, CANNOT_START, note="no draft yet"),
            QuarterTask(verdicts, AUDITOR, CANNOT_START, note="no sample yet"),
            QuarterTask(submit, CLAIMS, CANNOT_START, note="no draft yet"),
        ]
    by, at = made_by or (None, run.created_at)
    made = QuarterTask(draft, CLAIMS, COMPLETED, by, at, f"{run.run_id}: {run.claimed:,} families")
    if not run.sampled:
        return [
            made,
            QuarterTask(sample, AUDITOR, NOT_STARTED, note=run.run_id),
            QuarterTask(verdicts, AUDITOR, CANNOT_START, note="no sample yet"),
            QuarterTask(submit, CLAIMS, CANNOT_START, note="the sample is not checked yet"),
        ]
    drawer, drawn_at = drawn or (None, None)
    drawn_task = QuarterTask(
        sample, AUDITOR, COMPLETED, drawer, drawn_at, note=f"{run.sampled:,} families"
    )
    left = run.sampled - run.sampled_checked
    checked = f"{run.sampled_checked:,} of {run.sampled:,} checked"
    if left:
        state = IN_PROGRESS if run.sampled_checked else NOT_STARTED
        return [
            made,
            drawn_task,
            QuarterTask(verdicts, AUDITOR, state, note=checked),
            QuarterTask(submit, CLAIMS, CANNOT_START, note="the sample is not checked yet"),
        ]
    done_verdicts = QuarterTask(verdicts, AUDITOR, COMPLETED, note=checked)
    if run.submitted_at is None:
        return [made, drawn_task, done_verdicts, QuarterTask(submit, CLAIMS, NOT_STARTED)]
    by, at = submitted or (None, run.submitted_at)
    return [made, drawn_task, done_verdicts, QuarterTask(submit, CLAIMS, COMPLETED, by, at)]


def _naive(moment: datetime) -> datetime:
    """A moment compared in UTC whether the database kept its zone (PostgreSQL) or not."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)

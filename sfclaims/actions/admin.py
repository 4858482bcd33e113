"""The admin's actions: the authority's settings and outcome plan, the purge of old personal data;
and the database itself: upgrades, backups, PostgreSQL's grants, the close-out archive, verify."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sfclaims.actions.frameworks import framework_of_run
from sfclaims.outputs.files import ready_folder
from sfclaims.people.accounts import Actor, allowed
from sfclaims.platform.errors import RefusedError, SfclaimsError, UsageError
from sfclaims.platform.given import checked_text
from sfclaims.platform.roles import ADMIN, AUDITOR

if TYPE_CHECKING:
    from sfclaims.deciding.decisions import SinceBefore
    from sfclaims.platform.settings import Settings
    from sfclaims.upkeep.archive import Archived
    from sfclaims.upkeep.retention import Purged
    from sfclaims.upkeep.upgrading import Step, Upgraded


# --- the admin ------------------------------------------------------------------------------------


def change_settings(engine: Engine, person: Actor, **given: object) -> Settings:
    """Change the settings given (the rest stay), logged; nothing given changes nothing."""
    from sfclaims.platform.settings import change_settings as change
    from sfclaims.platform.settings import read_settings

    if all(value is None for value in given.values()):
        return read_settings(engine)
    from sfclaims.actions.telling import draft_runs, drafts_touched

    allowed(person, ADMIN, "changing the settings")
    before = read_settings(engine).framework_sha256
    changed = change(engine, by=person.name, **given)  # type: ignore[arg-type]
    if changed.framework_sha256 != before:  # the drafts were made under the plan before
        drafts_touched(
            engine,
            person,
            "a change of outcome plan",
            f"the plan in force is now {changed.framework}, and the drafts were made under the "
            "plan before; decide again and make the draft again before it is submitted.",
            draft_runs(engine),
        )
    return changed


PLAN_LIMIT = 1_000_000  # bytes: a local outcome plan is a page or two of TOML


def keep_outcome_plan(engine: Engine, person: Actor, file_name: str, content: bytes) -> str:
    """Keep an uploaded local outcome plan, checked, where only the service reads it, named by
    its hash; its key (for ``preview_outcome_plan`` and ``put_kept_plan``). A file that is no
    plan is refused whole, in a sentence naming the file, and nothing of it stays."""
    from sfclaims.platform.framework import load_framework
    from sfclaims.platform.job_files import outcome_plans

    allowed(person, ADMIN, "changing the settings")
    name = checked_text(file_name, "the plan's file name", 200)
    if not name.lower().endswith(".toml") or len(content) > PLAN_LIMIT:
        raise RefusedError(f"A local outcome plan is a .toml file of at most {PLAN_LIMIT:,} bytes.")
    key = hashlib.sha256(content).hexdigest()[:16]
    kept = outcome_plans(engine) / f"{PLAN_PREFIX}{key}.toml"
    new = not kept.exists()
    if new:
        kept.write_bytes(content)
        kept.chmod(0o600)
    try:
        load_framework(str(kept))
    except BaseException as error:
        if new:
            kept.unlink(missing_ok=True)
        if isinstance(error, SfclaimsError):  # said of the file as the person named it
            raise RefusedError(str(error).replace(kept.name, name)) from None
        raise
    return key


PLAN_PREFIX = "local-outcome-plan-"


def kept_plan(engine: Engine, key: str) -> Path:
    """The kept plan of the key (sixteen hex digits: anything else is refused)."""
    from sfclaims.platform.job_files import outcome_plans

    if not (len(key) == 16 and all(c in "0123456789abcdef" for c in key)):
        raise RefusedError("That is no outcome plan this service keeps.")
    kept = outcome_plans(engine) / f"{PLAN_PREFIX}{key}.toml"
    if not kept.is_file():
        raise RefusedError("That outcome plan is no longer kept here: upload it again.")
    return kept


def put_kept_plan(engine: Engine, person: Actor, key: str) -> Settings:
    """Put a kept plan in force (previewed, or just uploaded)."""
    allowed(person, ADMIN, "changing the settings")
    return change_settings(engine, person, framework=kept_plan(engine, key))


@dataclass(frozen=True)
class PlanPreview:
    """A local outcome plan's effect before it is put in force: every family decided as of the
    date under the framework in force ("before") and under the plan ("now"), side by side."""

    framework: str  # the plan's name and version
    sha256: str
    in_force: str  # the framework in force now
    as_of: date
    since: SinceBefore


def preview_outcome_plan(
    engine: Engine, person: Actor, plan: Path, as_of: date | None = None
) -> PlanPreview:
    """Decide every family as of the date (the newest date decided, else today) under the plan
    and under the framework in force, and compare them; nothing is kept or changed (an
    admin's). ``plan`` is the plan's file: kept (``kept_plan``) or on this machine."""
    from sfclaims.actions.frameworks import framework_in_force
    from sfclaims.deciding.assessing import assess_families
    from sfclaims.deciding.decisions import since_before
    from sfclaims.deciding.rules import canonical_codes
    from sfclaims.intake.kinds import LIST_SEPARATOR
    from sfclaims.outputs.overview import decided_dates
    from sfclaims.platform.dates import check_as_of
    from sfclaims.platform.framework import load_framework

    allowed(person, ADMIN, "previewing an outcome plan")
    chosen = load_framework(str(plan))
    current = framework_in_force(engine, None)
    day = check_as_of(as_of or next(iter(decided_dates(engine)), None) or date.today())
    now = assess_families(engine, current, day)
    then = {a.decision.family_id: a.decision.reasons for a in now}
    under = assess_families(engine, chosen, day)
    since = since_before(
        (
            (
                LIST_SEPARATOR.join(then.get(a.decision.family_id, ())),
                LIST_SEPARATOR.join(a.decision.reasons),
            )
            for a in under
        ),
        day,
        None,
        {code: i for i, code in enumerate(canonical_codes(chosen))},
    )
    return PlanPreview(chosen.label(), chosen.sha256, current.label(), day, since)


def purge(engine: Engine, person: Actor, before: date | None) -> tuple[date, Purged]:
    """Remove personal data no claim needs from before the date (default: the retention
    setting's start), logged as counts."""
    from sfclaims.actions.telling import drafts_touched
    from sfclaims.upkeep.retention import purge as purge_data

    allowed(person, ADMIN, "purging old personal data")
    day = before or retention_day(engine)
    purged = purge_data(engine, day, person.name)
    drafts_touched(
        engine,
        person,
        "a purge",
        f"the drafts made before {day:%d/%m/%Y} were removed with the rest of what was older.",
        list(purged.draft_runs),
    )
    return day, purged


def retention_day(engine: Engine) -> date:
    """The first day the retention setting keeps: what a purge removes by default."""
    from sfclaims.platform.settings import read_settings
    from sfclaims.upkeep.retention import retention_start

    return retention_start(date.today(), read_settings(engine).retention_months)


def what_purge_removes(engine: Engine, person: Actor, before: date | None) -> Purged:
    """What ``purge`` from before the date (default: the retention setting's start) would
    remove, counted, nothing removed: for its confirmation."""
    from sfclaims.upkeep.retention import what_would_go

    allowed(person, ADMIN, "purging old personal data")
    return what_would_go(engine, before or retention_day(engine))


# --- the database itself ------------------------------------------------------------------------


def _acting_on_any_schema(engine: Engine, name: str | None = None) -> Actor:
    """Who is acting, on a database whose schema may be behind: before accounts existed
    (migration 0013) one person works alone."""
    from sqlalchemy import inspect

    from sfclaims.people.accounts import acting
    from sfclaims.platform.activity import operating_system_user
    from sfclaims.platform.roles import ROLES

    with engine.connect() as connection:
        if not inspect(connection).has_table("accounts"):
            return Actor(name or operating_system_user(), frozenset(ROLES), single_user=True)
    return acting(engine, name)


def upgrade(
    engine: Engine,
    *,
    backup: bool = True,
    announce: Callable[[str | None, str, list[Step]], None] = lambda *_: None,
) -> Upgraded:
    """Back the database up (beside a SQLite file; pg_dump for PostgreSQL, refused without it
    unless ``backup`` is False) and migrate it to the latest revision, all or nothing; nothing to
    do at the latest. An admin's action once there are accounts."""
    from sfclaims.platform.db import schema_revision
    from sfclaims.upkeep.upgrading import backup_name, migrate

    allowed(_acting_on_any_schema(engine), ADMIN, "upgrading the database")
    to = backup_name(engine, schema_revision(engine)) if backup else None
    return migrate(engine, backup_to=to, announce=announce)


def create_or_upgrade(
    engine: Engine, announce: Callable[[str | None, str, list[Step]], None] = lambda *_: None
) -> Upgraded:
    """``init``: a new database at the latest schema; one behind that holds data is upgraded as
    ``upgrade`` does it (backed up first); one behind that holds nothing is simply migrated."""
    from sfclaims.upkeep.upgrading import holds_data, migrate

    if holds_data(engine):
        return upgrade(engine, announce=announce)
    return migrate(engine, announce=announce)


def back_up(engine: Engine, to: Path) -> Path:
    """A consistent copy of the database while it is in use (an admin's action: it holds
    everyone's data)."""
    from sfclaims.upkeep.upgrading import backup

    allowed(_acting_on_any_schema(engine), ADMIN, "backing up the database")
    return backup(engine, to)


def archive(engine: Engine, person: Actor, out: Path) -> Archived:
    """The close-out archive (contract.md, `archive`), written into ``out`` and logged: an
    admin's or an auditor's, who keep what was claimed for the years after."""
    from datetime import UTC, datetime

    from sfclaims.platform.activity import record_now
    from sfclaims.upkeep.archive import write_archive

    allowed(person, None, "making the close-out archive")
    if not (person.may(ADMIN) or person.may(AUDITOR)):
        raise RefusedError(
            f"Making the close-out archive needs the admin or the auditor role, and "
            f"{person.name} has neither; ask an admin."
        )
    ready_folder(out, "The folder")
    if any(out.iterdir()):
        raise UsageError(
            f"The folder {out} is not empty: an archive is written into a new or empty folder, "
            f"so that every file in it is the archive's."
        )
    made = write_archive(
        engine,
        out,
        lambda sealed: framework_of_run(engine, sealed),
        f"{datetime.now(UTC):%d/%m/%Y %H:%M} UTC",
    )
    record_now(engine, person.name, "archive made", "", f"{made.runs} runs, {made.files} files")
    return made


def check_archive(folder: Path) -> tuple[int, list[str]]:
    """An archive checked against its manifest and the manifest's seal (contract.md, `verify
    --archive`): it needs no database, only the folder and, for the seal, the seal key."""
    from sfclaims.upkeep.archive import archive_problems

    return archive_problems(folder)


@dataclass(frozen=True)
class Verified:
    runs: int  # submitted runs checked
    problems: list[str]  # one sentence per run or log row that does not hold, oldest first
    log_rows: int = 0  # rows of the activity log checked against its chain


def verify(engine: Engine, person: Actor) -> Verified:
    """Check every submitted run against its digest and its seal (the key outside the database),
    and the activity log against its chain and the chain heads the runs' seals hold; each run,
    and the first log row, that does not hold is named. Anyone with an account may check."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from sfclaims.claims import SUBMITTED_ACTION, get_run, list_runs, verify_submitted
    from sfclaims.platform.activity import chain_breaks
    from sfclaims.platform.db import one_snapshot
    from sfclaims.platform.errors import SfclaimsError
    from sfclaims.platform.models import Activity, LogChain

    allowed(person, None, "checking the submitted runs")
    problems: list[str] = []
    runs = {r.run_id: r for r in list_runs(engine)}
    submitted = [r.run_id for r in runs.values() if r.submitted_at is not None]
    with one_snapshot(engine) as connection:
        broken = chain_breaks(connection)
        if broken:
            problems.append(broken)
        logged = connection.execute(
            select(col(Activity.object)).where(col(Activity.action) == SUBMITTED_ACTION)
        ).scalars()
        for run_id in sorted(set(logged) - set(submitted)):  # a run made a draft again, or gone
            problems.append(
                f"The activity log records claim run {run_id} as submitted, but the database "
                f"holds it as {'a draft' if run_id in runs else 'no run at all'}: it was changed "
                f"in the database after submission — tell the database's administrator."
            )
        links = set(connection.execute(select(col(LogChain.hash))).scalars())
        for run_id in submitted:
            run = get_run(connection, run_id)
            try:
                verify_submitted(connection, run)
            except SfclaimsError as refused:
                problems.append(str(refused))
                continue
            if run.log_head and run.log_head not in links:
                problems.append(
                    f"The activity log no longer holds the chain head claim run {run_id} was "
                    f"sealed with: rows written before its submission were changed or removed, "
                    f"and the chain made again."
                )
        rows = connection.execute(select(func.count()).select_from(LogChain)).scalar_one()
    return Verified(len(submitted), problems, rows)


def grant_group_roles(engine: Engine, person: Actor) -> list[tuple[str, str]]:
    """An admin (or the one person before accounts) makes the database's group roles and grants
    them: each group's name with its role."""
    from sfclaims.people.grants import grant_roles
    from sfclaims.platform.activity import record_now

    allowed(person, ADMIN, "granting the database's group roles")
    groups = grant_roles(engine)
    record_now(
        engine, person.name, "group roles granted", "database", ", ".join(n for n, _ in groups)
    )
    return groups

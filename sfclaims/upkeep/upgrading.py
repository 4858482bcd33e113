"""Upgrades that keep every claim: where a database's schema stands, a consistent backup while it
is in use, and the migrations to the latest revision, all or nothing.

Every command but ``init``, ``upgrade`` and ``backup`` refuses a database whose schema is behind
(``db.open_database``): an upgrade is a deliberate step, taken after a backup. The migrations run
in one transaction, one revision after the other; a step that fails rolls back every step before
it, and the refusal names the step and why.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from sfclaims.outputs.files import ready_folder
from sfclaims.platform.db import MIGRATIONS, alembic_config, is_sqlite, schema_revision, sqlite_file
from sfclaims.platform.errors import RefusedError, UsageError


@dataclass(frozen=True)
class Step:
    revision: str
    what: str  # the migration's first line


@dataclass(frozen=True)
class Upgraded:
    before: str | None  # None: a new database, created
    after: str
    steps: list[Step] = field(default_factory=list)
    backup: Path | None = None

    @property
    def nothing_to_do(self) -> bool:
        return not self.steps


def pending(engine: Engine, migrations: Path = MIGRATIONS) -> tuple[str | None, str, list[Step]]:
    """Where the database stands, the latest revision, and the steps between, oldest first."""
    from alembic.script import ScriptDirectory

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    config.set_main_option("script_location", str(migrations))
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    assert head is not None, "the migrations have a head"
    now = schema_revision(engine)
    if now is not None and now not in {s.revision for s in scripts.walk_revisions()}:
        raise UsageError(
            f"The database is at schema revision {now}, which this sfclaims does not know: it "
            f"was made by a newer sfclaims. Use that version, or restore a backup made before."
        )
    steps = [
        Step(s.revision, (s.doc or "").strip().splitlines()[0] if s.doc else "")
        for s in scripts.walk_revisions(base=now or "base", head=head)
        if s.revision != now
    ]
    return now, head, list(reversed(steps))


def holds_data(engine: Engine) -> bool:
    """Whether the database holds anything a person put there (imports, runs, accounts)."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        for table in ("import_batches", "claim_runs", "accounts"):
            if (
                table in tables
                and connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()
            ):
                return True
    return False


def migrate(
    engine: Engine,
    *,
    backup_to: Path | None = None,
    migrations: Path = MIGRATIONS,
    announce: Callable[[str | None, str, list[Step]], None] = lambda *_: None,
) -> Upgraded:
    """Back the database up to ``backup_to`` (when given), then migrate it to the latest
    revision in one transaction; nothing to do when it is there already. ``announce`` hears where
    it stands and what will run, before the backup."""
    before, head, steps = pending(engine, migrations)
    announce(before, head, steps)
    if not steps:
        return Upgraded(before, head)
    kept = backup(engine, backup_to) if backup_to is not None else None
    _run_steps(engine, steps, before, migrations)
    return Upgraded(before, head, steps, kept)


def _run_steps(engine: Engine, steps: list[Step], before: str | None, migrations: Path) -> None:
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    config.set_main_option("script_location", str(migrations))
    failed: Step | None = None
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            for step in steps:
                failed = step
                command.upgrade(config, step.revision)
            failed = None
    except Exception as error:  # noqa: BLE001 - worded once, with the step; rolled back whole
        if failed is None:
            raise
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
        raise RefusedError(
            f"The upgrade stopped at step {failed.revision} ({failed.what}): {reason}. Every "
            f"step was rolled back: the database is as it was, at "
            f"{'no revision' if before is None else f'revision {before}'}."
        ) from None


def backup_name(engine: Engine, revision: str | None, folder: Path | None = None) -> Path:
    """Where an upgrade keeps its backup: beside a SQLite file, or in ``folder`` (the current
    one) for PostgreSQL, named with ``before-upgrade``, the revision and the time."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    at = revision or "none"
    database = sqlite_file(engine)
    if database is not None:
        return database.with_name(f"{database.stem}.before-upgrade-{at}-{stamp}.db")
    name = engine.url.database or "sfclaims"
    return (folder or Path.cwd()) / f"{name}.before-upgrade-{at}-{stamp}.dump"


def backup(engine: Engine, to: Path) -> Path:
    """A consistent copy of the database while it is in use: SQLite's online backup into a
    new file; PostgreSQL's ``pg_dump -Fc`` (restored with ``pg_restore``). Never over a file."""
    if to.exists():
        raise UsageError(f"{to} exists already; give the backup a new name.")
    ready_folder(to.parent, "The backup's folder")
    partial = to.with_name(f".{to.name}.partial")
    try:
        if is_sqlite(engine):
            _sqlite_backup(engine, partial)
        else:
            _pg_dump(engine, partial)
        partial.replace(to)
    finally:
        partial.unlink(missing_ok=True)
    return to


def _sqlite_backup(engine: Engine, to: Path) -> None:
    database = sqlite_file(engine)
    if database is None or not database.exists():
        raise UsageError("There is no SQLite file to back up.")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(to)
    try:
        source.backup(target)  # page by page; a writer meanwhile makes it start again
    finally:
        target.close()
        source.close()


def _pg_dump(engine: Engine, to: Path) -> None:
    tool = shutil.which("pg_dump")
    if tool is None:
        raise RefusedError(
            "PostgreSQL's pg_dump is not on this machine's PATH, so no backup can be made; "
            "install PostgreSQL's client tools.",
            remedy="no backup",
        )
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    for _attempt in range(3):  # a deadlock with an import's locks: the server chose pg_dump
        done = subprocess.run(
            [tool, "--format=custom", "--no-owner", f"--file={to}", f"--dbname={url}"],
            capture_output=True,
            text=True,
        )
        if not done.returncode or "deadlock detected" not in done.stderr:
            break
    if done.returncode:
        lines = done.stderr.strip().splitlines() or ["no reason given"]
        reason = next((line for line in lines if "error:" in line), lines[-1])
        raise RefusedError(f"pg_dump could not back the database up: {reason}")

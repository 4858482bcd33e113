"""The database itself: `sfclaims init`, `sfclaims upgrade` and `sfclaims backup`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from sfclaims.cli.base import (
    AllocationOption,
    AuthorityCodeOption,
    AuthorityNameOption,
    FrameworkSettingOption,
    QuartersOption,
    Settings,
    app,
    messages,
    person,
    plain_errors,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sfclaims.actions.service import Step, Upgraded


def any_schema() -> Engine:
    """The database as it is, its schema behind or not there yet."""
    from sfclaims.actions.service import database_url, make_engine

    return make_engine(database_url(Settings.database_url))


def announce(before: str | None, head: str, steps: list[Step]) -> None:
    if not steps:
        messages.print(f"The database is at revision {head}, the latest: nothing to do.")
        return
    where = "has no schema yet" if before is None else f"is at revision {before}"
    messages.print(
        f"The database {where}; this sfclaims is at revision {head}. "
        f"{len(steps)} step{'s' if len(steps) != 1 else ''} to take:",
        markup=False,
    )
    for step in steps:
        messages.print(f"  {step.revision}  {step.what}", markup=False)


def said(done: Upgraded) -> None:
    if done.backup is not None:
        messages.print(f"Backed up first to: {escape(str(done.backup))}")
    if done.steps:
        messages.print(f"The database is now at revision {done.after}.")


@app.command()
@plain_errors
def init(
    authority_name: AuthorityNameOption = None,
    authority_code: AuthorityCodeOption = None,
    framework: FrameworkSettingOption = None,
    quarters: QuartersOption = None,
    allocation: AllocationOption = None,
    grant: Annotated[
        bool,
        typer.Option(
            "--grant",
            help="PostgreSQL: make this database's group roles, one per sfclaims role and one "
            "for the web server (sfclaims_<database>_claims, ..._web), each granted only what "
            "its role writes, and print each (its name, a tab, its role). Run as the "
            "database's owner; then GRANT each person's login their role's group.",
        ),
    ] = False,
) -> None:
    """Create the database schema (SQLite or PostgreSQL) at the latest revision, and set the
    authority's settings given (see `sfclaims settings`). On a database that is behind and holds
    data it does what `sfclaims upgrade` does: a backup first, then the upgrade."""
    from sfclaims.actions import create_or_upgrade
    from sfclaims.actions.accounts import ensure_secret_key
    from sfclaims.actions.service import ensure_seal_key, seal_key_path

    engine = any_schema()
    _key, made = ensure_seal_key()  # seals submitted runs, outside the database: first
    if made:
        messages.print(
            f"A new seal key was made at {escape(str(seal_key_path()))}: every submitted claim "
            f"run is sealed with it. Back it up apart from the database's backups, and give the "
            f"same file to every machine that submits or checks runs."
        )
    said(create_or_upgrade(engine, announce=announce))
    ensure_secret_key()  # signs the web workspace's sessions
    messages.print(f"The database at {escape(engine.url.render_as_string())} is up to date.")
    from sfclaims.cli.admin import settings_set

    settings_set(authority_name, authority_code, framework, quarters, allocation)
    from sfclaims.actions.accounts import FIRST_ADMIN_PATH, LINK_MINUTES, first_admin_link
    from sfclaims.actions.shown import read_settings

    token = first_admin_link(engine)
    if token is not None:  # no account yet: the first admin may be made in the browser
        address = read_settings(engine).workspace_address
        link = f"{address or 'http://HOST:PORT'}{FIRST_ADMIN_PATH}{token}"
        messages.print(
            "No account exists yet. To make the first admin in the browser, open this link in "
            f"the next {LINK_MINUTES} minutes (it works once"
            + ("" if address else "; HOST:PORT is where `sfclaims serve` listens")
            + f"):\n{escape(link)}\nOr on this machine: sfclaims user add NAME --role admin."
        )
    if grant:
        from sfclaims.actions import grant_group_roles

        for name, role in grant_group_roles(engine, person(engine)):
            print(f"{name}\t{role}")


@app.command()
@plain_errors
def upgrade(
    no_backup: Annotated[
        bool,
        typer.Option(
            "--no-backup",
            help="Upgrade without taking a backup first (only once you have one of your own).",
        ),
    ] = False,
) -> None:
    """Upgrade the database to this version of sfclaims: say where it stands and what will run,
    back it up (SQLite: a copy beside it whose name holds `before-upgrade`, the revision and the
    time; PostgreSQL: `pg_dump -Fc` into this folder), then migrate it in one transaction. A step
    that fails leaves the database as it was. Run again, it says there is nothing to do."""
    from sfclaims.actions import upgrade as upgrade_database

    said(upgrade_database(any_schema(), backup=not no_backup, announce=announce))


@app.command()
@plain_errors
def verify(
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="Check a close-out archive's folder against its manifest (and the manifest "
            "against its seal, given the seal key) instead: no database is needed.",
        ),
    ] = None,
) -> None:
    """Check every submitted claim run against the digest and the seal it was submitted with
    (the seal key lives outside the database), and the activity log against its hash chain and
    the chain heads the runs were sealed with: each run, and the first log row, that no longer
    holds is named, and the exit code is 3 if any does not."""
    from sfclaims.actions import verify as verify_runs
    from sfclaims.cli.base import fail, open_database, person

    if archive is not None:
        from sfclaims.actions import check_archive

        files, problems = check_archive(archive)
        for problem in problems:
            messages.print(f"[bold red]Differs:[/] {escape(problem)}")
        if problems:
            fail(f"{len(problems)} of the archive's files do not hold.", 3)
        messages.print(f"The archive holds: its {files:,} files match its manifest.")
        return
    engine = open_database()
    checked = verify_runs(engine, person(engine))
    for problem in checked.problems:
        messages.print(f"[bold red]Does not hold:[/] {escape(problem)}")
    if checked.problems:
        fail(
            f"{len(checked.problems)} problems in {checked.runs} submitted runs and the "
            f"activity log; tell the database's administrator.",
            3,
        )
    messages.print(
        f"Every submitted run holds: {checked.runs} checked against digest and seal; the "
        f"activity log's {checked.log_rows:,} rows hold against their chain."
    )


@app.command()
@plain_errors
def archive(
    out: Annotated[Path, typer.Option("--out", help="A new or empty folder to write it to.")],
) -> None:
    """The close-out archive (an admin's or an auditor's): every submitted run with its
    submission workbook, an evidence PDF per claimed family, its sample and verdicts and its
    seal; the ledger of previous claims; the activity log with its chain head; a README saying
    what each file is, and MANIFEST.sha256. It opens without sfclaims; `sfclaims verify
    --archive DIR` names any file changed since."""
    from sfclaims.actions import archive as make_archive
    from sfclaims.cli.base import open_database, person

    engine = open_database()
    made = make_archive(engine, person(engine), out)
    messages.print(
        f"Written: {escape(str(made.folder))} ({made.runs} submitted runs, {made.files:,} files "
        f"and MANIFEST.sha256)."
    )


@app.command()
@plain_errors
def backup(
    file: Annotated[Path, typer.Argument(help="The file to write the copy to (a new file).")],
) -> None:
    """A consistent copy of the database while it is in use: SQLite's online backup (a
    database file you can open); PostgreSQL: `pg_dump -Fc` (restore with `pg_restore`)."""
    from sfclaims.actions import back_up

    written = back_up(any_schema(), file)
    messages.print(f"Backed up to: {escape(str(written))}")

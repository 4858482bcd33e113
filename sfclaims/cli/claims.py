"""`sfclaims claim`: make, list, export, submit and discard claim runs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from sfclaims.actions.vocabulary import check_as_of, parse_date
from sfclaims.cli.base import (
    AsOfOption,
    FrameworkOption,
    OutDirOption,
    RunArgument,
    acting_as,
    claim_app,
    load_framework,
    messages,
    open_database,
    person,
    plain_errors,
)


@claim_app.command("run")
@plain_errors
def claim_run(
    period: Annotated[str, typer.Option(help="The quarter claimed for, like 2025-Q3.")],
    as_of: AsOfOption,
    max_families: Annotated[
        int | None,
        typer.Option(
            "--max",
            help="Claim at most this many families, the earliest episode starts first "
            "(default: the allocation left, when the settings hold an allocation).",
        ),
    ] = None,
    another: Annotated[
        bool,
        typer.Option("--another", help="Make a second draft for a period that already has one."),
    ] = False,
    framework: FrameworkOption = None,
) -> None:
    """Make a draft claim run of every claimable family; the last line printed is its run ID.
    Next: draw its audit sample, record the verdicts, export it, submit it."""
    day = check_as_of(parse_date(as_of, "--as-of"))
    from sfclaims.actions import make_run

    engine = open_database()
    created = make_run(
        engine,
        person(engine),
        period,
        day,
        cap=max_families,
        another=another,
        framework=framework,
    )
    capped = (
        f" (capped at {created.families:,} of {created.claimable:,} claimable)"
        if created.families < created.claimable
        else ""
    )
    messages.print(
        f"Draft claim run {created.run_id}: {created.families:,} families as of "
        f"{day:%d/%m/%Y}{capped}. Next, internal audit draws its sample with `sfclaims audit "
        f"sample {created.run_id} --percent 10 --seed N` and records a verdict on each sampled "
        f"family; then export it and submit it.",
        markup=False,
    )
    print(created.run_id)


@claim_app.command("export")
@plain_errors
def claim_export(run: RunArgument, out: OutDirOption, framework: FrameworkOption = None) -> None:
    """Write the submission workbook for the department (and a CSV of the same rows)."""
    from sfclaims.actions import export_submission

    engine = open_database()
    load_framework(engine, framework)  # a differing --framework is refused
    for path in export_submission(engine, person(engine), run, out):
        messages.print(f"Written: {escape(str(path))}")


@claim_app.command("submit")
@plain_errors
def claim_submit(
    run: RunArgument,
    yes: Annotated[
        bool, typer.Option("--yes", help="Submit without showing what will be locked and asking.")
    ] = False,
) -> None:
    """Lock the run: its families become ALREADY_CLAIMED and the run can never change. Refused
    while the run has no audit sample or a sampled family has no verdict. Without --yes it shows
    what will be locked and asks."""
    from sfclaims.actions import submission_preview, submit
    from sfclaims.actions.shown import period_named, read_settings

    engine = open_database()
    if not yes:
        about = submission_preview(engine, person(engine), run)
        quarter = period_named(about.period, read_settings(engine).quarters)
        messages.print(
            f"Claim run {about.run_id} for {quarter} (as of {about.as_of:%d/%m/%Y}): "
            f"{about.claimed:,} families will be claimed and locked for good "
            f"({about.withdrawn:,} withdrawn after audit; {about.sampled_checked} of "
            f"{about.sampled} sampled families checked).",
            markup=False,
        )
        if not typer.confirm("Submit and lock it?", default=False, err=True):
            messages.print("Nothing was submitted.")
            raise typer.Exit(1)
    count = submit(engine, person(engine), run)
    messages.print(
        f"Claim run {escape(run.upper())} is submitted and locked: {count:,} families claimed."
    )


@claim_app.command("discard")
@plain_errors
def claim_discard(run: RunArgument) -> None:
    """Remove a draft run, with its sample and verdicts; a submitted run cannot be discarded."""
    from sfclaims.actions import discard

    engine = open_database()
    run_id, families, verdicts = discard(engine, person(engine), run)
    messages.print(
        f"Draft claim run {run_id} is discarded: {families:,} families and {verdicts:,} "
        f"verdicts with it.",
        markup=False,
    )


@claim_app.command("list")
@plain_errors
def claim_list() -> None:
    """Every claim run: period, as-of, status, families claimed and withdrawn, sample and
    verdicts, created and submitted (a table on standard output)."""
    from rich.table import Table

    from sfclaims.actions.shown import list_runs, period_named, read_settings

    table = Table(title="Claim runs")
    for header in ("run", "period", "as of", "status", "claimed", "withdrawn", "sampled"):
        table.add_column(header, justify="right" if header in ("claimed", "withdrawn") else "left")
    table.add_column("sample checked")
    table.add_column("created")
    table.add_column("submitted")
    engine = open_database()
    acting_as(engine, None, "listing claim runs")
    convention = read_settings(engine).quarters
    for r in list_runs(engine):
        table.add_row(
            r.run_id,
            period_named(r.period, convention),
            f"{r.as_of:%d/%m/%Y}",
            r.status,
            f"{r.claimed:,}",
            f"{r.withdrawn:,}",
            f"{r.sampled:,}" if r.sampled else "not drawn",
            f"{r.sampled_checked:,} of {r.sampled:,}" if r.sampled else "",
            f"{r.created_at:%d/%m/%Y %H:%M}",
            f"{r.submitted_at:%d/%m/%Y %H:%M}" if r.submitted_at else "",
        )
    out = Console()
    if not out.is_terminal:  # piped or kept in a file: every column whole
        out = Console(width=200)
    out.print(table)

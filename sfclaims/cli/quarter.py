"""The quarter's commands: import, assess, forecast and the progress report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from sfclaims.actions.vocabulary import UsageError, check_as_of, parse_date, ready_folder
from sfclaims.cli.base import (
    AsOfOption,
    FrameworkOption,
    app,
    messages,
    open_database,
    person,
    plain_errors,
    report_app,
)


@app.command("import")
@plain_errors
def import_command(
    folder: Annotated[Path, typer.Argument(help="The folder holding the extract files.")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="A mapping.toml renaming the authority's headers to ours "
            "(replaces the folder's own mapping.toml)."
        ),
    ] = None,
    report_dir: Annotated[
        Path,
        typer.Option("--report-dir", help="Where the data-quality report is written."),
    ] = Path("exports"),
    framework: FrameworkOption = None,
    allow_empty: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-empty",
            metavar="KIND",
            help="Let this kind's file leave the kind with no rows (a header-only file, or one "
            "whose every row is set aside); without it such a file refuses the whole import. "
            "Give it again for another kind.",
        ),
    ] = None,
) -> None:
    """Import every extract found in FOLDER, set bad rows aside with the reason, and write the
    data-quality report. A refused file changes nothing. The record of earlier claims
    (previous_claims) is a ledger: an import adds its new rows (a correction is a new row) and
    never removes one."""
    from sfclaims.actions import import_extracts
    from sfclaims.cli.console import import_progress, print_import_summary

    ready_folder(report_dir, "--report-dir")  # before anything is committed
    engine = open_database(create=True)
    with import_progress(messages) as progress:
        done = import_extracts(
            engine,
            person(engine),
            folder,
            report_dir,
            mapping=mapping,
            allow_empty=allow_empty or (),
            framework=framework,
            progress=progress,
        )
    print_import_summary(messages, done.result, done.reports)


@app.command()
@plain_errors
def assess(
    as_of: AsOfOption,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write the decisions CSV here instead of to standard output, and beside it "
            "the decisions workbook: the work lists (fixable now, waiting) by team."
        ),
    ] = None,
    family: Annotated[
        str | None,
        typer.Option("--family", help="Decide this family only and explain every rule for it."),
    ] = None,
    framework: FrameworkOption = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Write over a decisions file (and workbook) already there."),
    ] = False,
) -> None:
    """Decide every family as of a date: the decisions file (CSV: family_id, eligible, claimable,
    needs, reasons) and a summary with the near misses to work first."""
    day = check_as_of(parse_date(as_of, "--as-of"))
    from sfclaims.actions import decide, explain_family
    from sfclaims.actions.vocabulary import ready_file, write_decisions
    from sfclaims.cli.console import (
        print_assess_summary,
        print_family_explanation,
        print_since_before,
    )

    if out is not None:
        ready_file(out)  # before the decisions are stored
        if out.suffix.lower() == ".xlsx":
            raise UsageError(
                f"--out {out} names a workbook; give the decisions CSV's name (the workbook "
                f"is written beside it)."
            )
        for kept in (out, out.with_suffix(".xlsx")):
            if kept.exists() and not replace:
                raise UsageError(
                    f"{kept} exists already; give another name, or add --replace to write over it."
                )

    engine = open_database()
    if family is not None:
        explained = explain_family(engine, person(engine), day, family, framework)
        if out is None:
            write_decisions([explained], sys.stdout)
        else:
            from sfclaims.actions.vocabulary import written_whole

            with written_whole(out) as partial, partial.open("w", newline="") as f:
                write_decisions([explained], f)
            messages.print(f"Decisions file: {escape(str(out))}")
        print_family_explanation(messages, explained)
        return
    done = decide(engine, person(engine), day, framework=framework, out=out)
    for warning in done.warnings:
        messages.print(f"[bold yellow]Warning:[/] {escape(warning)}")
    if out is None:
        write_decisions([a.decision for a in done.decided.families], sys.stdout)
    print_assess_summary(messages, done.summary, day, done.framework.label())
    if done.decided.since is not None:
        print_since_before(messages, done.decided.since)
    if done.files:
        messages.print(f"Decisions file: {escape(str(done.files[0]))}")
        messages.print(f"Work lists: {escape(str(done.files[1]))}")


@app.command()
@plain_errors
def forecast(
    as_of: AsOfOption,
    quarters: Annotated[
        int, typer.Option("--quarters", min=1, max=20, help="How many quarters ahead to show.")
    ] = 4,
    allocation: Annotated[
        int | None,
        typer.Option(
            "--allocation",
            min=0,
            help="The allocation left to set the pipeline against (default: the allocation "
            "setting less every family claimed).",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="The folder to write to (created if needed).")
    ] = Path("exports"),
    framework: FrameworkOption = None,
) -> None:
    """The pipeline: for every family decided at the date that is not claimable, the date it
    becomes claimable if nothing else changes, or what must happen first; per quarter ahead,
    the families claimable by then against the allocation left. Writes the forecast workbook
    and CSV (family_id, status, forecast_date, reasons, actions)."""
    from sfclaims.actions import forecast_files
    from sfclaims.cli.console import print_forecast_summary

    day = parse_date(as_of, "--as-of")
    engine = open_database()
    pipeline, written = forecast_files(
        engine,
        person(engine),
        day,
        out,
        quarters=quarters,
        allocation=allocation,
        framework=framework,
    )
    print_forecast_summary(messages, pipeline)
    messages.print("\n".join(f"Written: {escape(str(path))}" for path in written))


@app.command()
@plain_errors
def status() -> None:
    """Where the quarter stands: import, decide, the draft claim, its sample, the verdicts and
    the submission, each with its state, who did it and when; and whose turn it is now."""
    from sfclaims.actions.shown import quarter_tasks

    engine = open_database()
    stands = quarter_tasks(engine, person(engine))
    for task in stands.tasks:
        done = f" by {task.done_by}" if task.done_by else ""
        when = f" on {task.done_at:%d/%m/%Y %H:%M}" if task.done_at else ""
        note = f" ({task.note})" if task.note else ""
        typer.echo(f"{task.state:<17} {task.name}{done}{when}{note}")
    waiting = stands.waiting_on
    messages.print(
        f"Waiting on the {ROLE_WORDS[waiting.role]}: {escape(waiting.name.lower())}."
        if waiting
        else "The quarter's claim is submitted."
    )


ROLE_WORDS = {"data_officer": "data officer", "claims": "claims team", "auditor": "auditor"}


@report_app.command("progress")
@plain_errors
def report_progress(
    as_of: AsOfOption,
    out: Annotated[Path, typer.Option("--out", help="The folder to write to.")] = Path("exports"),
    framework: FrameworkOption = None,
) -> None:
    """Progress information per quarter (the authority's quarter convention, see `sfclaims
    settings`), with a chart: families attached, assessed, with a plan and a lead practitioner,
    eligible, claimable and claimed."""
    from sfclaims.actions import progress_report

    engine = open_database()
    path = progress_report(engine, person(engine), parse_date(as_of, "--as-of"), out, framework)
    messages.print(f"Written: {escape(str(path))}")


@report_app.command("outcomes")
@plain_errors
def report_outcomes(
    as_of: AsOfOption,
    out: Annotated[Path, typer.Option("--out", help="The folder to write to.")] = Path("exports"),
    quarters: Annotated[
        int, typer.Option("--quarters", help="How many quarters, up to the as-of date's.")
    ] = 2,
    framework: FrameworkOption = None,
) -> None:
    """The ten headlines' outcomes without a claim, per quarter (this one beside the last):
    families worked with, needs by headline, outcomes achieved and sustained by headline, and
    by team — under any framework, one that pays by results or one that pays nothing."""
    from sfclaims.actions import outcomes_report

    engine = open_database()
    path = outcomes_report(
        engine, person(engine), parse_date(as_of, "--as-of"), out, quarters, framework
    )
    messages.print(f"Written: {escape(str(path))}")


@report_app.command("data-quality")
@plain_errors
def report_data_quality(
    number: Annotated[
        int | None,
        typer.Option(
            "--import",
            metavar="N",
            help="The import, by its number (its first batch, as its report is named and the "
            "workspace's Imports page shows it); the latest import without it.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="The folder to write to.")] = Path("exports"),
) -> None:
    """An earlier import's data-quality report, written again from the database: per file the
    rows read, loaded and set aside, and every row set aside with its reason."""
    from sfclaims.actions import quality_report

    engine = open_database()
    for path in quality_report(engine, person(engine), number, out):
        messages.print(f"Written: {escape(str(path))}")

"""What the commands show people on standard error: progress bars and summary tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from sfclaims.actions.shown import describe

if TYPE_CHECKING:  # the stages' types only: a command loads the stages it runs, no more
    from sfclaims.actions.shown import (
        AssessSummary,
        Decision,
        ImportResult,
        Pipeline,
        SinceBefore,
    )
    from sfclaims.actions.shown import Progress as ImportProgress

NEAR_MISSES_SHOWN = 25


@contextmanager
def import_progress(console: Console) -> Iterator[ImportProgress]:
    """A bar per file: read and checked first, then its rows loaded."""
    bars = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def update(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bars.add_task(name, total=None)
        bars.update(tasks[name], completed=done, total=total or None)

    with bars:
        yield update


def print_import_summary(console: Console, result: ImportResult, report: list[Path]) -> None:
    for warning in result.warnings:
        console.print(f"[bold yellow]Warning:[/] {escape(warning.text)}")
    if result.unchanged:
        console.print(
            f"Nothing changed: every file in {escape(str(result.folder))} is already imported as "
            f"it is."
        )
    table = Table(title="Import" if not result.unchanged else "What the database holds")
    for header in ("file", "rows read", "loaded", "set aside", "headers not known"):
        table.add_column(header, justify="right" if header != "file" else "left")
    for f in result.files:
        table.add_row(
            escape(f.file_name),
            f"{f.rows_read:,}",
            f"{f.rows_loaded:,}",
            f"[red]{f.rows_set_aside:,}[/]" if f.rows_set_aside else "0",
            escape(", ".join(f.unknown_headers)),
        )
    console.print(table)
    set_aside = sum(f.rows_set_aside for f in result.files)
    if set_aside:
        console.print(
            f"{set_aside:,} rows were set aside; each is listed with its file, row, column and "
            f"reason in the data-quality report."
        )
    if any(f.unknown_headers for f in result.files):
        console.print(
            "Headers not known are columns we do not use: they stay in your file and are not "
            "loaded. If one holds a column of ours under another name, rename it in mapping.toml."
        )
    for path in report:
        console.print(f"Data-quality report: {escape(str(path))}")


def print_assess_summary(
    console: Console, summary: AssessSummary, as_of: date, framework_label: str
) -> None:
    console.print(f"Decisions as of {as_of:%d/%m/%Y} under {framework_label}")
    table = Table()
    table.add_column("")
    table.add_column("families", justify="right")
    table.add_row("decided", f"{summary.families:,}")
    table.add_row("eligible", f"{summary.eligible:,}")
    table.add_row("[bold green]claimable[/]", f"[bold green]{summary.claimable:,}[/]")
    table.add_row("near misses (one reason)", f"{len(summary.near_misses):,}")
    console.print(table)
    if summary.reasons:
        reasons = Table(title="Why families are not claimable (a family may have several)")
        reasons.add_column("reason")
        reasons.add_column("what it means")
        reasons.add_column("families", justify="right")
        for code, count in summary.reasons:
            reasons.add_row(code, describe(code).title, f"{count:,}")
        console.print(reasons)
    if summary.near_misses:
        shown = summary.near_misses[:NEAR_MISSES_SHOWN]
        near = Table(title="Near misses: one reason from claimable (work these first)")
        near.add_column("family")
        near.add_column("the one reason")
        for family_id, code in shown:
            near.add_row(escape(family_id), f"{code}: {describe(code).title}")
        console.print(near)
        if len(summary.near_misses) > len(shown):
            console.print(
                f"… and {len(summary.near_misses) - len(shown):,} more near misses "
                f"(the decisions file lists every reason of every family)."
            )


def print_since_before(console: Console, since: SinceBefore, said: bool = True) -> None:
    """This decide beside the one before: the sentence (unless ``said`` is False), then the
    families that moved by reason."""
    if since.as_of is None:
        return
    if said:
        console.print(escape(since.said))
    for title, moved in (
        ("Became claimable, by the reason they had before", since.became_by_reason),
        ("Stopped being claimable, by the reason they have now", since.stopped_by_reason),
    ):
        if moved:
            table = Table(title=title)
            table.add_column("reason")
            table.add_column("what it means")
            table.add_column("families", justify="right")
            for code, count in moved:
                table.add_row(code, describe(code).title, f"{count:,}")
            console.print(table)


def print_family_explanation(console: Console, decision: Decision) -> None:
    verdict = "[bold green]claimable[/]" if decision.claimable else "[bold red]not claimable[/]"
    console.print(
        f"Family {escape(decision.family_id)} as of {decision.as_of:%d/%m/%Y}: {verdict}"
        f" — {'eligible' if decision.eligible else 'not eligible'}; "
        f"needs: {', '.join(decision.needs) or 'none'}"
    )
    for f in decision.findings:
        mark = "[green]PASS[/]" if f.passed else "[red]FAIL[/]"
        codes = f" ({', '.join(f.reasons)})" if f.reasons else ""
        console.print(f"{mark} {escape(f.rule)}{codes}: {escape(f.says)}")
        for record in f.records:
            console.print(f"      {escape(str(record))}", soft_wrap=True)


def print_forecast_summary(console: Console, pipeline: Pipeline) -> None:
    console.print(
        f"Forecast as of {pipeline.as_of:%d/%m/%Y}: {pipeline.decided:,} families decided, "
        f"{pipeline.claimable:,} claimable now."
    )
    statuses = Table(title="Families not claimable yet")
    statuses.add_column("status")
    statuses.add_column("families", justify="right")
    for status, count in pipeline.by_status():
        statuses.add_row(status, f"{count:,}")
    console.print(statuses)
    left = pipeline.allocation_left
    ahead = Table(title="The quarters ahead, if nothing else changes")
    ahead.add_column("quarter")
    ahead.add_column("becoming claimable", justify="right")
    ahead.add_column("claimable by then", justify="right")
    ahead.add_column("allocation left", justify="right")
    for q in pipeline.quarters:
        ahead.add_row(
            q.quarter.label,
            f"{q.new:,}",
            f"{q.cumulative:,}",
            f"{left:,}" if left is not None else "not set",
        )
    console.print(ahead)
    if pipeline.later:
        console.print(f"… and {pipeline.later:,} more waiting beyond the last quarter shown.")

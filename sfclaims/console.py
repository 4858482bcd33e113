"""What the commands show people on standard error: progress bars and summary tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sfclaims.importing import ImportResult
from sfclaims.importing import Progress as ImportProgress


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
    tasks: dict[str, int] = {}

    def update(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bars.add_task(name, total=None)
        bars.update(tasks[name], completed=done, total=total or None)

    with bars:
        yield update


def print_import_summary(console: Console, result: ImportResult, report: list[Path]) -> None:
    if result.unchanged:
        console.print(
            f"Nothing changed: every file in {result.folder} is already imported as it is."
        )
    table = Table(title="Import" if not result.unchanged else "What the database holds")
    for header in ("file", "rows read", "loaded", "set aside", "headers not known"):
        table.add_column(header, justify="right" if header != "file" else "left")
    for f in result.files:
        table.add_row(
            f.file_name,
            f"{f.rows_read:,}",
            f"{f.rows_loaded:,}",
            f"[red]{f.rows_set_aside:,}[/]" if f.rows_set_aside else "0",
            ", ".join(f.unknown_headers),
        )
    console.print(table)
    set_aside = sum(f.rows_set_aside for f in result.files)
    if set_aside:
        console.print(
            f"{set_aside:,} rows were set aside; each is listed with its file, row, column and "
            f"reason in the data-quality report."
        )
    for path in report:
        console.print(f"Data-quality report: {path}")

"""The sfclaims command line: each command opens the database, calls one stage, prints.

Progress, summaries and messages go to standard error; standard output carries only data (the
decisions CSV, run IDs, sampled family IDs). A problem a user can act on is printed as one plain
sentence with the contract's exit code (2: used wrongly, 3: input refused, nothing changed).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from sfclaims.errors import SfclaimsError, UsageError

app = typer.Typer(
    name="sfclaims",
    help=(
        "Supporting Families payment-by-results claims: import the quarterly Liquidlogic "
        "extracts, decide every family, run the quarterly claim and its audit."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
messages = Console(stderr=True, highlight=False)
F = TypeVar("F", bound=Callable[..., Any])


class Settings:
    database_url: str | None = None


def plain_errors(command: F) -> F:
    """Turn the stages' errors into one sentence on standard error and the contract's exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SfclaimsError as error:
            messages.print(f"[bold red]Error:[/] {error}", soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            messages.print("Stopped before the end; nothing was changed.")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def _options(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="SFCLAIMS_DATABASE_URL",
            help="The database: sqlite:///FILE (default sqlite:///sfclaims.db here) or "
            "postgresql+psycopg://USER@HOST/DB.",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    Settings.database_url = database_url


def open_database():  # type: ignore[no-untyped-def]
    from sfclaims.db import open_database as _open

    return _open(Settings.database_url)


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"The date {text!r} given to {option} is not a date; write it as YYYY-MM-DD."
        ) from None


FrameworkOption = Annotated[
    Path | None,
    typer.Option(
        "--framework",
        help="An authority's local outcome plan: an overlay file on the national framework "
        "(see outcome_framework/local-overlay-example.toml), or a whole framework folder.",
    ),
]


def load_framework(path: Path | None):  # type: ignore[no-untyped-def]
    from sfclaims.framework import load_framework as _load

    return _load(path)


@app.command()
@plain_errors
def init() -> None:
    """Create or upgrade the database schema (SQLite or PostgreSQL) to the latest version."""
    from sfclaims.db import database_url, make_engine, upgrade

    engine = make_engine(database_url(Settings.database_url))
    upgrade(engine)
    messages.print(f"The database at {engine.url.render_as_string()} is up to date.")


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
) -> None:
    """Import every extract found in FOLDER, set bad rows aside with the reason, and write the
    data-quality report. A refused file changes nothing."""
    from sfclaims.console import import_progress, print_import_summary
    from sfclaims.exports.quality_report import write_quality_report
    from sfclaims.importing import import_folder

    engine = open_database()
    with import_progress(messages) as progress:
        result = import_folder(
            engine, folder, load_framework(framework), mapping, progress=progress
        )
    paths = write_quality_report(result, report_dir)
    print_import_summary(messages, result, paths)


AsOfOption = Annotated[
    str,
    typer.Option(
        "--as-of", help="Decide as of this date (YYYY-MM-DD): later records do not exist."
    ),
]


@app.command()
@plain_errors
def assess(
    as_of: AsOfOption,
    out: Annotated[
        Path | None,
        typer.Option(help="Write the decisions CSV here instead of to standard output."),
    ] = None,
    family: Annotated[
        str | None,
        typer.Option("--family", help="Decide this family only and explain every rule for it."),
    ] = None,
    framework: FrameworkOption = None,
) -> None:
    """Decide every family as of a date: the decisions file (CSV: family_id, eligible, claimable,
    needs, reasons) and a summary with the near misses to work first."""
    from sfclaims.assessing import assess as assess_families
    from sfclaims.assessing import store_decisions, summarise, write_decisions
    from sfclaims.console import print_assess_summary, print_family_explanation

    day = parse_date(as_of, "--as-of")
    chosen = load_framework(framework)
    engine = open_database()
    decisions = assess_families(engine, chosen, day, family)
    if family is not None and not decisions:
        raise UsageError(
            f"There is no family {family} whose episode started on or before {day:%d/%m/%Y}."
        )
    if out is None:
        write_decisions(decisions, sys.stdout)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as handle:
            write_decisions(decisions, handle)
    if family is None:
        store_decisions(engine, decisions, chosen, day)
        print_assess_summary(messages, summarise(decisions, chosen), day, chosen.label())
    else:
        print_family_explanation(messages, decisions[0])
    if out is not None:
        messages.print(f"Decisions file: {out}")


@app.command()
@plain_errors
def demo(
    out: Annotated[
        Path, typer.Option(help="Where the synthetic authority's extracts are written.")
    ] = Path("demo-authority"),
    families: Annotated[int, typer.Option(min=1, help="How many families to invent.")] = 500,
    seed: Annotated[
        int, typer.Option(help="The seed: the same seed writes the same files.")
    ] = 2022,
) -> None:
    """Write a realistic synthetic authority's extracts, then import and assess them on the
    default database, printing what each step produced."""
    from sfclaims.demo import run_demo

    run_demo(open_database(), out, families, seed, messages)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The sfclaims command line: each command opens the database, calls one stage, prints.

Progress, summaries and messages go to standard error; standard output carries only data (the
decisions CSV, run IDs, sampled family IDs). A problem a user can act on is printed as one plain
sentence with the contract's exit code (2: used wrongly, 3: input refused, nothing changed).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from sfclaims.errors import SfclaimsError, UsageError
from sfclaims.exports.files import ready_folder
from sfclaims.words import COMMAND_LINE

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sfclaims.framework import Framework
    from sfclaims.people import Actor

app = typer.Typer(
    name="sfclaims",
    help=(
        "Supporting Families payment-by-results claims: import the quarterly Liquidlogic "
        "extracts, decide every family, run the quarterly claim and its audit."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)
messages = Console(stderr=True, highlight=False, soft_wrap=True)
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
            fail(error.worded(COMMAND_LINE), error.exit_code)
        except Exception as error:
            if _is_busy(error):  # rolled back: nothing changed, so it is safe to try once more
                try:
                    return command(*args, **kwargs)
                except SfclaimsError as again:
                    fail(again.worded(COMMAND_LINE), again.exit_code)
                except Exception as again:
                    if not _is_busy(again):
                        raise
                    fail(
                        "Another sfclaims command was changing the same records at the same "
                        "moment, twice; nothing was changed — run the command again.",
                        3,
                    )
            if not _is_database_unreachable(error):
                raise
            reason = str(error.orig or error).strip().splitlines()[0]  # type: ignore[attr-defined]
            fail(
                f"The database could not be opened ({reason}); check --database-url or "
                f"SFCLAIMS_DATABASE_URL.",
                2,
            )
        except KeyboardInterrupt:
            messages.print("Stopped before the end; nothing was changed.")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def fail(sentence: str, exit_code: int) -> NoReturn:
    """One sentence on standard error (shown as written: no markup from the data) and the exit
    code."""
    messages.print(f"[bold red]Error:[/] {escape(sentence)}", soft_wrap=True)
    raise typer.Exit(exit_code)


_BUSY_CODES = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure


def _is_busy(error: Exception) -> bool:
    """A deadlock or a serialization failure (PostgreSQL), or a database still locked by another
    command after the wait (SQLite): the command's transaction was rolled back."""
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None or not isinstance(error, exc.DBAPIError):
        return False
    code = getattr(error.orig, "sqlstate", None)
    return code in _BUSY_CODES or "database is locked" in str(error.orig)


def _is_database_unreachable(error: Exception) -> bool:
    """An OperationalError of SQLAlchemy's; asked without importing it, which a command that
    failed before it opened the database never did (it costs a tenth of a second)."""
    exc = sys.modules.get("sqlalchemy.exc")
    return exc is not None and isinstance(error, exc.OperationalError)


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


def person(engine: Engine) -> Actor:
    """Who is acting on the command line (contract.md, "Who is acting")."""
    from sfclaims.people import acting

    return acting(engine)


def acting_as(engine: Engine, role: str | None, doing: str) -> str:
    """The name of the person acting, once their role allows what they are doing (exit 3
    otherwise); ``role`` None: any account may (reading)."""
    from sfclaims.people import require

    return require(engine, role, doing).name


def open_database(create: bool = False):
    """The user's database; only the commands that write extracts (init, import) may create
    it, so a command run in the wrong folder never leaves an empty database behind."""
    from sfclaims.db import open_database as _open

    return _open(Settings.database_url, create=create)


from sfclaims.dates import check_as_of, parse_date  # noqa: E402 - the one parser of dates

FrameworkOption = Annotated[
    Path | None,
    typer.Option(
        "--framework",
        help="The outcome framework the command must use; refused unless it is the one in force "
        "(`sfclaims settings show`; change it with `sfclaims settings set --framework`).",
    ),
]


def load_framework(engine: Engine, path: Path | None) -> Framework:
    """The framework in force in the database (a differing --framework is refused)."""
    from sfclaims.settings import framework_in_force

    return framework_in_force(engine, path)


AuthorityNameOption = Annotated[
    str | None,
    typer.Option("--authority-name", help="The authority's name, as the department knows it."),
]
AuthorityCodeOption = Annotated[
    str | None, typer.Option("--authority-code", help="The authority's code (e.g. its ONS code).")
]
FrameworkSettingOption = Annotated[
    Path | None,
    typer.Option(
        "--framework",
        help="Put this outcome framework in force: the authority's local outcome plan (an "
        "overlay file, see outcome_framework/local-overlay-example.toml) or `national`.",
    ),
]
QuartersOption = Annotated[
    str | None, typer.Option(help="financial (April to March) or calendar quarters.")
]
AllocationOption = Annotated[
    int | None,
    typer.Option(help="How many families the authority may claim in the programme in all."),
]
RetentionOption = Annotated[
    int | None,
    typer.Option(
        "--retention-months",
        help="How long personal data no claim needs is kept before `sfclaims purge` removes it.",
    ),
]


@app.command()
@plain_errors
def init(
    authority_name: AuthorityNameOption = None,
    authority_code: AuthorityCodeOption = None,
    framework: FrameworkSettingOption = None,
    quarters: QuartersOption = None,
    allocation: AllocationOption = None,
) -> None:
    """Create or upgrade the database schema (SQLite or PostgreSQL) to the latest version, and
    set the authority's settings given (see `sfclaims settings`)."""
    from sfclaims.db import database_url, make_engine, upgrade
    from sfclaims.web.security import ensure_secret_key

    engine = make_engine(database_url(Settings.database_url))
    upgrade(engine)
    ensure_secret_key()  # signs the web workspace's sessions
    messages.print(f"The database at {escape(engine.url.render_as_string())} is up to date.")
    settings_set(authority_name, authority_code, framework, quarters, allocation)


def print_settings(lines: list[tuple[str, str]]) -> None:
    for label, value in lines:
        messages.print(f"  {label:<18} {escape(value)}")


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
    (previous_claims) is a ledger: an import corrects its rows but never removes a family."""
    from sfclaims.actions import import_extracts
    from sfclaims.console import import_progress, print_import_summary

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


AsOfOption = Annotated[
    str,
    typer.Option(
        "--as-of",
        help="Decide as of this date (YYYY-MM-DD or DD/MM/YYYY, not in the future): later "
        "records do not exist.",
    ),
]


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
    from sfclaims.console import print_assess_summary, print_family_explanation
    from sfclaims.exports.decisions_file import write_decisions
    from sfclaims.exports.files import ready_file

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
            from sfclaims.exports.files import written_whole

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
    day = check_as_of(parse_date(as_of, "--as-of"))
    from sfclaims.claim_runs import allocation_left
    from sfclaims.console import print_forecast_summary
    from sfclaims.exports.files import written_whole
    from sfclaims.exports.forecast import write_forecast, write_forecast_workbook
    from sfclaims.forecasting import forecast_families
    from sfclaims.settings import read_settings

    ready_folder(out)
    engine = open_database()
    acting_as(engine, None, "reading the forecast")
    chosen = load_framework(engine, framework)
    kind = read_settings(engine).quarters
    left = allocation if allocation is not None else allocation_left(engine)
    pipeline = forecast_families(engine, chosen, day, kind, quarters, left)
    csv_path = out / f"forecast-{day.isoformat()}.csv"
    with written_whole(csv_path) as partial, partial.open("w", newline="", encoding="utf-8") as f:
        write_forecast(pipeline.families, f)
    workbook = write_forecast_workbook(pipeline, kind, chosen, out)
    print_forecast_summary(messages, pipeline)
    messages.print(f"Written: {escape(str(workbook))}\nWritten: {escape(str(csv_path))}")


claim_app = typer.Typer(
    help="The quarterly claim: make a draft run; once internal audit has checked its sample, "
    "export it and submit it.",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="Audit a claim run: sample it, read its evidence, record verdicts.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports for the department.", no_args_is_help=True)
settings_app = typer.Typer(
    help="The authority's settings: name, code, the outcome framework in force, quarters, "
    "allocation.",
    no_args_is_help=True,
)
app.add_typer(settings_app, name="settings")
app.add_typer(claim_app, name="claim")
app.add_typer(audit_app, name="audit")
app.add_typer(report_app, name="report")
RunArgument = Annotated[str, typer.Argument(help="The claim run's ID (printed by `claim run`).")]
OutDirOption = Annotated[
    Path, typer.Option("--out", help="The folder to write to (created if needed).")
]


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

    engine = open_database()
    if not yes:
        about = submission_preview(engine, person(engine), run)
        messages.print(
            f"Claim run {about.run_id} for {about.period} (as of {about.as_of:%d/%m/%Y}): "
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

    from sfclaims.claim_runs import list_runs

    table = Table(title="Claim runs")
    for header in ("run", "period", "as of", "status", "claimed", "withdrawn", "sampled"):
        table.add_column(header, justify="right" if header in ("claimed", "withdrawn") else "left")
    table.add_column("sample checked")
    table.add_column("created")
    table.add_column("submitted")
    engine = open_database()
    acting_as(engine, None, "listing claim runs")
    for r in list_runs(engine):
        table.add_row(
            r.run_id,
            r.period,
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


@audit_app.command("sample")
@plain_errors
def audit_sample(
    run: RunArgument,
    seed: Annotated[int, typer.Option(help="The same seed gives the same sample.")],
    size: Annotated[int | None, typer.Option(help="How many families.")] = None,
    percent: Annotated[float | None, typer.Option(help="What share of the run's families.")] = None,
) -> None:
    """A reproducible sample of the run's families: their IDs on standard output, sorted."""
    from sfclaims.actions import draw_sample

    engine = open_database()
    for family_id in draw_sample(
        engine, person(engine), run, size=size, percent=percent, seed=seed
    ):
        print(family_id)


@audit_app.command("pack")
@plain_errors
def audit_pack(
    run: RunArgument,
    out: OutDirOption,
    family: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID",
            help="Only this family, with its records in full; give it again for more.",
        ),
    ] = None,
    sample: Annotated[
        bool,
        typer.Option(
            "--sample",
            help="The run's audit sample, with its records in full and a Verdicts to record "
            "sheet to fill in and read back with `sfclaims audit import-verdicts`.",
        ),
    ] = False,
) -> None:
    """The evidence pack: per family every rule, pass or fail, what it found and the records it
    relied on with their source file and row, and every audit verdict. With `--family`, each
    chosen family's records as the run kept them, too."""
    from sfclaims.actions import write_pack

    engine = open_database()
    path = write_pack(engine, person(engine), run, out, families=family or (), sample=sample)
    messages.print(f"Written: {escape(str(path))}")


@audit_app.command("record")
@plain_errors
def audit_record(
    run: RunArgument,
    family: Annotated[str, typer.Argument(help="The family's ID.")],
    verdict: Annotated[str, typer.Option(help="pass or fail.")],
    note: Annotated[str, typer.Option(help="What the auditor found.")],
) -> None:
    """Record an auditor's verdict; a family that fails is withdrawn from the draft run."""
    from sfclaims.actions import record_verdicts
    from sfclaims.audit import VerdictGiven

    engine = open_database()
    given = [VerdictGiven(family, verdict.lower(), note)]
    run, (family,) = record_verdicts(engine, person(engine), run, given)
    withdrawn = " and withdrawn from the run" if verdict.lower() == "fail" else ""
    messages.print(
        f"Verdict {verdict.lower()} recorded for {escape(family)} in {escape(run)}{withdrawn}."
    )


@audit_app.command("import-verdicts")
@plain_errors
def audit_import_verdicts(
    run: RunArgument,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="The sample pack with its Verdicts to record filled in.",
        ),
    ],
) -> None:
    """Record every verdict filled in on the sample pack's Verdicts to record sheet, with your
    name; any row that is not a family of the run, pass or fail and a note refuses the whole
    sheet (naming the row and column), and nothing is recorded."""
    from sfclaims.actions import record_verdicts
    from sfclaims.audit import read_verdict_sheet

    engine = open_database()
    by = person(engine)
    given = read_verdict_sheet(file)
    run_id, families = record_verdicts(engine, by, run, given)
    fails = sum(v.verdict == "fail" for v in given)
    messages.print(
        f"{len(families):,} verdicts recorded in {run_id} by {by.name} ({fails:,} fail, withdrawn "
        f"from the run).",
        markup=False,
    )


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
    day = check_as_of(parse_date(as_of, "--as-of"))
    from sfclaims.assessing import assess_families
    from sfclaims.exports.progress import progress_rows, write_progress
    from sfclaims.settings import read_settings

    ready_folder(out)
    engine = open_database()
    acting_as(engine, None, "writing the progress report")
    chosen = load_framework(engine, framework)
    settings = read_settings(engine)
    assessed = assess_families(engine, chosen, day)
    rows = progress_rows(assessed, settings.quarters)
    path = write_progress(rows, day, settings.quarters, chosen, out, settings.allocation)
    messages.print(f"Written: {escape(str(path))}")


@settings_app.command("show")
@plain_errors
def settings_show() -> None:
    """Show the authority's settings."""
    from sfclaims.settings import read_settings, settings_lines

    engine = open_database()
    acting_as(engine, None, "reading the settings")
    print_settings(settings_lines(read_settings(engine)))


@settings_app.command("set")
@plain_errors
def settings_set(
    authority_name: AuthorityNameOption = None,
    authority_code: AuthorityCodeOption = None,
    framework: FrameworkSettingOption = None,
    quarters: QuartersOption = None,
    allocation: AllocationOption = None,
    retention_months: RetentionOption = None,
) -> None:
    """Change the settings given; the others stay. Putting another outcome framework in force
    changes how every family is decided from then on."""
    from sfclaims.actions import change_settings
    from sfclaims.settings import settings_lines

    engine = open_database()
    settings = change_settings(
        engine,
        person(engine),
        authority_name=authority_name,
        authority_code=authority_code,
        framework=framework,
        quarters=quarters,
        allocation=allocation,
        retention_months=retention_months,
    )
    print_settings(settings_lines(settings))


user_app = typer.Typer(
    help="Accounts and roles: admin (accounts, settings), data_officer (import), claims (assess, "
    "claim runs), auditor (samples, verdicts, packs). Until the first admin is added, one person "
    "works alone as the operating-system user.",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")
NameArgument = Annotated[
    str, typer.Argument(help="The account's name: the person's operating-system user name.")
]


@user_app.command("add")
@plain_errors
def user_add(
    name: NameArgument,
    role: Annotated[list[str], typer.Option("--role", help="A role; give it again for another.")],
) -> None:
    """Add an account with its roles. The first account must be an admin's; from then on every
    action needs an account with its role."""
    from sfclaims.people import add_account

    engine = open_database()
    added = add_account(engine, person(engine), name, role)
    messages.print(f"Account {escape(added)} added with {', '.join(sorted(set(role)))}.")


@user_app.command("list")
@plain_errors
def user_list() -> None:
    """Every account: its roles, whether it has a password and whether it is disabled."""
    from sfclaims.people import list_accounts

    engine = open_database()
    acting_as(engine, None, "listing accounts")
    for account in list_accounts(engine):
        state = "disabled" if account.disabled else "active"
        password = "password set" if account.password_hash else "no password"
        print(f"{account.name}\t{account.roles.replace(';', ', ')}\t{state}\t{password}")


@user_app.command("disable")
@plain_errors
def user_disable(name: NameArgument) -> None:
    """Disable an account: it can do nothing from then on (its past actions stay in the log)."""
    from sfclaims.people import disable_account

    engine = open_database()
    disable_account(engine, person(engine), name)
    messages.print(f"Account {escape(name.strip().lower())} is disabled.")


@user_app.command("set-password")
@plain_errors
def user_set_password(name: NameArgument) -> None:
    """Set the account's password for the web workspace, read from a prompt (or standard input),
    never from the command line. An admin may set anyone's; anyone their own."""
    from sfclaims.people import allowed, checked_name, set_password

    engine = open_database()
    actor = person(engine)
    if checked_name(name) != actor.name:  # asked before the password is typed
        allowed(actor, "admin", "setting another person's password")
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    set_password(engine, actor, name, password)
    messages.print(f"The password of {escape(checked_name(name))} is set.")


@app.command()
@plain_errors
def purge(
    before: Annotated[
        str | None,
        typer.Option(
            help="Remove what is older than this date (default: today less the retention "
            "setting, `sfclaims settings set --retention-months N`)."
        ),
    ] = None,
) -> None:
    """Remove personal data no claim needs once it is older than the retention period: the
    raw text of rows imports set aside, and the decisions assess stored. Never a claim run's
    families, evidence or records; what was removed is logged as counts."""
    from sfclaims.actions import purge as purge_old

    day = parse_date(before, "--before") if before else None
    engine = open_database()
    day, done = purge_old(engine, person(engine), day)
    messages.print(
        f"Removed what was older than {day:%d/%m/%Y}: {done.set_aside_rows:,} set-aside rows "
        f"and {done.decisions:,} stored decisions. Claim runs keep all their evidence."
    )


@app.command("log")
@plain_errors
def log_command(
    since: Annotated[str | None, typer.Option(help="Only changes on or after this date.")] = None,
    run: Annotated[str | None, typer.Option(help="Only changes to this claim run.")] = None,
    user: Annotated[str | None, typer.Option(help="Only changes by this person.")] = None,
) -> None:
    """The activity log: who changed what, and when (the database's clock, UTC), oldest first,
    as tab-separated lines on standard output."""
    from sfclaims.activity import read_log

    day = parse_date(since, "--since") if since else None
    engine = open_database()
    acting_as(engine, None, "reading the activity log")
    for entry in read_log(engine, day, run.upper() if run else None, user):
        when = f"{entry.at:%d/%m/%Y %H:%M:%S}" if entry.at else ""
        fields = (when, entry.who, entry.action, entry.object, entry.detail)
        print("\t".join("".join(c if c.isprintable() else "?" for c in f) for f in fields))


@app.command()
@plain_errors
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    upload_limit_mb: Annotated[
        int, typer.Option("--upload-limit-mb", help="The largest upload, in megabytes.")
    ] = 500,
) -> None:
    """The team's workspace in the browser, on this database: sign in with an account of
    `sfclaims user` that has a password. Sessions are signed with SFCLAIMS_SECRET_KEY or the
    key file `sfclaims init` makes."""
    import uvicorn

    from sfclaims.web.app import create_app
    from sfclaims.web.security import secret_key, secret_key_path

    key = secret_key()
    if key is None:
        raise UsageError(
            f"There is no key to sign sessions with: run `sfclaims init` (it makes "
            f"{secret_key_path()}) or set SFCLAIMS_SECRET_KEY."
        )
    open_database()  # a database that does not exist yet is refused here, in one sentence
    workspace = create_app(
        Settings.database_url, secret=key, upload_limit=upload_limit_mb * 1024 * 1024
    )
    messages.print(f"The workspace is at http://{host}:{port}/ (stop it with Ctrl+C).")
    uvicorn.run(workspace, host=host, port=port, log_level="warning")


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
    """Write a realistic synthetic authority's extracts into OUT, then run the whole quarter on
    a database of its own in that folder (never the one --database-url or SFCLAIMS_DATABASE_URL
    names): import, assess, a draft claim run and its export, an audit sample and evidence pack,
    and the progress report; print where each output is."""
    from sfclaims.db import open_database as _open
    from sfclaims.demo import DEMO_DATABASE, run_demo

    ready_folder(out)
    database = (out / DEMO_DATABASE).resolve()
    for leftover in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)  # the demo's own database, from an earlier demo
    from sfclaims.web.security import ensure_secret_key

    ensure_secret_key()  # for `sfclaims serve` on the demo's database
    run_demo(_open(f"sqlite:///{database}", create=True), out, families, seed, messages)


def main() -> None:
    # the database, reports and packs hold families' personal data: readable by their owner only
    os.umask(0o077)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

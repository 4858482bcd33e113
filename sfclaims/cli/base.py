"""The sfclaims command line: each command opens the database, asks one action, words its answer.

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

from sfclaims.actions.vocabulary import (
    RefusedError,
    SfclaimsError,
    end_now,
    one_piece_of_work,
)
from sfclaims.words import COMMAND_LINE

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sfclaims.actions.accounts import Actor
    from sfclaims.actions.vocabulary import Framework

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
    person: tuple[Engine, Actor] | None = None  # who is acting, once asked, for this command


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
            denied = _denied(error)
            if denied:
                fail(denied, 3)
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


def _denied(error: Exception) -> str:
    """PostgreSQL's refusal of a privilege the login does not have (sfclaims.people.grants), as one
    sentence; empty for any other error."""
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None or not isinstance(error, exc.DBAPIError):
        return ""
    if getattr(error.orig, "sqlstate", None) != "42501":
        return ""
    said = str(error.orig).strip().splitlines()[0]
    return (
        f"The database refused your login this ({said}): your PostgreSQL role does not allow "
        f"it, and nothing was changed."
    )


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
            help="The database: sqlite:///FILE (default sqlite:///sfclaims.platform.db here) or "
            "postgresql+psycopg://USER@HOST/DB.",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    from sfclaims.actions.service import forget_who_is_identified

    Settings.database_url = database_url
    Settings.person = None
    forget_who_is_identified()


def person(engine: Engine) -> Actor:
    """Who is acting on the command line (contract.md, "Who is acting"): asked once a command."""
    from sfclaims.actions.accounts import on_the_command_line

    if Settings.person is None or Settings.person[0] is not engine:
        found = on_the_command_line(engine, os.environ.get("SFCLAIMS_USER"), _password, _code)
        Settings.person = (engine, found)
    return Settings.person[1]


def _password(name: str) -> str:
    """The account's password: from the file SFCLAIMS_PASSWORD_FILE names, else the terminal."""
    from sfclaims.actions.accounts import password_from_file

    kept = os.environ.get("SFCLAIMS_PASSWORD_FILE")
    if kept:
        return password_from_file(Path(kept))
    return _ask(f"{name}'s password (to act as {name}): ", name)


def _code(name: str) -> str:
    return _ask(
        f"The code from {name}'s authenticator app (or a recovery code): ",
        name,
        f"Acting as {name} needs a code from their second factor as well as their password, "
        "and there is no terminal to ask it on: a script acts as an account meant for scripts "
        "(`sfclaims user add NAME --role ROLE --automation --password-file FILE`), with its "
        "password file alone.",
    )


def _ask(prompt: str, name: str, missing: str | None = None) -> str:
    import getpass

    if not sys.stdin.isatty():
        raise RefusedError(
            missing
            or f"Acting as {name} needs their password, and there is no terminal to ask it on: "
            f"SFCLAIMS_PASSWORD_FILE can name a file holding it (readable by its owner alone)."
        )
    return getpass.getpass(prompt)


def acting_as(engine: Engine, role: str | None, doing: str) -> str:
    """The name of the person acting, once their role allows what they are doing (exit 3
    otherwise); ``role`` None: any account may (reading)."""
    from sfclaims.actions.accounts import allowed

    return allowed(person(engine), role, doing).name


def open_database(create: bool = False):
    """The user's database; only the commands that write extracts (init, import) may create
    it, so a command run in the wrong folder never leaves an empty database behind."""
    from sfclaims.actions.service import open_database as _open

    return _open(Settings.database_url, create=create)


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
    from sfclaims.actions.shown import framework_in_force

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


AsOfOption = Annotated[
    str,
    typer.Option(
        "--as-of",
        help="Decide as of this date (YYYY-MM-DD or DD/MM/YYYY, not in the future): later "
        "records do not exist.",
    ),
]


claim_app = typer.Typer(
    help="The quarterly claim: make a draft run; once internal audit has checked its sample, "
    "export it and submit it.",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="Audit a claim run: sample it, read its evidence, record verdicts.", no_args_is_help=True
)
report_app = typer.Typer(
    help="Reports: the quarter's progress, an import's data quality.", no_args_is_help=True
)
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


def main() -> None:
    # the database, reports and packs hold families' personal data: readable by their owner only
    os.umask(0o077)
    one_piece_of_work()
    try:
        app()
    except SystemExit as ended:  # the command's work is done: no object is freed one by one
        end_now(ended.code)

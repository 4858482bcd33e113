"""The admin's commands: settings, accounts, purge, and the activity log everyone reads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sfclaims.actions.vocabulary import UsageError, parse_date
from sfclaims.cli.base import (
    AllocationOption,
    AuthorityCodeOption,
    AuthorityNameOption,
    FrameworkSettingOption,
    NameArgument,
    QuartersOption,
    RetentionOption,
    acting_as,
    app,
    messages,
    open_database,
    person,
    plain_errors,
    settings_app,
    user_app,
)


def print_settings(lines: list[tuple[str, str]]) -> None:
    for label, value in lines:
        messages.print(f"  {label:<18} {escape(value)}")


@settings_app.command("show")
@plain_errors
def settings_show() -> None:
    """Show the authority's settings."""
    from sfclaims.actions.shown import read_settings, settings_lines

    engine = open_database()
    acting_as(engine, None, "reading the settings")
    print_settings(settings_lines(read_settings(engine)))


@settings_app.command("preview")
@plain_errors
def settings_preview(
    framework: Annotated[
        Path,
        typer.Option(
            "--framework",
            help="The local outcome plan to preview (a .toml overlay file).",
            exists=True,
            dir_okay=False,
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Decide as of this date (the newest date decided, else today)."
        ),
    ] = None,
) -> None:
    """What a local outcome plan would change before it is put in force: every family decided
    as of the date under it and under the framework in force, side by side (nothing changes;
    `settings set --framework` puts it in force)."""
    from sfclaims.actions import preview_outcome_plan
    from sfclaims.cli.console import print_since_before

    engine = open_database()
    day = parse_date(as_of, "--as-of") if as_of else None
    seen = preview_outcome_plan(engine, person(engine), framework, day)
    messages.print(
        f"Every family decided as of {seen.as_of:%d/%m/%Y} under {escape(seen.framework)}, "
        f"beside {escape(seen.in_force)} in force now: {seen.since.claimable_before:,} "
        f"claimable now, {seen.since.claimable_now:,} under the plan; "
        f"{seen.since.became:,} would become claimable and {seen.since.stopped:,} would stop. "
        "Nothing has changed."
    )
    print_since_before(messages, seen.since, said=False)


@settings_app.command("set")
@plain_errors
def settings_set(
    authority_name: AuthorityNameOption = None,
    authority_code: AuthorityCodeOption = None,
    framework: FrameworkSettingOption = None,
    quarters: QuartersOption = None,
    allocation: AllocationOption = None,
    retention_months: RetentionOption = None,
    second_factor: Annotated[
        str | None,
        typer.Option(
            help="Who signs in to the workspace with a second factor (an authenticator app's "
            "code): 'everyone', or 'admins-and-auditors' (always at least they, and the claims "
            "team)."
        ),
    ] = None,
    sign_on_issuer: Annotated[
        str | None,
        typer.Option(
            help="The council's OpenID provider (its issuer, e.g. "
            "https://login.microsoftonline.com/TENANT/v2.0); '' switches single sign-on off. "
            "The client secret is read from SFCLAIMS_SIGN_ON_SECRET_FILE, never stored here."
        ),
    ] = None,
    sign_on_client_id: Annotated[
        str | None, typer.Option(help="The client ID sfclaims is registered under there.")
    ] = None,
    sign_on_groups: Annotated[
        str | None,
        typer.Option(
            help="The provider's groups as sfclaims roles: 'GROUP=ROLE; GROUP=ROLE' (then each "
            "sign-in sets the roles); '' leaves the roles to an admin."
        ),
    ] = None,
    local_passwords: Annotated[
        str | None,
        typer.Option(help="'allowed' or 'off': whether sfclaims' own passwords sign in."),
    ] = None,
    results_payment: Annotated[
        int | None,
        typer.Option(
            help="The results payment a family, in pounds (800 under the 2022-25 programme): "
            "the submission's cover gives the claim's total."
        ),
    ] = None,
    audit_widen_percent: Annotated[
        int | None,
        typer.Option(
            help="A sample failing more than this share of its families (percent, 10 by "
            "default) is widened before the claim is submitted."
        ),
    ] = None,
    mail_host: Annotated[
        str | None,
        typer.Option(
            help="The council's mail relay, through which notifications are emailed "
            "(smtp.council.gov.uk); '' sends none."
        ),
    ] = None,
    mail_port: Annotated[int | None, typer.Option(help="The relay's port (25 by default).")] = None,
    mail_sender: Annotated[
        str | None, typer.Option(help="The address the notifications come from.")
    ] = None,
    mail_user: Annotated[
        str | None, typer.Option(help="The relay's account, where it asks for one.")
    ] = None,
    mail_password_file: Annotated[
        str | None,
        typer.Option(
            help="The file the relay's password is read from as each email is sent (readable "
            "by its owner alone): never kept in the database."
        ),
    ] = None,
    workspace_address: Annotated[
        str | None,
        typer.Option(
            help="The workspace's address as its people reach it "
            "(https://sfclaims.council.gov.uk): the notifications link to its pages."
        ),
    ] = None,
) -> None:
    """Change the settings given; the others stay. Putting another outcome framework in force
    changes how every family is decided from then on."""
    from sfclaims.actions import change_settings
    from sfclaims.actions.shown import settings_lines

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
        second_factor_for_everyone=everyone_or_not(second_factor),
        sign_on_issuer=sign_on_issuer,
        sign_on_client_id=sign_on_client_id,
        sign_on_groups=sign_on_groups,
        local_passwords=allowed_or_off(local_passwords),
        results_payment=results_payment,
        audit_widen_percent=audit_widen_percent,
        mail_host=mail_host,
        mail_port=mail_port,
        mail_sender=mail_sender,
        mail_user=mail_user,
        mail_password_file=mail_password_file,
        workspace_address=workspace_address,
    )
    print_settings(settings_lines(settings))


def allowed_or_off(given: str | None) -> bool | None:
    if given is None:
        return None
    if given not in ("allowed", "off"):
        raise UsageError(f"--local-passwords is 'allowed' or 'off', not {given!r}.")
    return given == "allowed"


def everyone_or_not(given: str | None) -> bool | None:
    if given is None:
        return None
    if given not in ("everyone", "admins-and-auditors"):
        raise UsageError(f"--second-factor is 'everyone' or 'admins-and-auditors', not {given!r}.")
    return given == "everyone"


@app.command("notifications")
@plain_errors
def notifications(
    email: Annotated[
        str | None,
        typer.Option("--email", help="Where to send them: your work email address."),
    ] = None,
    hear: Annotated[
        list[str] | None,
        typer.Option(
            "--hear",
            help="An event to hear of (give it once for each): import warned, draft ready, "
            "sample checked, run submitted, draft touched — those your roles touch.",
        ),
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="Hear of nothing by email.")] = False,
) -> None:
    """What you hear of by email, and where: shown without options; with --email and --hear,
    chosen (each for yourself alone; the emails hold counts and links, never a family)."""
    from sfclaims.actions.accounts import EVENTS, choice_of, choose, events_for

    engine = open_database()
    me = person(engine)
    if none or hear or email is not None:
        if not none and not hear:
            raise UsageError("Give each event to hear of with --hear, or --none for none.")
        kept = choose(engine, me, "" if none else (email or ""), [] if none else (hear or []))
    else:
        kept = choice_of(engine, me.name)
    heard = set(kept.hears) if kept else set()
    table = Table(title=f"What {escape(me.name)} hears of by email")
    table.add_column("event")
    table.add_column("what it is")
    table.add_column("heard", justify="center")
    for event in events_for(me):
        table.add_row(event, EVENTS[event].said, "yes" if event in heard else "no")
    messages.print(table)
    messages.print(f"Sent to: {escape(kept.email)}" if kept else "Nothing is sent to you.")


@user_app.command("add")
@plain_errors
def user_add(
    name: NameArgument,
    role: Annotated[list[str], typer.Option("--role", help="A role; give it again for another.")],
    password_file: Annotated[
        Path | None,
        typer.Option(
            help="A file holding the new account's password (readable by its owner alone). "
            "On a terminal, --ask-password asks for it instead."
        ),
    ] = None,
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help="Ask for the new account's password.")
    ] = False,
    automation: Annotated[
        bool,
        typer.Option(
            "--automation",
            help="An account a script acts as: it signs in to no workspace and acts on the "
            "command line with its password file alone (give --password-file).",
        ),
    ] = False,
    full_name: Annotated[
        str | None,
        typer.Option(
            "--full-name",
            help="The person's full name, as a claim's cover prints it (\"Ada Lovelace\").",
        ),
    ] = None,
) -> None:
    """Add an account with its roles (and its person's full name and password, when given: in
    the same step). The
    first account must be an admin's; from then on every action needs an account with its
    role. On SQLite a first admin other than you is asked for a password at once on a terminal:
    no one could act as them otherwise."""
    from sfclaims.actions.accounts import add_account, has_accounts, password_from_file

    engine = open_database()
    acting = person(engine)
    password = password_from_file(password_file) if password_file else None
    with engine.connect() as connection:
        first = not has_accounts(connection)
    alone_on_sqlite = (
        first and engine.dialect.name == "sqlite" and name.strip().lower() != acting.name
    )
    if password is None and (ask_password or (alone_on_sqlite and sys.stdin.isatty())):
        import getpass

        password = getpass.getpass(f"{name}'s password: ")
        if getpass.getpass("The same again: ") != password:
            raise UsageError("The two passwords differ; nothing was added.")
    added = add_account(engine, acting, name, role, password, automation, full_name)
    messages.print(
        f"Account {escape(added)} added with {', '.join(sorted(set(role)))}"
        + (" and its password." if password else ".")
    )


@user_app.command("list")
@plain_errors
def user_list() -> None:
    """Every account: its roles, whether it is disabled, whether it has a password, and its
    person's full name."""
    from sfclaims.actions.accounts import list_accounts

    engine = open_database()
    acting_as(engine, None, "listing accounts")
    for account in list_accounts(engine):
        state = "disabled" if account.disabled else "active"
        password = "password set" if account.has_password else "no password"
        print(
            f"{account.name}\t{account.roles.replace(';', ', ')}\t{state}\t{password}\t"
            f"{account.full_name or 'no full name'}"
        )


@user_app.command("full-name")
@plain_errors
def user_full_name(
    name: NameArgument,
    full_name: Annotated[str, typer.Argument(help='The person\'s full name: "Ada Lovelace".')],
) -> None:
    """Give an account its person's full name, as a claim's cover prints who made, audited and
    submitted it (admin only; a submitted claim keeps the names it was submitted with)."""
    from sfclaims.actions.accounts import set_full_name

    engine = open_database()
    set_full_name(engine, person(engine), name, full_name)
    given = " ".join(full_name.split())
    messages.print(f"Account {escape(name.strip().lower())} is named {escape(given)}.")


@user_app.command("disable")
@plain_errors
def user_disable(name: NameArgument) -> None:
    """Disable an account: it can do nothing from then on (its past actions stay in the log)."""
    from sfclaims.actions.accounts import disable_account

    engine = open_database()
    disable_account(engine, person(engine), name)
    messages.print(f"Account {escape(name.strip().lower())} is disabled.")


@user_app.command("roles")
@plain_errors
def user_roles(
    name: NameArgument,
    role: Annotated[list[str], typer.Option("--role", help="A role; give it again for another.")],
) -> None:
    """Give an account these roles in place of the ones it has (admin only); its sessions in
    the workspace end, so the next page asks it to sign in again."""
    from sfclaims.actions.accounts import set_roles

    engine = open_database()
    set_roles(engine, person(engine), name, role)
    messages.print(f"Account {escape(name.strip().lower())} now has: {', '.join(sorted(role))}.")


@user_app.command("unlock")
@plain_errors
def user_unlock(name: NameArgument) -> None:
    """Lift an account's sign-in lockout at once (after repeated failed sign-ins it lifts by
    itself 15 minutes after the first of them)."""
    from sfclaims.actions.accounts import lift

    engine = open_database()
    removed = lift(engine, person(engine), name)
    messages.print(
        f"Sign-in for {escape(name.strip().lower())} is open again ({removed} failures removed)."
    )


@user_app.command("reset-second-factor")
@plain_errors
def user_reset_second_factor(name: NameArgument) -> None:
    """Clear an account's second factor (a lost phone, lost recovery codes): its authenticator
    app is set up again at its next sign-in to the workspace. Admin only."""
    from sfclaims.actions.accounts import reset

    engine = open_database()
    reset(engine, person(engine), name.strip().lower())
    messages.print(
        f"The second factor of {escape(name.strip().lower())} is cleared: it is set up again "
        f"at the next sign-in."
    )


@user_app.command("set-password")
@plain_errors
def user_set_password(name: NameArgument) -> None:
    """Set the account's password for the web workspace, read from a prompt (or standard input),
    never from the command line. An admin may set anyone's; anyone their own."""
    from sfclaims.actions.accounts import allowed, checked_name, set_password

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
            help="Remove what is older than this date: the retention period's start at the "
            "latest, and by default (today less `sfclaims settings set --retention-months N`)."
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Remove it without showing what will go and asking.")
    ] = False,
) -> None:
    """Remove personal data no claim needs once it is older than the retention period: the
    raw text of rows imports set aside, the decisions assess stored, draft claim runs never
    submitted, the workspace's finished jobs and sessions. Never a submitted run's families,
    evidence or records; what was removed is logged as counts. Without --yes it counts what
    would go and asks; a date after the retention period's start is refused."""
    from sfclaims.actions import purge as purge_old
    from sfclaims.actions import what_purge_removes

    day = parse_date(before, "--before") if before else None
    engine = open_database()
    if not yes:
        going = what_purge_removes(engine, person(engine), day)
        drafts = f" ({', '.join(going.draft_runs)})" if going.draft_runs else ""
        messages.print(
            f"Older than {going.before:%d/%m/%Y}: {going.set_aside_rows:,} set-aside rows, "
            f"{going.decisions:,} stored decisions, {going.drafts:,} draft claim runs{drafts}, "
            f"{going.sessions:,} workspace sessions and {going.jobs:,} finished jobs would be "
            "removed for good.",
            markup=False,
        )
        if not sys.stdin.isatty() or not typer.confirm("Remove them?", default=False, err=True):
            messages.print("Nothing was removed (give --yes to remove without asking).")
            raise typer.Exit(1)
    day, done = purge_old(engine, person(engine), day)
    messages.print(
        f"Removed what was older than {day:%d/%m/%Y}: {done.set_aside_rows:,} set-aside rows"
        f", {done.decisions:,} stored decisions and {done.drafts:,} draft claim "
        f"run{'' if done.drafts == 1 else 's'}. "
        "Submitted claim runs keep all their evidence."
    )


@app.command("log")
@plain_errors
def log_command(
    since: Annotated[str | None, typer.Option(help="Only changes on or after this date.")] = None,
    run: Annotated[str | None, typer.Option(help="Only changes to this claim run.")] = None,
    user: Annotated[str | None, typer.Option(help="Only changes by this person.")] = None,
) -> None:
    """The activity log: who changed what, and when (the database's clock, UTC), oldest first,
    as tab-separated lines on standard output: when, who, what, object, detail, and how the
    person was identified (database login, password, password and second factor, ...)."""
    from sfclaims.actions.shown import read_log

    day = parse_date(since, "--since") if since else None
    engine = open_database()
    acting_as(engine, None, "reading the activity log")
    for entry in read_log(engine, day, run.upper() if run else None, user):
        when = f"{entry.at:%d/%m/%Y %H:%M:%S}" if entry.at else ""
        how = entry.identified_by or ""
        fields = (when, entry.who, entry.action, entry.object, entry.detail, how)
        print("\t".join("".join(c if c.isprintable() else "?" for c in f) for f in fields))

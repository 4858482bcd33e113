"""For everyone: the activity log (filterable) and the settings; for admins: editing the
settings and the accounts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sfclaims.actions.accounts import ADMIN, MIN_PASSWORD, ROLES, Actor
from sfclaims.actions.vocabulary import SfclaimsError, checked_text, page_number
from sfclaims.web import tables
from sfclaims.web.forms import Form, checked_form
from sfclaims.web.pages import done, download, every_problem, render, said
from sfclaims.web.security import engine_of, requires

router = APIRouter()


def log_filters(since: str, run: str, user: str) -> tuple[dict, list[dict]]:
    """The log's filters as the page and its file take them (from the date, of the run, by the
    person); a date that is no date is the page's error (and nothing is filtered by it)."""
    from sfclaims.actions.vocabulary import parse_date

    errors, day = [], None
    if since:
        try:
            day = parse_date(since, "the date")
        except SfclaimsError as error:
            errors.append({"text": said(error), "href": "#since"})
    run, user = checked_text(run, "the claim run", 100), checked_text(user, "the person", 100)
    return {"since": day, "run": run.strip().upper() or None, "who": user or None}, errors


@router.get("/log")
def log_page(
    request: Request,
    since: str = "",
    run: str = "",
    user: str = "",
    before: str = "",
    person: Actor = requires(),
) -> Response:
    """A page of the log, newest first; "older changes" follows on from its last row."""
    from sfclaims.actions.shown import read_log_page

    filters, errors = log_filters(since, run, user)
    start = page_number(before) if before else None  # a number that is none: the newest
    page = read_log_page(engine_of(request), **filters, before=start)
    return render(
        request,
        "log.html",
        rows=tables.log(page.entries, person.name),
        older=page.older,
        newer=page.newer,
        since=since,
        run=run,
        user=user,
        errors=errors,
    )


@router.get("/log.csv")
def log_file(
    request: Request,
    since: str = "",
    run: str = "",
    user: str = "",
    person: Actor = requires(),
) -> Response:
    """The log as a CSV for Excel, filtered as the page is: every row, oldest first, each text
    cell safe from being run as a formula."""
    import io

    from sfclaims.actions.shown import LOG_HEADERS, log_rows, read_log
    from sfclaims.actions.vocabulary import write_rows

    filters, errors = log_filters(since, run, user)
    if errors:
        return RedirectResponse("/log", status_code=303)
    text = io.StringIO()
    write_rows(text, LOG_HEADERS, log_rows(read_log(engine_of(request), **filters)))
    return download(text.getvalue(), "activity-log.csv")


def settings_page(
    request: Request,
    person: Actor,
    errors: list,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    """The settings, and (an admin's) the forms that change them: refused, each field shows
    what was typed in it, with every problem at once."""
    from sfclaims.actions.shown import read_settings, settings_lines

    settings = read_settings(engine_of(request))
    return render(
        request,
        "settings.html",
        status_code=status,
        lines=tables.summary(settings_lines(settings)),
        settings=settings,
        may_edit=person.may(ADMIN),
        errors=errors,
        typed=typed or {},
    )


@router.get("/settings")
def settings_view(request: Request, person: Actor = requires()) -> Response:
    return settings_page(request, person, [])


@router.post("/settings")
def settings_edit(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires(ADMIN)
) -> Response:
    from sfclaims.actions import change_settings

    try:
        change_settings(
            engine_of(request),
            person,
            authority_name=form.get("authority_name"),
            authority_code=form.get("authority_code"),
            quarters=form.get("quarters") or None,
            allocation=whole_number(form.get("allocation")),
            retention_months=whole_number(form.get("retention_months")),
            second_factor_for_everyone=(
                {"everyone": True, "admins-and-auditors": False}.get(form.get("second_factor", ""))
            ),
            sign_on_issuer=form.get("sign_on_issuer"),
            sign_on_client_id=form.get("sign_on_client_id"),
            sign_on_groups=form.get("sign_on_groups"),
            local_passwords={"allowed": True, "off": False}.get(form.get("local_passwords", "")),
        )
    except SfclaimsError as error:
        errors = every_problem(error, "authority_name")
        return settings_page(request, person, errors, status=400, typed=form)
    done(request, "The settings are saved.")
    return RedirectResponse("/settings", status_code=303)


def whole_number(typed: str | None) -> int | None:
    """A number typed in a form: None left empty; a typed thing that is no whole number is
    given to the stage as -1, which its check refuses in its own words (beside every other
    problem of the form)."""
    typed = (typed or "").strip()
    if not typed:
        return None
    return int(typed) if typed.isdigit() and len(typed) < 19 else -1


MAIL_FIELDS = (
    "mail_host",
    "mail_port",
    "mail_sender",
    "mail_user",
    "mail_password_file",
    "workspace_address",
)


@router.post("/settings/mail")
def mail_settings(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires(ADMIN)
) -> Response:
    """The council's mail relay, which the notifications go through, and the workspace's
    address they link to: every problem at once, what was typed kept."""
    from sfclaims.actions import change_settings

    given = {f: form.get(f, "") for f in MAIL_FIELDS if f != "mail_port"}
    try:
        change_settings(
            engine_of(request), person, mail_port=whole_number(form.get("mail_port")), **given
        )
    except SfclaimsError as error:
        errors = every_problem(error, "mail_host")
        return settings_page(request, person, errors, status=400, typed=form)
    done(request, "The email settings are saved.")
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/outcome-plan")
async def outcome_plan(
    request: Request,
    person: Actor = requires(ADMIN),  # first: no body is read for anyone else
    form: dict = Depends(checked_form),
) -> Response:
    """An uploaded local outcome plan, checked and kept, then previewed as a job (every family
    decided under it beside the framework in force) before it is put in force; or the
    national framework in force again."""
    from sfclaims.actions import PLAN_LIMIT, change_settings, keep_outcome_plan, kept_plan
    from sfclaims.actions.shown import NATIONAL
    from sfclaims.actions.vocabulary import RefusedError

    posted = await request.form()
    upload = posted.get("plan")

    def answer() -> Response:  # the database, the file and the job: never on the event loop
        engine = engine_of(request)
        try:
            if form.get("national") == "yes":
                chosen = change_settings(engine, person, framework=Path(NATIONAL))
                done(request, f"The national framework is in force again: {chosen.framework}.")
                return RedirectResponse("/settings", status_code=303)
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise RefusedError("Choose the local outcome plan's .toml file.")
            content = upload.file.read(PLAN_LIMIT + 1)
            key = keep_outcome_plan(engine, person, upload.filename, content)
            plan = kept_plan(engine, key)  # where this server keeps it: the job reads it there
        except SfclaimsError as error:
            return settings_page(request, person, [{"text": said(error), "href": "#plan"}], 400)
        from sfclaims.web.tasks import preview_plan

        job = request.app.state.jobs.start(
            "plan preview",
            person.name,
            preview_plan,
            {"person": person, "key": key, "plan": plan, "name": upload.filename},
        )
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    return await run_in_threadpool(answer)


@router.post("/settings/outcome-plan/in-force")
def plan_in_force(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires(ADMIN)
) -> Response:
    """The previewed plan put in force, once its preview was read."""
    from sfclaims.actions import put_kept_plan

    try:
        chosen = put_kept_plan(engine_of(request), person, form.get("plan", ""))
    except SfclaimsError as error:
        return settings_page(request, person, [{"text": said(error), "href": "#plan"}], 400)
    done(
        request,
        f"The local outcome plan is in force: {chosen.framework} (sha256 {chosen.framework_sha256}).",
    )
    return RedirectResponse("/settings", status_code=303)


def purge_page(request: Request, person: Actor, typed: str, errors: list) -> Response:
    """What a purge would remove, in words, with the date it counts from: its confirmation."""
    from sfclaims.actions import retention_day, what_purge_removes
    from sfclaims.actions.vocabulary import parse_date

    day = None
    if typed:
        try:
            day = parse_date(typed, "the date")
        except SfclaimsError as error:
            errors = [*errors, {"text": said(error), "href": "#before"}]
    try:
        going = what_purge_removes(engine_of(request), person, day)
    except SfclaimsError as error:  # a date the retention period keeps: counted from its start
        errors = [*errors, {"text": said(error), "href": "#before"}]
        going = what_purge_removes(engine_of(request), person, None)
    return render(
        request,
        "purge.html",
        status_code=400 if errors else 200,
        going=going,
        default=retention_day(engine_of(request)),
        errors=errors,
        back=("/settings", "Back to the settings"),
    )


@router.get("/purge")
def purge_question(request: Request, before: str = "", person: Actor = requires(ADMIN)) -> Response:
    return purge_page(request, person, before, [])


@router.post("/purge")
def purge_old(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires(ADMIN)
) -> Response:
    from sfclaims.actions import purge
    from sfclaims.actions.vocabulary import parse_date

    try:
        day, gone = purge(
            engine_of(request), person, parse_date(form.get("before", ""), "the date")
        )
    except SfclaimsError as error:
        return purge_page(request, person, "", [{"text": said(error), "href": "#before"}])
    done(
        request,
        f"Removed what was older than {day:%d/%m/%Y}: {gone.set_aside_rows:,} set-aside rows, "
        f"{gone.decisions:,} stored decisions, {gone.drafts:,} draft claim runs, "
        f"{gone.sessions:,} sessions and {gone.jobs:,} finished jobs.",
    )
    return RedirectResponse("/settings", status_code=303)


def accounts_page(
    request: Request, errors: list, status: int = 200, typed: dict[str, Any] | None = None
) -> Response:
    from sfclaims.actions.accounts import list_accounts

    return render(
        request,
        "accounts.html",
        status_code=status,
        rows=tables.accounts(list_accounts(engine_of(request))),
        roles=ROLES,
        errors=errors,
        typed=typed or {},
    )


@router.get("/accounts")
def accounts(request: Request, person: Actor = requires(ADMIN)) -> Response:
    return accounts_page(request, [])


class NewAccount(Form):
    """An account to add: its name, its person's full name, its roles and (when given) its
    password. The people stage checks them all at once (``add_account``); the page only keeps
    a short password from being hashed."""

    fields = ("name", "full_name", "password")
    lists = ("roles",)
    first = "name"

    def check(self) -> None:
        if self["password"] and len(self["password"]) < MIN_PASSWORD:
            self.problem("password", f"A password needs at least {MIN_PASSWORD} characters")


@router.post("/accounts")
async def add_account_form(
    request: Request,
    person: Actor = requires(ADMIN),
    form: NewAccount = Depends(NewAccount.posted),
) -> Response:
    from sfclaims.actions.accounts import add_account

    def add() -> None:  # Argon2 hashing is slow on purpose: never on the event loop
        add_account(
            engine_of(request),
            person,
            form["name"],
            form.chosen["roles"],
            form["password"] or None,
            full_name=form["full_name"],
        )

    if form.ok:
        try:
            await run_in_threadpool(add)
        except SfclaimsError as error:
            form.refused(error)
    if not form.ok:  # what was typed is kept, never the password
        kept = {**form.typed, "password": "", "roles": form.chosen["roles"]}
        return await run_in_threadpool(accounts_page, request, form.errors, 400, kept)
    done(request, f"The account {form['name'].lower()} is added.")
    return RedirectResponse("/accounts", status_code=303)


def account_page(
    request: Request,
    name: str,
    errors: list,
    status: int = 200,
    typed: dict[str, str] | None = None,
    **shown: Any,
) -> Response:
    from sfclaims.actions.accounts import list_accounts
    from sfclaims.actions.vocabulary import NotFoundError

    found = [a for a in list_accounts(engine_of(request)) if a.name == name.strip().lower()]
    if not found:
        raise NotFoundError(f"There is no account {name}.")
    return render(
        request,
        "account.html",
        status_code=status,
        account=found[0],
        held=found[0].roles.split(";"),
        roles=ROLES,
        errors=errors,
        typed=typed or {},
        **shown,
    )


@router.get("/accounts/{name}")
def account_view(request: Request, name: str, person: Actor = requires(ADMIN)) -> Response:
    return account_page(request, name, [])


class Roles(Form):
    """The roles an account is to have, in place of those it has."""

    lists = ("roles",)
    first = "roles"


@router.post("/accounts/{name}/roles")
def account_roles(
    request: Request,
    name: str,
    person: Actor = requires(ADMIN),
    form: Roles = Depends(Roles.posted),
) -> Response:
    from sfclaims.actions.accounts import set_roles

    return account_changed(
        request,
        name,
        form,
        lambda: set_roles(engine_of(request), person, name, form.chosen["roles"]),
        f"The roles of {name} are changed; their sessions have ended.",
    )


class FullName(Form):
    """The person's full name, as a claim's cover prints it."""

    fields = ("full_name",)
    first = "full_name"


@router.post("/accounts/{name}/full-name")
def account_full_name(
    request: Request,
    name: str,
    person: Actor = requires(ADMIN),
    form: FullName = Depends(FullName.posted),
) -> Response:
    from sfclaims.actions.accounts import set_full_name

    return account_changed(
        request,
        name,
        form,
        lambda: set_full_name(engine_of(request), person, name, form["full_name"]),
        f"The full name of {name} is saved.",
    )


def account_changed(
    request: Request, name: str, form: Form, change: Callable[[], object], message: str
) -> Response:
    """The account's page again once the action has made the change, saying so; or, refused,
    with what the action said beside each field and what was typed."""
    try:
        change()
    except SfclaimsError as error:
        form.refused(error)
        return account_page(request, name, form.errors, 400, typed=form.typed)
    done(request, message)
    return RedirectResponse(f"/accounts/{name}", status_code=303)


@router.post("/accounts/{name}/disable")
def account_disable(
    request: Request, name: str, form: dict = Depends(checked_form), person=requires(ADMIN)
) -> Response:
    from sfclaims.actions.accounts import disable_account

    try:
        disable_account(engine_of(request), person, name)
    except SfclaimsError as error:
        return account_page(request, name, [{"text": said(error), "href": "#disable"}], 400)
    done(request, f"The account {name} is disabled and signed out everywhere.")
    return RedirectResponse(f"/accounts/{name}", status_code=303)


@router.post("/accounts/{name}/password")
def account_password(
    request: Request, name: str, form: dict = Depends(checked_form), person=requires(ADMIN)
) -> Response:
    """A new password made for the person, shown this once for the admin to give them."""
    from sfclaims.actions.accounts import new_password, set_password

    made = new_password()
    set_password(engine_of(request), person, name, made)
    return account_page(request, name, [], new_password=made)


@router.post("/accounts/{name}/second-factor")
def account_second_factor(
    request: Request, name: str, form: dict = Depends(checked_form), person=requires(ADMIN)
) -> Response:
    from sfclaims.actions.accounts import reset

    reset(engine_of(request), person, name.strip().lower())
    done(request, f"The second factor of {name} is cleared: it is set up at the next sign-in.")
    return RedirectResponse(f"/accounts/{name}", status_code=303)

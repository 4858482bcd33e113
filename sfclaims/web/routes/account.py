"""Signing in and out."""

from __future__ import annotations

from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from sfclaims.actions.accounts import PASSWORD, SINGLE_SIGN_ON, Actor, LockedOut, has_accounts
from sfclaims.actions.vocabulary import SfclaimsError
from sfclaims.web.forms import Form, checked_form
from sfclaims.web.pages import done, refused, render, said
from sfclaims.web.security import (
    begin_session,
    engine_of,
    known_device,
    pending,
    remember_device,
    requires,
    second_factor,
    sign_in,
    signed_in,
)

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if signed_in(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return sign_in_again(request, safe_next(next), [])


def sign_in_again(
    request: Request, next: str, errors: list, status: int = 200, name: str = ""
) -> Response:
    """The sign-in page: the council's sign-in service when set, local passwords when allowed."""
    from sfclaims.actions.shown import read_settings

    engine = engine_of(request)
    with engine.connect() as connection:
        accounts = has_accounts(connection)
    settings = read_settings(engine)
    return render(
        request,
        "sign_in.html",
        status_code=status,
        next=next,
        accounts=accounts,
        errors=errors,
        name=name,
        single_sign_on=bool(settings.sign_on_issuer and settings.sign_on_client_id),
        passwords=settings.local_passwords,
    )


SIGN_ON_COOKIE = "sfclaims_sign_on"  # the one sign-in at the provider: Lax, so it comes back


def return_address(request: Request) -> str:
    return str(request.url_for("single_sign_on_return"))


@router.get("/sign-in/single-sign-on")
def single_sign_on(request: Request, next: str | None = None) -> Response:
    """Off to the council's sign-in service, keeping state, nonce and PKCE verifier in a signed
    cookie of their own (the session's cookie is strict: it would not come back)."""
    from itsdangerous import URLSafeTimedSerializer

    from sfclaims.actions.accounts import begin_single_sign_on, provider_of
    from sfclaims.actions.shown import read_settings

    try:
        provider = provider_of(read_settings(engine_of(request)))
        if provider is None:
            return RedirectResponse("/sign-in", status_code=303)
        address, pending = begin_single_sign_on(provider, return_address(request))
    except SfclaimsError as error:
        return sign_in_again(request, safe_next(next), [{"text": said(error), "href": "#sso"}], 503)
    kept = URLSafeTimedSerializer(request.app.state.key, salt="sign-on").dumps(
        [pending.state, pending.nonce, pending.verifier, pending.began, safe_next(next)]
    )
    response = RedirectResponse(address, status_code=303)
    response.set_cookie(
        SIGN_ON_COOKIE,
        kept,
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=request.app.state.https_only,
        path="/sign-in/single-sign-on",
    )
    return response


@router.get("/sign-in/single-sign-on/return", name="single_sign_on_return")
def single_sign_on_return(request: Request) -> Response:
    """Back from the council's sign-in service: the person signed in, or the reason not."""
    from itsdangerous import BadData, URLSafeTimedSerializer

    from sfclaims.actions.accounts import Pending, finish_single_sign_on, provider_of
    from sfclaims.actions.shown import read_settings

    after = "/"
    pending = None
    try:
        state, nonce, verifier, began, after = URLSafeTimedSerializer(
            request.app.state.key, salt="sign-on"
        ).loads(request.cookies.get(SIGN_ON_COOKIE, ""), max_age=600)
        pending = Pending(str(state), str(nonce), str(verifier), float(began))
    except (BadData, ValueError, TypeError):
        pending = None
    answer = {k: v for k, v in request.query_params.items() if k in ("code", "state", "error")}
    try:
        provider = provider_of(read_settings(engine_of(request)))
        if provider is None:
            return RedirectResponse("/sign-in", status_code=303)
        person = finish_single_sign_on(
            engine_of(request), provider, return_address(request), pending, answer
        )
    except SfclaimsError as error:
        response = sign_in_again(request, "/", [{"text": said(error), "href": "#sso"}], 400)
        response.delete_cookie(SIGN_ON_COOKIE, path="/sign-in/single-sign-on")
        return response
    begin_session(request, person.name, SINGLE_SIGN_ON)
    response = RedirectResponse(safe_next(str(after)), status_code=303)
    response.delete_cookie(SIGN_ON_COOKIE, path="/sign-in/single-sign-on")
    return remember_device(request, response)


def password_checks(request: Request, known: bool = False) -> anyio.CapacityLimiter:
    """One password checked at a time, each in a thread of its own limiter: a burst of sign-ins
    waits its turn on the event loop, holding none of the threads other pages are served by (an
    Argon2 check takes about 0.1 s and both cores, by design). A browser the account signed in
    from before has a lane of its own, so a flood of strangers' tries never queues ahead of
    the account's owner."""
    name = "known_password_checks" if known else "password_checks"
    limiter = getattr(request.app.state, name, None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(1)
        setattr(request.app.state, name, limiter)
    return limiter


@router.post("/sign-in")
async def sign_in_form(request: Request, form: dict = Depends(checked_form)) -> Response:
    name, password = form.get("name", ""), form.get("password", "")
    errors = []
    if not name.strip():
        errors.append({"text": "Enter your account name", "href": "#name"})
    if not password:
        errors.append({"text": "Enter your password", "href": "#password"})
    status, step = 400, None
    if not await anyio.to_thread.run_sync(local_passwords_allowed, request):
        errors = [{"text": "Sign in with your council account", "href": "#sso"}]
    try:
        if not errors:
            lane = password_checks(request, known_device(request, name))
            step = await anyio.to_thread.run_sync(sign_in, request, name, password, limiter=lane)
            if step is None:
                errors.append(
                    {"text": "The account name or the password is not right", "href": "#name"}
                )
    except LockedOut as locked:
        status = 429
        errors.append(locked_out(locked, "#name"))
    except SfclaimsError as error:  # an account for scripts: said to whoever has its password
        errors.append({"text": said(error), "href": "#name"})
    after = safe_next(form.get("next"))
    if step == "code":
        return RedirectResponse(f"/sign-in/code?next={quote(after)}", status_code=303)
    if step == "set up":
        return RedirectResponse(f"/sign-in/set-up?next={quote(after)}", status_code=303)
    if errors:
        return await anyio.to_thread.run_sync(
            sign_in_again, request, safe_next(form.get("next")), errors, status, name
        )
    return remember_device(request, RedirectResponse(safe_next(form.get("next")), status_code=303))


def local_passwords_allowed(request: Request) -> bool:
    from sfclaims.actions.shown import read_settings

    return read_settings(engine_of(request)).local_passwords


def locked_out(locked: LockedOut, field: str) -> dict[str, str]:
    from datetime import UTC, datetime

    seconds = max(int((locked.until - datetime.now(UTC)).total_seconds()) + 1, 1)
    when = (
        f"in {seconds} second{'s' if seconds > 1 else ''}"
        if seconds < 60
        else f"after {locked.until:%H:%M} UTC"
    )
    return {
        "text": f"Too many failed sign-ins for this account or from this address: try again "
        f"{when}, or ask an admin to lift it sooner",
        "href": field,
    }


def code_page(request: Request, next: str, errors: list, status: int = 200) -> Response:
    """The second step of signing in: the code from the app, or the set-up of the app."""
    from sfclaims.actions.accounts import qr_code_svg, set_up_address

    name = pending(request)
    if name is None:  # no right password moments ago: begin again
        return RedirectResponse("/sign-in", status_code=303)
    secret = request.session.get("secret")
    if isinstance(secret, str):
        return render(
            request,
            "sign_in_set_up.html",
            status_code=status,
            next=next,
            errors=errors,
            secret=secret,
            qr_code=Markup(qr_code_svg(set_up_address(secret, name))),  # noqa: S704 - segno's SVG
        )
    return render(request, "sign_in_code.html", status_code=status, next=next, errors=errors)


@router.get("/sign-in/code")
@router.get("/sign-in/set-up")
def code_form(request: Request, next: str | None = None) -> Response:
    return code_page(request, safe_next(next), [])


@router.post("/sign-in/code")
@router.post("/sign-in/set-up")
async def code_sent(request: Request, form: dict = Depends(checked_form)) -> Response:
    after = safe_next(form.get("next"))
    code = form.get("code", "")
    if not code.strip():
        return code_page(request, after, [{"text": "Enter the code", "href": "#code"}], 400)
    try:
        done = await anyio.to_thread.run_sync(
            second_factor, request, code, limiter=password_checks(request)
        )
    except LockedOut as locked:
        return code_page(request, after, [locked_out(locked, "#code")], 429)
    if done is None or done is False:
        wrong = "The code is not right: enter the code the app shows now"
        return code_page(request, after, [{"text": wrong, "href": "#code"}], 400)
    if isinstance(done, list):  # set up: its recovery codes, shown this once
        return remember_device(
            request, render(request, "recovery_codes.html", codes=done, next=after)
        )
    return remember_device(request, RedirectResponse(after, status_code=303))


@router.get("/password")
def password_page(request: Request, person: Actor = requires()) -> Response:
    """Change your own password (first of all, when someone else set it)."""
    first_use = bool(getattr(request.state, "must_change", False))
    return render(request, "password.html", errors=[], first_use=first_use)


@router.post("/password")
async def change_password(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires()
) -> Response:
    from sfclaims.actions.accounts import change_own_password

    current, new, again = form.get("current", ""), form.get("new", ""), form.get("again", "")
    errors = []
    if not current:
        errors.append({"text": "Enter your password now", "href": "#current"})
    if not new:
        errors.append({"text": "Enter a new password", "href": "#new"})
    elif new != again:
        errors.append({"text": "The new password and its repeat differ", "href": "#again"})
    if not errors:
        try:
            await anyio.to_thread.run_sync(
                change_own_password,
                engine_of(request),
                person,
                current,
                new,
                limiter=password_checks(request, known=True),
            )
        except SfclaimsError as error:
            where = "#current" if "password now" in str(error) else "#new"
            errors.append({"text": said(error), "href": where})
    if errors:
        first_use = bool(getattr(request.state, "must_change", False))
        return render(request, "password.html", status_code=400, errors=errors, first_use=first_use)
    how = request.session.get("how", PASSWORD)
    await anyio.to_thread.run_sync(begin_session, request, person.name, how)  # the old ones ended
    done(request, "Your password is changed; every other session of yours has ended.")
    return RedirectResponse("/", status_code=303)


def notifications_page(
    request: Request,
    person: Actor,
    errors: list[dict],
    email: str | None = None,
    hears: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    """What the person hears of by email: as kept, or as just typed when it was refused."""
    from sfclaims.actions.accounts import EVENTS, choice_of, events_for

    kept = choice_of(engine_of(request), person.name)
    if email is None:
        email, hears = (kept.email, list(kept.hears)) if kept else ("", [])
    items = [
        {"value": e, "text": EVENTS[e].said, "checked": e in (hears or [])}
        for e in events_for(person)
    ]
    return render(
        request,
        "notifications.html",
        status_code=status_code,
        errors=errors,
        email=email,
        items=items,
    )


@router.get("/notifications")
def notifications(request: Request, person: Actor = requires()) -> Response:
    return notifications_page(request, person, [])


@router.post("/notifications")
async def choose_notifications(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires()
) -> Response:
    from sfclaims.actions.accounts import choose

    email = form.get("email", "")
    hears = [h for h in (await request.form()).getlist("hears") if isinstance(h, str)]

    def answer() -> Response:  # the database: never on the event loop
        try:
            kept = choose(engine_of(request), person, email, hears)
        except SfclaimsError as error:
            mine = "roles" in str(error) or "not something" in str(error)
            problem = [{"text": said(error), "href": "#hears" if mine else "#email"}]
            return notifications_page(request, person, problem, email, hears, 400)
        count = len(kept.hears) if kept else 0
        done(
            request,
            f"You will hear of {count} thing{'s' if count != 1 else ''} by email."
            if count
            else "You will hear of nothing by email.",
        )
        return RedirectResponse("/notifications", status_code=303)

    return await anyio.to_thread.run_sync(answer)


def first_admin_page(
    request: Request,
    token: str,
    errors: list[dict],
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "first_admin.html",
        status_code=status_code,
        token=token,
        errors=errors,
        typed=typed or {},
    )


class FirstAdmin(Form):
    """The first admin: their account's name, their full name, a password and its repeat."""

    fields = ("name", "full_name", "password", "again")
    first = "name"

    def check(self) -> None:
        if not self["name"]:
            self.problem("name", "Enter your account's name")
        if not self["password"]:
            self.problem("password", "Enter a password")
        elif self["password"] != self["again"]:
            self.problem("again", "The password and its repeat differ")


@router.get("/first-admin/{token}")
def first_admin(request: Request, token: str) -> Response:
    """The page the link `sfclaims init` prints opens: the first admin's name and password
    (while the link works; refused, in words, when it does not)."""
    from sfclaims.actions.accounts import check_first_admin_link

    try:
        check_first_admin_link(engine_of(request), token)
    except SfclaimsError as error:
        return refused(request, "This link does not work", said(error), 404)
    return first_admin_page(request, token, [])


@router.post("/first-admin/{token}")
async def first_admin_made(
    request: Request, token: str, form: FirstAdmin = Depends(FirstAdmin.posted)
) -> Response:
    from sfclaims.actions.accounts import make_first_admin

    if form.ok:
        try:
            made = await anyio.to_thread.run_sync(
                make_first_admin,
                engine_of(request),
                token,
                form["name"],
                form["password"],
                form["full_name"],
                limiter=password_checks(request),
            )
        except SfclaimsError as error:
            form.refused(error)
    if not form.ok:  # the name and full name kept, never the password
        kept = {"name": form["name"], "full_name": form["full_name"]}
        return first_admin_page(request, token, form.errors, kept, 400)
    done(request, f"The first admin, {made}, is made: sign in with the password you chose.")
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/accessibility")
def accessibility(request: Request, person: Actor = requires()) -> Response:
    return render(request, "accessibility.html")


@router.post("/sign-out")
def sign_out(request: Request, form: dict = Depends(checked_form)) -> Response:
    from sfclaims.actions.accounts import sign_out as end_session

    person = signed_in(request)
    end_session(engine_of(request), request.session.get("sid"), person)
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)

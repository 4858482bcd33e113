"""Signing in and out."""

from __future__ import annotations

from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from sfclaims.activity import record_now
from sfclaims.people import Actor, has_accounts
from sfclaims.web.pages import render
from sfclaims.web.security import (
    LockedOut,
    checked_form,
    engine_of,
    pending,
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
    with engine_of(request).connect() as connection:
        accounts = has_accounts(connection)
    return render(request, "sign_in.html", next=safe_next(next), accounts=accounts, errors=[])


def password_checks(request: Request) -> anyio.CapacityLimiter:
    """One password checked at a time, each in a thread of its own limiter: a burst of sign-ins
    waits its turn on the event loop, holding none of the threads other pages are served by (an
    Argon2 check takes about 0.1 s and both cores, by design)."""
    limiter = getattr(request.app.state, "password_checks", None)
    if limiter is None:
        limiter = request.app.state.password_checks = anyio.CapacityLimiter(1)
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
    try:
        if not errors:
            step = await anyio.to_thread.run_sync(
                sign_in, request, name, password, limiter=password_checks(request)
            )
            if step is None:
                errors.append(
                    {"text": "The account name or the password is not right", "href": "#name"}
                )
    except LockedOut as locked:
        status = 429
        errors.append(locked_out(locked, "#name"))
    after = safe_next(form.get("next"))
    if step == "code":
        return RedirectResponse(f"/sign-in/code?next={quote(after)}", status_code=303)
    if step == "set up":
        return RedirectResponse(f"/sign-in/set-up?next={quote(after)}", status_code=303)
    if errors:
        return render(
            request,
            "sign_in.html",
            status_code=status,
            next=safe_next(form.get("next")),
            accounts=True,
            errors=errors,
            name=name,
        )
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


def locked_out(locked: LockedOut, field: str) -> dict[str, str]:
    return {
        "text": f"Too many failed sign-ins for this account or from this address: try again "
        f"after {locked.until:%H:%M} UTC, or ask an admin to lift it sooner",
        "href": field,
    }


def code_page(request: Request, next: str, errors: list, status: int = 200) -> Response:
    """The second step of signing in: the code from the app, or the set-up of the app."""
    from sfclaims.second_factor import qr_code_svg, set_up_address

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
        return render(request, "recovery_codes.html", codes=done, next=after)
    return RedirectResponse(after, status_code=303)


@router.get("/accessibility")
def accessibility(request: Request, person: Actor = requires()) -> Response:
    return render(request, "accessibility.html")


@router.post("/sign-out")
def sign_out(request: Request, form: dict = Depends(checked_form)) -> Response:
    from sfclaims.sessions import end

    person = signed_in(request)
    if person is not None:
        record_now(engine_of(request), person.name, "signed out", person.name)
    end(engine_of(request), request.session.get("sid"))
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)

"""The workspace application: sessions, the GOV.UK look, the pages, and what a refusal looks
like. ``create_app`` builds it on one database; ``sfclaims serve`` runs it with uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from sfclaims.db import open_database
from sfclaims.people import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER, Actor
from sfclaims.web.jobs import Jobs
from sfclaims.web.security import FormExpired, NotAllowed, NotSignedIn, csrf_token, signed_in

HERE = Path(__file__).parent
SESSION_COOKIE = "sfclaims_session"
DEFAULT_UPLOAD_LIMIT = 500 * 1024 * 1024
#: The service navigation: (label, path, the role that sees it; None: everyone signed in).
NAVIGATION = (
    ("Quarter", "/", None),
    ("Imports", "/imports", DATA_OFFICER),
    ("Claim runs", "/claims", None),
    ("Audit", "/audit", AUDITOR),
    ("Activity log", "/log", None),
    ("Settings", "/settings", None),
    ("Accounts", "/accounts", ADMIN),
)
ROLE_NAMES = {
    ADMIN: "Administrator",
    DATA_OFFICER: "Data officer",
    CLAIMS: "Business development (claims)",
    AUDITOR: "Internal auditor",
}


def link(href: str, text: object) -> Markup:
    """A GOV.UK link for a table cell: the text escaped, the address already URL-encoded."""
    return Markup('<a class="govuk-link" href="{}">{}</a>').format(href, text)


def templates() -> Jinja2Templates:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(HERE / "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,  # every value is escaped: IDs, notes and file names are hostile
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["link"] = link
    environment.filters["day"] = lambda d: f"{d:%d/%m/%Y}" if d else ""
    environment.filters["moment"] = lambda d: f"{d:%d/%m/%Y %H:%M}" if d else ""
    environment.filters["number"] = lambda n: f"{n:,}" if n is not None else "not set"
    return Jinja2Templates(env=environment)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with what every page needs: who is signed in, their navigation, the CSRF token."""
    person: Actor | None = getattr(request.state, "person", None)
    navigation = [
        {"text": label, "href": path, "active": request.url.path == path}
        for label, path, role in NAVIGATION
        if person is not None and (role is None or person.may(role))
    ]
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "person": person,
            "navigation": navigation,
            "csrf_token": csrf_token(request),
            "role_names": ROLE_NAMES,
            **context,
        },
        status_code=status_code,
    )


class UploadLimit:
    """An upload larger than the limit is refused (413) before any of it is read."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            length = dict(scope["headers"]).get(b"content-length", b"")
            if length.isdigit() and int(length) > self.limit + 65536:  # + the form's fields
                refusal = Response(
                    f"The upload is larger than the limit of {self.limit:,} bytes; nothing was "
                    f"imported.",
                    status_code=413,
                    media_type="text/plain",
                )
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    database_url: str | None = None,
    *,
    secret: str,
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
    slow_seconds: float = 0.5,
    https_only: bool = False,
) -> FastAPI:
    from sfclaims.web.routes import account, admin, audit, claims, imports, quarter

    app = FastAPI(title="sfclaims", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = open_database(database_url)
    app.state.templates = templates()
    app.state.jobs = Jobs()
    app.state.upload_limit = upload_limit
    app.state.slow_seconds = slow_seconds
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=30 * 60,  # idle: the cookie is set again on every response
        same_site="strict",
        https_only=https_only,
    )
    app.add_middleware(UploadLimit, limit=upload_limit)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (account, quarter, imports, claims, audit, admin):
        app.include_router(module.router)

    @app.exception_handler(NotSignedIn)
    async def _sign_in_first(request: Request, _error: NotSignedIn) -> Response:
        return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, error: NotAllowed) -> Response:
        request.state.person = signed_in(request)
        return render(
            request,
            "refused.html",
            status_code=403,
            title="You cannot do this",
            sentence=f"This needs the {ROLE_NAMES[error.role].lower()} role "
            f"({error.role}), and your account does not have it. Nothing was changed.",
        )

    @app.exception_handler(FormExpired)
    async def _form_expired(request: Request, _error: FormExpired) -> Response:
        request.state.person = signed_in(request)
        return render(
            request,
            "refused.html",
            status_code=403,
            title="The form has expired",
            sentence="The form was not sent from this session (or the session ended). Nothing "
            "was changed; go back, reload the page and try again.",
        )

    @app.exception_handler(404)
    async def _not_found(request: Request, _error: Exception) -> Response:
        request.state.person = signed_in(request)
        return render(
            request,
            "refused.html",
            status_code=404,
            title="Page not found",
            sentence="There is no such page, claim run or family.",
        )

    return app

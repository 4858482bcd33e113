"""The workspace application: sessions, the GOV.UK look, the pages, and what a refusal looks
like. ``create_app`` builds it on one database; ``sfclaims serve`` runs it with uvicorn."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sfclaims.actions.accounts import workspace_key
from sfclaims.actions.service import Jobs, identity, is_busy, open_database
from sfclaims.actions.vocabulary import NotFoundError, SfclaimsError
from sfclaims.web.forms import FormExpired
from sfclaims.web.pages import HERE, ROLE_NAMES, refused, said, templates
from sfclaims.web.security import (
    MustChangePassword,
    NotAllowed,
    NotSignedIn,
    signed_in,
)

SESSION_COOKIE = "sfclaims_session"
DEFAULT_UPLOAD_LIMIT = 500 * 1024 * 1024
#: (PostgreSQL) a page's statement that runs longer is ended and said as busy: long work is a
#: job's, in a process of its own with no such limit
PAGE_STATEMENT_SECONDS = 15


class _TooLarge(Exception):
    """The body went past the limit while it streamed in."""


#: The addresses that take a file (extracts, a verdict sheet, an outcome plan): only these may
#: send a body up to the upload limit, and each reads none of it before it knows who is asking.
UPLOADS = re.compile(r"^/(imports|audit/[^/]+/verdicts|settings/outcome-plan)$")
FORM_LIMIT = 64 * 1024  # bytes: every other form, signed in or not, is a few fields


class UploadLimit:
    """A request body larger than its address allows is refused (413): the upload limit for an
    address that takes a file, ``FORM_LIMIT`` for every other — at once when its Content-Length
    says so, else as soon as the bytes counted while it streams in (chunked, or a length that
    lied) pass it; nothing past it is read, and what was read is dropped."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.upload = app, limit + 65536  # + the form's own fields

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.upload if UPLOADS.match(scope["path"]) else FORM_LIMIT
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        counted = 0
        started = False

        async def counting() -> Message:
            nonlocal counted
            message = await receive()
            counted += len(message.get("body", b""))
            if counted > limit:
                raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, sending)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        what = (
            f"The upload is larger than the limit of {self.upload - 65536:,} bytes"
            if limit == self.upload
            else f"The form is larger than any form of the workspace ({FORM_LIMIT:,} bytes)"
        )
        refusal = Response(
            f"{what}, so it was not used: nothing of it was kept.",
            status_code=413,
            media_type="text/plain",
            headers={"Connection": "close"},
        )
        await refusal(scope, receive, send)


#: Every page: no script but our own files (and the GOV.UK template's one line, by its nonce), no
#: framing by another site, no guessing of types, no address sent elsewhere, nothing kept.
def security_headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


class SecurityHeaders:
    """The headers of ``security_headers`` on every response (static files keep their
    caching: they hold no one's data), with a fresh nonce per request for the page to use."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import secrets

        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["nonce"] = nonce
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = (
                    [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                    if not static
                    else list(message.get("headers", []))
                )
                for name, value in security_headers(nonce).items():
                    if static and name == "Cache-Control":
                        continue
                    headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    database_url: str | None = None,
    *,
    secret: str,
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
    https_only: bool = False,
) -> FastAPI:
    from sfclaims.web.routes import account, admin, audit, claims, imports, quarter

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(app.state.jobs.stop)  # stopping: jobs interrupted, files gone

    app = FastAPI(
        title="sfclaims", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.engine = open_database(database_url, statement_timeout=PAGE_STATEMENT_SECONDS)
    app.state.templates = templates()
    app.state.jobs = Jobs(app.state.engine)
    with app.state.engine.connect() as connection:  # each database its own key: a cookie of
        key = workspace_key(secret, identity(connection))  # one workspace is no other's
    app.state.upload_limit = upload_limit
    app.state.key = key  # signs the one sign-in's cookie at the council's provider, too
    app.state.https_only = https_only
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=SESSION_COOKIE,
        max_age=8 * 60 * 60,  # the session's lifetime; idle and ended sessions: sessions.py
        same_site="strict",
        https_only=https_only,
    )
    app.add_middleware(UploadLimit, limit=upload_limit)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (account, quarter, imports, claims, audit, admin):
        app.include_router(module.router)

    @app.get("/healthz")
    def healthz() -> Response:
        """200 and ``ok`` to anyone once the database answers; nothing personal either way."""
        from sqlalchemy import text

        try:
            with app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - a load balancer needs the status, not the reason
            return Response(
                "the database does not answer", status_code=503, media_type="text/plain"
            )
        return Response("ok", media_type="text/plain")

    @app.exception_handler(NotSignedIn)
    async def _sign_in_first(request: Request, _error: NotSignedIn) -> Response:
        return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)

    @app.exception_handler(MustChangePassword)
    async def _choose_your_own(request: Request, _error: MustChangePassword) -> Response:
        return RedirectResponse("/password", status_code=303)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, error: NotAllowed) -> Response:
        request.state.person = signed_in(request)
        return refused(
            request,
            "You cannot do this",
            f"This needs the {ROLE_NAMES[error.role].lower()} role "
            f"({error.role}), and your account does not have it. Nothing was changed.",
            403,
        )

    @app.exception_handler(SfclaimsError)
    async def _refused(request: Request, error: SfclaimsError) -> Response:
        """A stage's refusal on a page that has no form to show it in: its one sentence."""
        request.state.person = signed_in(request)
        if isinstance(error, NotFoundError):
            return refused(request, "Not found", said(error), 404)
        return refused(request, "This was not done", said(error), 400)

    @app.exception_handler(FormExpired)
    async def _form_expired(request: Request, _error: FormExpired) -> Response:
        request.state.person = signed_in(request)
        return refused(
            request,
            "The form has expired",
            "The form was not sent from this session (or the session ended). Nothing "
            "was changed; go back, reload the page and try again.",
            403,
        )

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, error: OperationalError) -> Response:
        """The database could not answer in time for others' work (an import swapping in): a
        sentence and a retry. Anything else is a fault, for the server's log."""
        if not is_busy(error):
            raise error
        request.state.person = None  # reading who is signed in would ask the database again
        page = refused(
            request,
            "The database is busy",
            "The database is busy with other work (an import finishing, most likely), so this "
            "was not done and nothing was changed. Try again in a moment.",
            503,
        )
        page.headers["Retry-After"] = "5"
        return page

    @app.exception_handler(404)
    async def _not_found(request: Request, _error: Exception) -> Response:
        request.state.person = signed_in(request)
        return refused(
            request, "Page not found", "There is no such page, claim run or family.", 404
        )

    return app


def from_environment() -> FastAPI:
    """The app of one of `sfclaims serve --workers N`'s processes, as the command set it up."""
    import os

    return create_app(
        os.environ["SFCLAIMS_DATABASE_URL"],
        secret=os.environ["SFCLAIMS_SECRET_KEY"],
        upload_limit=int(os.environ["SFCLAIMS_UPLOAD_LIMIT"]),
        https_only=bool(os.environ.get("SFCLAIMS_BEHIND_PROXY")),
    )

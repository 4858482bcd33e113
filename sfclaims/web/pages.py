"""How a page is made: the GOV.UK layout and component macros, every value escaped, and what
every page shows (who is signed in, their navigation, the CSRF token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from sfclaims.actions.accounts import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER, Actor
from sfclaims.actions.vocabulary import SfclaimsError, environment
from sfclaims.web.forms import problems_of
from sfclaims.web.security import csrf_token
from sfclaims.words import WORKSPACE

HERE = Path(__file__).parent
#: The service navigation: (label, path, the role that sees it; None: everyone signed in).
NAVIGATION = (
    ("Quarter", "/", None),
    ("Imports", "/imports", DATA_OFFICER),
    ("Claim runs", "/claims", None),  # not under a framework that pays no results
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


#: What a downloaded file is, by its name's ending.
MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}


def download(content: bytes | str, name: str) -> Response:
    """A file to save, by its name (one of ours: a CSV starts with a byte-order mark, so Excel
    reads it as UTF-8)."""
    suffix = Path(name).suffix.lower()
    if isinstance(content, str):
        content = ("\ufeff" if suffix == ".csv" else "") + content
    safe = "".join(c for c in Path(name).name if c.isalnum() or c in "._- ")
    return Response(
        content,
        media_type=MEDIA_TYPES[suffix],
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def csrf_field(request: Request) -> Markup:
    """The hidden field every form posts: this session's CSRF token (``forms.csrf_checked``)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token(request))


def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with what every page needs: who is signed in, their navigation, the CSRF token."""
    person: Actor | None = getattr(request.state, "person", None)
    pays = person is not None and _pays(request)
    navigation = [
        {"text": label, "href": path, "active": request.url.path == path}
        for label, path, role in NAVIGATION
        if person is not None and (role is None or person.may(role)) and (pays or path != "/claims")
    ]
    done = request.session.pop("done", None) if "session" in request.scope else None
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "done": done if isinstance(done, str) else None,
            "person": person,
            "navigation": navigation,
            "csrf_token": csrf_token(request),
            "csrf_field": csrf_field(request),
            "cspNonce": getattr(request.state, "nonce", None),
            "role_names": ROLE_NAMES,
            "quarter": QuarterNames(request),
            "pays": pays,
            **context,
        },
        status_code=status_code,
    )


def _pays(request: Request) -> bool:
    """Whether the framework in force pays by results: under one that pays none, the workspace
    shows no claim runs, allocation or ledger (what only claims need), and keeps the rest."""
    from sfclaims.actions.shown import framework_in_force
    from sfclaims.web.security import engine_of

    try:
        return framework_in_force(engine_of(request)).programme.pays
    except SfclaimsError:  # a plan changed since it was put in force: its page says so
        return True


class QuarterNames:
    """A page's one name for a quarter: ``quarter(run.period)`` in the authority's convention,
    ``quarter.months(...)`` its months in words, ``quarter.example`` how to type one (the
    convention read once a page, and only by a page that names a quarter)."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._convention: str | None = None

    @property
    def convention(self) -> str:
        if self._convention is None:
            from sfclaims.actions.shown import quarter_convention
            from sfclaims.web.security import engine_of

            with engine_of(self._request).connect() as connection:
                self._convention = quarter_convention(connection)
        return self._convention

    def __call__(self, period: str) -> str:
        from sfclaims.actions.shown import period_named

        return period_named(period, self.convention) if period else ""

    def months(self, period: str) -> str:
        from sfclaims.actions.shown import period_months

        return period_months(period) if period else ""

    @property
    def example(self) -> str:
        """How to type a quarter, in the authority's name for it."""
        typed = "2026/27 Q2" if self.convention == "financial" else "2026-Q3"
        return f"For example, {typed} for July to September 2026"


def done(request: Request, sentence: str) -> None:
    """What a change did, shown once in a success banner on the next page the person sees."""
    request.session["done"] = sentence


def said(error: SfclaimsError) -> str:
    """A stage's refusal in the workspace's words (``sfclaims.words``)."""
    return error.worded(WORKSPACE)


def every_problem(error: SfclaimsError, first_field: str) -> list[dict[str, str]]:
    """A refusal as GOV.UK's error summary lists it: every problem the stage found, each
    linked to its field (``about["problems"]``, by setting), or the one sentence at
    ``first_field``."""
    return [{"text": t, "href": f"#{f}"} for f, t in problems_of(error, first_field).items()]


def refused(request: Request, title: str, sentence: str, status_code: int = 400) -> HTMLResponse:
    """The page that says, in one sentence, why something was not done (nothing changed)."""
    return render(request, "refused.html", status_code=status_code, title=title, sentence=sentence)

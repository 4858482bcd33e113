"""The workspace's forms, each a class: its fields, the checks a page can make of what was typed
(a number that is no number, a choice not made), every problem at once in GOV.UK's error
summary, and what was typed kept for the page shown again. The CSRF token is checked once, in
the base form, before any field is read; what a stage refuses is added to the same summary,
each problem at its field (``refused``)."""

from __future__ import annotations

import hmac
from typing import Any, ClassVar, Self

from fastapi import Request

from sfclaims.actions.vocabulary import SfclaimsError
from sfclaims.words import WORKSPACE


class FormExpired(Exception):
    """A form without this session's CSRF token: refused, nothing changed."""


async def csrf_checked(request: Request) -> Any:
    """The posted form, once its CSRF token matches the session's."""
    form = await request.form()
    given = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not (isinstance(given, str) and expected and hmac.compare_digest(given, expected)):
        raise FormExpired()
    return form


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form's fields as text, once its CSRF token matches (a form with no class of
    its own: one button, or fields its stage checks every one of at once)."""
    form = await csrf_checked(request)
    return {k: v for k, v in form.items() if isinstance(v, str)}


class Form:
    """A posted form. A subclass names its fields (``fields``; ``lists``: those with many values,
    a group of checkboxes), the field a refusal with no field of its own is shown at
    (``first``), and checks what it can in ``check``, adding each problem with ``problem``."""

    fields: ClassVar[tuple[str, ...]] = ()
    lists: ClassVar[tuple[str, ...]] = ()
    first: str = ""  # a class attribute; a form whose refusals land elsewhere sets its own

    def __init__(self, typed: dict[str, str], chosen: dict[str, list[str]] | None = None) -> None:
        self.typed = typed  # each field as typed, for the page shown again
        self.chosen = chosen or {}
        self.problems: dict[str, str] = {}  # by field: GOV.UK shows one a field
        self.check()

    @classmethod
    async def posted(cls, request: Request) -> Self:
        """The form as posted, checked (a FastAPI dependency: ``Depends(TheForm.posted)``)."""
        form = await csrf_checked(request)
        typed = {f: v.strip() if isinstance(v := form.get(f), str) else "" for f in cls.fields}
        chosen = {f: [v for v in form.getlist(f) if isinstance(v, str)] for f in cls.lists}
        return cls(typed, chosen)

    def check(self) -> None:
        """What the page can tell of the fields before asking the stage (none, here)."""

    def __getitem__(self, field: str) -> str:
        return self.typed[field]

    def problem(self, field: str, text: str) -> None:
        self.problems.setdefault(field, text)

    def refused(self, error: SfclaimsError) -> None:
        """A stage's refusal: each of its problems at its field, or its sentence at ``first``."""
        for field, text in problems_of(error, self.first).items():
            self.problem(field, text)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def errors(self) -> list[dict[str, str]]:
        """The problems as GOV.UK's error summary lists them, each linked to its field."""
        return [{"text": text, "href": f"#{field}"} for field, text in self.problems.items()]


def problems_of(error: SfclaimsError, first_field: str) -> dict[str, str]:
    """A stage's refusal by field: every problem it found (``about["problems"]``), or its one
    sentence, in the workspace's words, at ``first_field``."""
    given = error.about.get("problems")
    if isinstance(given, dict) and given:
        return {str(field): str(text) for field, text in given.items()}
    return {first_field: error.worded(WORKSPACE)}

"""The pages' HTML, one set of templates for the browser and for paper: the workspace's Jinja
environment (GOV.UK Frontend's macros, every value escaped) and printing a page to PDF through
WeasyPrint, so a family's evidence PDF is the page the auditor sees."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

WEB = Path(__file__).parents[1] / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"


def link(href: str, text: object, hidden: str = "") -> Markup:
    """A GOV.UK link for a table cell: the text escaped, the address already URL-encoded, and
    words a screen reader adds where the text alone is the same on every row."""
    if hidden:
        return Markup(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">{}</span></a>'
        ).format(href, text, hidden)
    return Markup('<a class="govuk-link" href="{}">{}</a>').format(href, text)


def day(value: date | None) -> str:
    """A date as people here write it: 30/09/2026."""
    return f"{value:%d/%m/%Y}" if value else ""


def moment(value: datetime | None) -> str:
    return f"{value:%d/%m/%Y %H:%M}" if value else ""


def number(value: int | None) -> str:
    return f"{value:,}" if value is not None else "not set"


def error_for(errors: list[dict[Any, Any]] | None, field: str) -> dict[Any, Any] | None:
    """The field's own error, as GOV.UK shows it above the field as well as in the summary:
    the first error whose link is the field's."""
    for error in errors or []:
        if error.get("href") == f"#{field}":
            return {"text": error["text"]}
    return None


def environment() -> Environment:
    made = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,  # every value is escaped: IDs, notes and file names are hostile
        auto_reload=False,  # templates ship with the package: never look at the files again
        trim_blocks=True,
        lstrip_blocks=True,
    )
    made.globals["link"] = link
    made.globals["error_for"] = error_for
    made.filters["day"] = day
    made.filters["moment"] = moment
    made.filters["number"] = number
    return made


def write_pdf(page: str, path: Path) -> Path:
    """The page as a PDF (its styles from the workspace's own files), written whole."""
    from weasyprint import HTML

    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        HTML(string=page, base_url=str(STATIC) + "/").write_pdf(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path

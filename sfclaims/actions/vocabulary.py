"""The words both faces share with the engine: the errors a person can meet, dates as people type
them, values given in a form or an option, the framework, and the helpers for files and pages a
face writes (owner-only files written whole, HTML's formatting of a day, a number, a link)."""

from __future__ import annotations

from sfclaims.outputs.decisions_file import write_decisions
from sfclaims.outputs.files import ready_file, ready_folder, write_rows, written_whole
from sfclaims.outputs.html import day, environment, link, moment, number
from sfclaims.platform.dates import check_as_of, parse_date
from sfclaims.platform.errors import (
    DISK_FULL,
    NotFoundError,
    RefusedError,
    SfclaimsError,
    UsageError,
)
from sfclaims.platform.framework import Framework
from sfclaims.platform.given import checked_text, page_number

__all__ = [
    "DISK_FULL",
    "Framework",
    "NotFoundError",
    "RefusedError",
    "SfclaimsError",
    "UsageError",
    "check_as_of",
    "checked_text",
    "day",
    "environment",
    "link",
    "moment",
    "number",
    "page_number",
    "parse_date",
    "ready_file",
    "ready_folder",
    "write_decisions",
    "write_rows",
    "written_whole",
]

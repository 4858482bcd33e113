"""The words both faces share with the engine: the errors a person can meet, dates as people type
them, values given in a form or an option, the framework, and the helpers for files and pages a
face writes (owner-only files written whole, HTML's formatting of a day, a number, a link), and
how a command's process keeps its memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfclaims.platform.lazily import names_from

if TYPE_CHECKING:  # the names, typed; at run time each is imported when first asked for
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
    from sfclaims.platform.memory import long_running, one_piece_of_work
    from sfclaims.platform.processes import end_now

#: Where each name lives: a command imports only what it uses, so it starts quickly.
_WHERE = {
    "DISK_FULL": ("sfclaims.platform.errors", "DISK_FULL"),
    "Framework": ("sfclaims.platform.framework", "Framework"),
    "NotFoundError": ("sfclaims.platform.errors", "NotFoundError"),
    "RefusedError": ("sfclaims.platform.errors", "RefusedError"),
    "SfclaimsError": ("sfclaims.platform.errors", "SfclaimsError"),
    "UsageError": ("sfclaims.platform.errors", "UsageError"),
    "check_as_of": ("sfclaims.platform.dates", "check_as_of"),
    "checked_text": ("sfclaims.platform.given", "checked_text"),
    "day": ("sfclaims.outputs.html", "day"),
    "end_now": ("sfclaims.platform.processes", "end_now"),
    "environment": ("sfclaims.outputs.html", "environment"),
    "link": ("sfclaims.outputs.html", "link"),
    "long_running": ("sfclaims.platform.memory", "long_running"),
    "moment": ("sfclaims.outputs.html", "moment"),
    "number": ("sfclaims.outputs.html", "number"),
    "one_piece_of_work": ("sfclaims.platform.memory", "one_piece_of_work"),
    "page_number": ("sfclaims.platform.given", "page_number"),
    "parse_date": ("sfclaims.platform.dates", "parse_date"),
    "ready_file": ("sfclaims.outputs.files", "ready_file"),
    "ready_folder": ("sfclaims.outputs.files", "ready_folder"),
    "write_decisions": ("sfclaims.outputs.decisions_file", "write_decisions"),
    "write_rows": ("sfclaims.outputs.files", "write_rows"),
    "written_whole": ("sfclaims.outputs.files", "written_whole"),
}

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
    "end_now",
    "environment",
    "link",
    "long_running",
    "moment",
    "number",
    "one_piece_of_work",
    "page_number",
    "parse_date",
    "ready_file",
    "ready_folder",
    "write_decisions",
    "write_rows",
    "written_whole",
]


__getattr__ = names_from(__name__, _WHERE)

"""Dates as people type them: YYYY-MM-DD or DD/MM/YYYY (contract.md), wherever a date is asked
(the command line and the web workspace)."""

from __future__ import annotations

from datetime import date, datetime

from sfclaims.errors import UsageError

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # as contract.md accepts them wherever a date is asked


def parse_date(text: str, option: str) -> date:
    """A date as people type it, YYYY-MM-DD or DD/MM/YYYY; an as-of date may not be in the
    future (records dated after today do not exist yet)."""
    for form in DATE_FORMATS:
        try:
            day = datetime.strptime(text.strip(), form).date()
            break
        except ValueError:
            continue
    else:
        raise UsageError(
            f"The date {text!r} given to {option} is not a date; write it as YYYY-MM-DD or "
            f"DD/MM/YYYY."
        )
    if option == "--as-of" and day > date.today():
        raise UsageError(
            f"The date {day:%d/%m/%Y} given to --as-of is in the future; decide as of today "
            f"({date.today():%d/%m/%Y}) or earlier."
        )
    return day

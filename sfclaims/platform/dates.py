"""Dates as people type them: YYYY-MM-DD or DD/MM/YYYY (contract.md), wherever a date is asked
(the command line and the web workspace); and the calendar arithmetic the rules share: whole
months with month-end clamping, ages in years."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from functools import lru_cache

from sfclaims.platform.errors import UsageError

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # as contract.md accepts them wherever a date is asked


def parse_date(text: str, option: str) -> date:
    """A date as people type it, YYYY-MM-DD or DD/MM/YYYY; ``option`` names where it was given,
    in the words of the face that asked (an option, a field)."""
    if not text.strip():
        raise UsageError(f"Enter {option} as YYYY-MM-DD or DD/MM/YYYY.")
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise UsageError(
        f"The date {text!r} given to {option} is not a date; write it as YYYY-MM-DD or DD/MM/YYYY."
    )


def check_as_of(day: date) -> date:
    """A date families are decided as of: not in the future, where records do not exist yet.
    Every stage that decides checks it, whoever asks."""
    today = date.today()
    if day > today:
        raise UsageError(
            f"The as-of date {day:%d/%m/%Y} is in the future; decide as of today "
            f"({today:%d/%m/%Y}) or earlier."
        )
    return day


@lru_cache(maxsize=65_536)  # the same days and month counts recur across thousands of families
def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(born: date, on: date) -> int:
    """Whole years; someone born on 29 February is a year older on 1 March in a common year."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

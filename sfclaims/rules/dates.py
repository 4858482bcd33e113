"""Calendar arithmetic the rules share: whole months with month-end clamping, ages in years."""

from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache


@lru_cache(maxsize=65_536)  # the same days and month counts recur across thousands of families
def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(born: date, on: date) -> int:
    """Whole years; someone born on 29 February is a year older on 1 March in a common year."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

"""Quarters as the authority reports them (settings): calendar (``2025-Q3``) or financial,
April to March (``2025/26 Q2``).

A claim run's period is kept as its calendar name (``2025-Q3``: July to September 2025; run IDs
are made from it), typed either way, and read by people in the authority's convention alone
(``period_named``), so one quarter has one name on every page, workbook and message."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from sfclaims.platform.dates import add_months


class Quarter(NamedTuple):
    label: str
    start: date
    end: date

    def following(self, kind: str) -> Quarter:
        return quarter_containing(self.end + timedelta(days=1), kind)


def quarter_of(day: date, kind: str) -> str:
    """``2025-Q3`` (calendar) or ``2025/26 Q2`` (financial, April to March)."""
    if kind == "calendar":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d} Q{(day.month - 4) % 12 // 3 + 1}"


def quarter_containing(day: date, kind: str) -> Quarter:
    """The quarter the date falls in, with its first and last days (both kinds of quarter
    start in January, April, July and October)."""
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Quarter(quarter_of(day, kind), start, add_months(start, 3) - timedelta(days=1))


def quarters_after(day: date, kind: str, count: int) -> list[Quarter]:
    """The ``count`` quarters after the one the date falls in."""
    found: list[Quarter] = []
    quarter = quarter_containing(day, kind)
    for _ in range(count):
        quarter = quarter.following(kind)
        found.append(quarter)
    return found


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
CALENDAR_NAME = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)  # 2025-Q3, 2025q3
#: 2025/26 Q2, 2025/2026 q2
FINANCIAL_NAME = re.compile(r"^(\d{4})\s*/\s*(\d{2}|\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


def period_of(typed: str) -> str | None:
    """The quarter as a period is kept (``2025-Q3``), from its calendar name (``2025-Q3``,
    ``2025q3``) or its financial one (``2025/26 Q2``, ``2025/2026 Q2``); None for neither."""
    text = typed.strip()
    if calendar := CALENDAR_NAME.match(text):
        return f"{calendar.group(1)}-Q{calendar.group(2)}"
    financial = FINANCIAL_NAME.match(text)
    if not financial:
        return None
    first, second, number = int(financial.group(1)), financial.group(2), int(financial.group(3))
    if int(second) not in ((first + 1) % 100, first + 1):
        return None
    month = (3 + 3 * (number - 1)) % 12 + 1  # April, July, October, January
    return f"{first + (month == 1)}-Q{(month - 1) // 3 + 1}"


def _first_day(period: str) -> date | None:
    kept = CALENDAR_NAME.match(period)
    return date(int(kept.group(1)), 3 * int(kept.group(2)) - 2, 1) if kept else None


def period_named(period: str, convention: str) -> str:
    """The kept period as people read it, in the authority's convention (a name that is no
    quarter, such as an earlier system's claim period, as it was given)."""
    first = _first_day(period)
    return quarter_of(first, convention) if first else period


def period_months(period: str) -> str:
    """The kept period's months in words ("July to September 2025"), for a page or a cover
    that must leave no doubt which quarter it is."""
    first = _first_day(period)
    if first is None:
        return ""
    last = MONTHS[first.month + 1]
    return f"{MONTHS[first.month - 1]} to {last} {first.year}"

"""Quarters as the authority reports them (settings): calendar (``2025-Q3``) or financial,
April to March (``2025/26 Q2``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from sfclaims.rules.dates import add_months


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

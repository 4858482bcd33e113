"""Progress information for the department and the board: per quarter of episode start, the
funnel (attached, assessed, with a plan, eligible, claimable, claimed) with each as a share of
attached, and one chart of the journey: claimed so far, claimable on top, against the
allocation; and this quarter beside the one before (families decided, eligible, claimable and
claimed as of each one's day). Each sheet prints on one landscape page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sfclaims.deciding.decisions import Assessed, Totals, totals_of
from sfclaims.deciding.rules.essentials import NO_ASSESSMENT, NO_PLAN
from sfclaims.deciding.rules.ledger import ALREADY_CLAIMED
from sfclaims.platform.framework import Framework
from sfclaims.platform.quarters import quarter_of
from sfclaims.platform.workbook import (
    chart_below_its_table,
    columns_against_a_line,
    new_workbook,
    print_on_one_page,
    write_notes,
    write_table,
)

#: The funnel a family goes through, in order.
MEASURES = ("attached", "assessed", "with a plan", "eligible", "claimable", "claimed")
SHARES = tuple(f"% {m}" for m in MEASURES[1:])  # of the families attached


def progress_rows(assessed: list[Assessed], quarters: str) -> list[tuple[Any, ...]]:
    """Per quarter of episode start: the funnel's counts, then each as a share of attached."""
    counts: dict[str, Counter[str]] = {}
    for family in assessed:
        d = family.decision
        reasons = set(d.reasons)
        seen = counts.setdefault(quarter_of(family.episode_start, quarters), Counter())
        seen["attached"] += 1
        seen["assessed"] += NO_ASSESSMENT() not in reasons
        seen["with a plan"] += NO_PLAN() not in reasons
        seen["eligible"] += d.eligible
        seen["claimable"] += d.claimable
        seen["claimed"] += ALREADY_CLAIMED() in reasons
    rows = []
    for quarter in sorted(counts):
        seen = counts[quarter]
        shares = (seen[m] / seen["attached"] for m in MEASURES[1:])
        rows.append((quarter, *(seen[m] for m in MEASURES), *shares))
    return rows


def journey_rows(rows: list[tuple[Any, ...]], allocation: int | None) -> list[tuple[Any, ...]]:
    """Per quarter: families claimed so far, those claimable now on top (the pipeline), and the
    allocation."""
    claimed = claimable = 0
    found = []
    for row in rows:
        counts = dict(zip(MEASURES, row[1:], strict=False))
        claimed += counts["claimed"]
        claimable += counts["claimable"]
        found.append((row[0], claimed, claimable, allocation))
    return found


JOURNEY_HEADERS = (
    "quarter",
    "claimed (cumulative)",
    "claimable now, not yet claimed (cumulative)",
    "allocation",
)


def totals_now(assessed: list[Assessed]) -> Totals:
    """The families decided for the report, in brief."""
    return totals_of(
        (f.decision.eligible, f.decision.claimable, f.decision.reasons) for f in assessed
    )


@dataclass(frozen=True)
class QuarterBefore:
    """The quarter before the report's: its name, its last day, and its totals as the families
    were decided as of that day (None: they were not)."""

    name: str
    last_day: date
    totals: Totals | None


TOTALS = (
    ("decided", "decided"),
    ("eligible (three or more headline needs)", "eligible"),
    ("claimable, not yet claimed", "claimable"),
    ("claimed already", "claimed"),
)


@dataclass(frozen=True)
class Beside:
    """This quarter beside the one before, as a table: its headers and rows."""

    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def beside_the_last(now: Totals, before: QuarterBefore, as_of: date, this_quarter: str) -> Beside:
    """This quarter's totals beside the quarter before's, each with its change; when the
    quarter before was not decided as of its last day, the one row that says so and how."""
    headers = (
        "families",
        f"{before.name}, as of {before.last_day:%d/%m/%Y}",
        f"{this_quarter}, as of {as_of:%d/%m/%Y}",
        "change",
    )
    then = before.totals
    if then is None:
        said = (
            f"The quarter before was not decided as of its last day: decide the families as "
            f"of {before.last_day:%d/%m/%Y} to set it beside this one."
        )
        return Beside(headers, [(said, None, None, None)])
    return Beside(
        headers,
        [
            (
                label,
                getattr(then, name),
                getattr(now, name),
                getattr(now, name) - getattr(then, name),
            )
            for label, name in TOTALS
        ],
    )


def write_progress(
    rows: list[tuple[Any, ...]],
    as_of: date,
    quarters: str,
    framework: Framework,
    folder: Path,
    allocation: int | None = None,
    beside: Beside | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"progress-{as_of.isoformat()}.xlsx"
    workbook = new_workbook(path, f"Supporting Families progress as of {as_of:%d/%m/%Y}")
    headers = (f"quarter ({quarters})", *MEASURES, *SHARES)
    sheet = write_table(workbook, "Progress", headers, rows)
    share = workbook.add_format({"num_format": "0%"})
    sheet.set_column(len(MEASURES) + 1, len(headers) - 1, 12, share)
    print_on_one_page(sheet)
    journey = journey_rows(rows, allocation)
    chart_sheet = write_table(workbook, "Journey", JOURNEY_HEADERS, journey)
    if journey:
        chart = columns_against_a_line(
            workbook,
            "Journey",
            len(journey),
            ((1, "#00703C"), (2, "#B1B4B6")),  # claimed, with the pipeline stacked on it
            3 if allocation is not None else None,
            "Families claimed, and claimable, against the allocation",
        )
        chart_below_its_table(chart_sheet, len(journey), chart)
    print_on_one_page(chart_sheet)
    if beside is not None:
        print_on_one_page(
            write_table(
                workbook, "Beside the last", beside.headers, beside.rows, (44, 26, 26, 8), (0,)
            )
        )
    write_notes(
        workbook,
        "About",
        [
            ("as of", as_of),
            ("quarters", f"{quarters} quarters of the episode start date"),
            ("shares", "each measure as a share of the families attached in the quarter"),
            ("allocation", allocation if allocation is not None else "not set"),
            ("outcome framework", framework.label()),
            ("claimed", "in a submitted claim run or in the record of earlier claims"),
        ],
    )
    workbook.close()
    return path

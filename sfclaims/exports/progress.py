"""Progress information for the department: per quarter of episode start, how many families were
attached, assessed, given a plan and a lead practitioner, eligible, claimable and claimed, with a
chart for the board paper."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from sfclaims.decisions import Assessed
from sfclaims.exports.workbook import new_workbook, write_notes, write_table
from sfclaims.framework import Framework
from sfclaims.quarters import quarter_of
from sfclaims.rules.essentials import NO_ASSESSMENT, NO_LEAD_PRACTITIONER, NO_PLAN
from sfclaims.rules.ledger import ALREADY_CLAIMED

MEASURES = (
    "attached",
    "assessed",
    "with a plan",
    "with a lead practitioner",
    "eligible",
    "claimable",
    "claimed",
)


def progress_rows(assessed: list[Assessed], quarters: str) -> list[tuple]:
    counts: dict[str, Counter[str]] = {}
    for family in assessed:
        d = family.decision
        reasons = set(d.reasons)
        seen = counts.setdefault(quarter_of(family.episode_start, quarters), Counter())
        seen["attached"] += 1
        seen["assessed"] += NO_ASSESSMENT() not in reasons
        seen["with a plan"] += NO_PLAN() not in reasons
        seen["with a lead practitioner"] += NO_LEAD_PRACTITIONER() not in reasons
        seen["eligible"] += d.eligible
        seen["claimable"] += d.claimable
        seen["claimed"] += ALREADY_CLAIMED() in reasons
    return [(q, *(counts[q][m] for m in MEASURES)) for q in sorted(counts)]


def write_progress(
    rows: list[tuple], as_of: date, quarters: str, framework: Framework, folder: Path
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"progress-{as_of.isoformat()}.xlsx"
    workbook = new_workbook(path, f"Supporting Families progress as of {as_of:%d/%m/%Y}")
    sheet = write_table(workbook, "Progress", (f"quarter ({quarters})", *MEASURES), rows)
    if rows:
        chart = workbook.add_chart({"type": "column"})
        for column in range(1, len(MEASURES) + 1):
            chart.add_series(
                {
                    "name": ["Progress", 0, column],
                    "categories": ["Progress", 1, 0, len(rows), 0],
                    "values": ["Progress", 1, column, len(rows), column],
                }
            )
        chart.set_title({"name": "Families by quarter of episode start"})
        chart.set_x_axis({"name": "quarter"})
        chart.set_y_axis({"name": "families"})
        chart.set_size({"width": 960, "height": 420})
        sheet.insert_chart(len(rows) + 3, 0, chart)
    write_notes(
        workbook,
        "About",
        [
            ("as of", as_of),
            ("quarters", f"{quarters} quarters of the episode start date"),
            ("outcome framework", framework.label()),
            ("claimed", "in a submitted claim run or in the record of earlier claims"),
        ],
    )
    workbook.close()
    return path

"""The forecast workbook: the families not yet claimable with their dates and actions, and the
quarters ahead with a chart of cumulative claimable against the allocation left."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from sfclaims.deciding.forecasting import Casework, Pipeline
from sfclaims.deciding.rules.catalogue import describe
from sfclaims.deciding.rules.forecast import Forecast
from sfclaims.intake.kinds import LIST_SEPARATOR
from sfclaims.outputs.files import write_plain_csv
from sfclaims.platform.framework import Framework
from sfclaims.platform.workbook import (
    chart_below_its_table,
    columns_against_a_line,
    new_workbook,
    print_on_one_page,
    write_notes,
    write_table,
)

FORECAST_COLUMNS = ("family_id", "status", "forecast_date", "reasons", "actions")

FAMILY_HEADERS = (
    "family",
    "team",
    "locality",
    "status",
    "forecast date",
    "what must happen first",
    "reasons",
    "reasons in words",
)
QUARTER_HEADERS = (
    "quarter",
    "from",
    "to",
    "becoming claimable",
    "claimable by then (cumulative)",
    "allocation left",
)


def team_and_locality(work: Casework | None) -> tuple[str, str]:
    return (work.team or "", work.locality or "") if work else ("", "")


def write_forecast_workbook(
    pipeline: Pipeline, quarters: str, framework: Framework, folder: Path
) -> Path:
    path = folder / f"forecast-{pipeline.as_of.isoformat()}.xlsx"
    workbook = new_workbook(path, f"Supporting Families forecast as of {pipeline.as_of:%d/%m/%Y}")
    rows = [
        (
            f.family_id,
            *team_and_locality(pipeline.casework.get(f.family_id)),
            f.status,
            f.forecast_date,
            "\n".join(f.actions),
            "\n".join(f.reasons),
            "\n".join(describe(code).title for code in f.reasons),
        )
        for f in pipeline.families
    ]
    write_table(workbook, "Families", FAMILY_HEADERS, rows, wrapped=(5, 6, 7))
    left = pipeline.allocation_left
    quarter_rows = [
        (
            q.quarter.label,
            q.quarter.start,
            q.quarter.end,
            q.new,
            q.cumulative,
            left if left is not None else "not set",
        )
        for q in pipeline.quarters
    ]
    sheet = write_table(workbook, "Quarters", QUARTER_HEADERS, quarter_rows)
    if quarter_rows:
        chart = columns_against_a_line(
            workbook,
            "Quarters",
            len(quarter_rows),
            ((4, "#1D70B8"),),  # claimable by then
            5 if left is not None else None,
            "Families claimable by each quarter against the allocation left",
        )
        chart_below_its_table(sheet, len(quarter_rows), chart)
    print_on_one_page(sheet)
    write_notes(
        workbook,
        "About",
        [
            ("as of", pipeline.as_of),
            ("families decided", pipeline.decided),
            ("claimable at the date", pipeline.claimable),
            *((f"status: {status}", count) for status, count in pipeline.by_status()),
            ("waiting beyond the last quarter shown", pipeline.later),
            ("quarters", f"{quarters} quarters after the one the date falls in"),
            ("outcome framework", framework.label()),
            (
                "assumptions",
                "An achieved outcome keeps holding and is recorded as still held when checked; "
                "each child's attendance after the date is as good, or as poor, as in the "
                "latest complete term; nothing else changes (no new needs, records, referrals "
                "or claims).",
            ),
        ],
    )
    workbook.close()
    return path


def forecast_row(f: Forecast) -> tuple[str, str, str, str, str]:
    return (
        f.family_id,
        f.status,
        f.forecast_date.isoformat() if f.forecast_date else "",
        LIST_SEPARATOR.join(f.reasons),
        LIST_SEPARATOR.join(f.actions),
    )


def write_forecast(families: list[Forecast], handle: TextIO) -> None:
    """The forecast file of contract.md: CSV, header row, sorted by family ID as text."""
    rows = (forecast_row(f) for f in sorted(families, key=lambda f: f.family_id))
    write_plain_csv(handle, FORECAST_COLUMNS, rows)

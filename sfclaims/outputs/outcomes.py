"""The outcomes report's workbook: per headline, then per team, this quarter beside the ones
before it, and a chart of the outcomes sustained by headline with its table. Each sheet prints
on one landscape page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sfclaims.deciding.outcomes_report import MEASURES, QuarterOutcomes
from sfclaims.platform.framework import Framework
from sfclaims.platform.workbook import (
    chart_below_its_table,
    columns_against_a_line,
    new_workbook,
    print_on_one_page,
    write_notes,
    write_table,
)


def write_outcomes(
    quarters: list[QuarterOutcomes], framework: Framework, as_of: date, folder: Path
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"outcomes-{as_of.isoformat()}.xlsx"
    workbook = new_workbook(path, f"Supporting Families outcomes as of {as_of:%d/%m/%Y}")
    headers = ("headline", *(f"{q.name} {m}" for q in quarters for m in MEASURES))
    rows: list[tuple[Any, ...]] = [
        ("families worked with", *(v for q in quarters for v in (q.families, None, None)))
    ]
    for headline in framework.headlines:
        rows.append(
            (
                f"{headline.title} ({headline.code})",
                *(v for q in quarters for v in q.by_headline[headline.code]),
            )
        )
    print_on_one_page(write_table(workbook, "Outcomes", headers, rows))
    teams = sorted({t for q in quarters for t in q.by_team})
    team_headers = (
        "team",
        *(f"{q.name} {m}" for q in quarters for m in ("families worked with", *MEASURES)),
    )
    team_rows = [
        (team, *(v for q in quarters for v in q.by_team.get(team, (0, 0, 0, 0)))) for team in teams
    ]
    print_on_one_page(write_table(workbook, "By team", team_headers, team_rows))
    last = quarters[-1]
    chart_rows = [
        (headline.code, *(q.by_headline[headline.code][2] for q in quarters))
        for headline in framework.headlines
    ]
    chart_sheet = write_table(
        workbook, "Sustained", ("headline", *(q.name for q in quarters)), chart_rows
    )
    chart = columns_against_a_line(
        workbook,
        "Sustained",
        len(chart_rows),
        ((len(quarters), "#00703C"),),
        None,
        f"Outcomes sustained by headline, {last.name}",
    )
    chart_below_its_table(chart_sheet, len(chart_rows), chart)
    print_on_one_page(chart_sheet)
    write_notes(
        workbook,
        "About",
        [
            ("as of", as_of),
            ("quarters", ", ".join(f"{q.name} (as of {q.as_of:%d/%m/%Y})" for q in quarters)),
            ("worked with", "a family whose episode was open on a day of the quarter"),
            ("needs", "each family's identified need under a headline, counted once"),
            (
                "outcomes achieved",
                "needs under the headline each evidenced by an achieved outcome, as the rules "
                "decide them as of the quarter's last day",
            ),
            (
                "outcomes sustained",
                "achieved needs whose outcome held its months past the episode's end (or, for "
                "education, attendance): no reason under the headline stands",
            ),
            ("outcome framework", framework.label()),
            ("claims", "none: these are outcomes, claimed or not"),
        ],
    )
    workbook.close()
    return path

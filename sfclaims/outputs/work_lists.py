"""The decisions workbook: the work lists a manager hands out, beside the decisions CSV.

Families not yet claimable are split by what it takes: *fixable now* (a record missing or
incomplete that someone can put right this week) and *waiting* (time alone: an outcome within its
sustain period, an open episode), each with team, locality, lead practitioner, episode dates,
every reason in words, what to do, and the forecast date where there is one.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sfclaims.deciding.decisions import (
    FIXABLE_NOW,
    OTHER_WORK,
    REASON_COMBINATIONS,
    WAITING_ONLY,
    Assessed,
    work_list,
)
from sfclaims.deciding.forecasting import Casework
from sfclaims.deciding.rules.catalogue import describe, what_to_do
from sfclaims.platform.framework import Framework
from sfclaims.platform.workbook import (
    new_workbook,
    print_on_one_page,
    write_notes,
    write_table,
)

HEADERS = (
    "family",
    "team",
    "locality",
    "lead practitioner",
    "episode start",
    "episode end",
    "claimable",
    "forecast date",
    "reasons",
    "reasons in words",
    "what to do",
)
WRAPPED = (8, 9, 10)


def family_row(family: Assessed, work: Casework | None) -> tuple[Any, ...]:
    d = family.decision
    prospect = family.forecast
    return (
        d.family_id,
        (work.team if work else None) or "",
        (work.locality if work else None) or "",
        (work.lead_practitioner if work else None) or "",
        family.episode_start,
        work.episode_end if work else None,
        "yes" if d.claimable else "no",
        prospect.forecast_date if prospect else None,
        *_in_words(d.reasons),
    )


@functools.lru_cache(maxsize=REASON_COMBINATIONS)
def _in_words(reasons: tuple[str, ...]) -> tuple[str, str, str]:
    """The reasons, their titles and what to do, a line each."""
    return (
        "\n".join(reasons),
        "\n".join(describe(code).title for code in reasons),
        "\n".join(dict.fromkeys(what_to_do(code) for code in reasons)),
    )


def write_work_lists(
    path: Path, assessed: list[Assessed], casework: dict[str, Casework], framework: Framework
) -> Path:
    as_of = assessed[0].decision.as_of if assessed else None
    title = f"Supporting Families decisions as of {as_of:%d/%m/%Y}" if as_of else "decisions"
    workbook = new_workbook(path, title)
    lists: dict[str | None, list[tuple[Any, ...]]] = {
        FIXABLE_NOW: [],
        WAITING_ONLY: [],
        OTHER_WORK: [],
    }
    for family in assessed:
        listed = work_list(family)
        if listed is not None:
            lists[listed].append(family_row(family, casework.get(family.decision.family_id)))
    for name, rows in (
        ("Fixable now", lists[FIXABLE_NOW]),
        ("Waiting", lists[WAITING_ONLY]),
        ("Other work", lists[OTHER_WORK]),
    ):
        sheet = write_table(workbook, name, HEADERS, rows, wrapped=WRAPPED)
        print_on_one_page(sheet, wide_only=True)
    write_notes(
        workbook,
        "About",
        [
            ("as of", as_of),
            ("families decided", len(assessed)),
            ("claimable", sum(a.decision.claimable for a in assessed)),
            (
                "fixable now",
                f"{len(lists[FIXABLE_NOW]):,}: a record missing or incomplete (assessment, plan, "
                "lead practitioner, an outcome not yet recorded, attendance data) and nothing "
                "that cannot be put right",
            ),
            (
                "waiting",
                f"{len(lists[WAITING_ONLY]):,}: only time stands between the family and a claim "
                "(an outcome within its sustain period, an open episode); the forecast date is "
                "when, if nothing else changes",
            ),
            (
                "other work",
                f"{len(lists[OTHER_WORK]):,}: can be claimed once a child's attendance is good "
                "again or records an auditor failed are put right",
            ),
            (
                "not listed",
                "families claimable now (they go in the claim run) and those that cannot be "
                "claimed; the decisions CSV has every family",
            ),
            ("outcome framework", framework.label()),
            ("filter", "each sheet's header row filters by team, locality or worker"),
        ],
    )
    workbook.close()
    return path

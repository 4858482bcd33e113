"""The outcomes report: the ten headlines' outcomes without a claim (contract.md, `report
outcomes`). Per quarter: the families worked with, their needs by headline, the outcomes
achieved and the outcomes sustained by headline, and the same by team — for any framework,
one that pays by results or one that pays nothing.

Each quarter's figures are the rules' own, as of the quarter's last day (the as-of date for
the quarter it falls in): a need under a headline is *achieved* when no reason under the
headline says an identified need has no evidencing outcome (NEED_WITHOUT_OUTCOME), and
*sustained* when no reason under the headline stands at all (the outcome held its months past
the episode's end, or attendance met it). A family is *worked with* in a quarter when its
episode was open on a day of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sfclaims.deciding.decisions import Assessed
from sfclaims.deciding.rules.outcomes import NEED_WITHOUT_OUTCOME
from sfclaims.platform.framework import Framework

MEASURES = ("needs", "outcomes achieved", "outcomes sustained")
NO_TEAM = "(no team)"


@dataclass(frozen=True)
class Episode:
    start: date
    end: date | None
    team: str | None


@dataclass(frozen=True)
class QuarterOutcomes:
    """One quarter's figures: ``by_headline`` and ``by_team`` count needs (a family's headline),
    outcomes achieved and outcomes sustained, in ``MEASURES`` order."""

    name: str  # the quarter in the authority's convention
    first_day: date
    as_of: date  # the day its figures were decided as of
    families: int  # worked with in the quarter
    by_headline: dict[str, tuple[int, int, int]]
    by_team: dict[str, tuple[int, int, int, int]]  # families worked with, then MEASURES


def worked_with(episode: Episode, first_day: date, last_day: date) -> bool:
    """Whether the family's episode was open on some day of the quarter."""
    return episode.start <= last_day and (episode.end is None or episode.end >= first_day)


def headline_standing(code: str, reasons: tuple[str, ...]) -> tuple[bool, bool]:
    """Whether the family's need under the headline is achieved, and sustained, as the rules
    decided it (its reasons under the headline)."""
    under = [r for r in reasons if r.endswith(f":{code}")]
    achieved = NEED_WITHOUT_OUTCOME(code) not in under
    return achieved, achieved and not under


def quarter_outcomes(
    name: str,
    first_day: date,
    as_of: date,
    assessed: list[Assessed],
    episodes: dict[str, Episode],
    framework: Framework,
) -> QuarterOutcomes:
    """The quarter's figures from its families decided as of ``as_of`` (its last day)."""
    headlines: dict[str, Counter[str]] = {code: Counter() for code in framework.headline_codes}
    teams: dict[str, Counter[str]] = {}
    families = 0
    for family in assessed:
        episode = episodes.get(family.decision.family_id)
        if episode is None or not worked_with(episode, first_day, as_of):
            continue
        families += 1
        team = teams.setdefault(episode.team or NO_TEAM, Counter())
        team["families"] += 1
        for code in family.decision.needs:
            achieved, sustained = headline_standing(code, family.decision.reasons)
            for counts in (headlines[code], team):
                counts["needs"] += 1
                counts["outcomes achieved"] += achieved
                counts["outcomes sustained"] += sustained
    return QuarterOutcomes(
        name,
        first_day,
        as_of,
        families,
        {code: tuple(c[m] for m in MEASURES) for code, c in headlines.items()},  # type: ignore[misc]
        {
            team: (c["families"], *(c[m] for m in MEASURES))  # type: ignore[misc]
            for team, c in sorted(teams.items())
        },
    )


def quarter_ends(as_of: date, count: int) -> list[tuple[date, date]]:
    """The ``count`` quarters up to the one holding ``as_of``, oldest first: each its first day
    and the day its figures are decided as of (its last day; ``as_of`` for the last quarter)."""
    found = []
    last = as_of
    for _ in range(count):
        first = date(last.year, (last.month - 1) // 3 * 3 + 1, 1)
        found.append((first, last))
        last = first - timedelta(days=1)
    return found[::-1]

"""The forecast of domain.md ("Forecast"): for a family decided at D that is not claimable, the
date it becomes claimable if nothing else changes, or what someone must do first.

Its assumptions: an achieved outcome keeps holding (its Sustained Until is brought up to date when
it is checked); a child's attendance in every term after D is as good, or as poor, as in the
child's latest complete term at D; nothing else changes. Pure functions of the family's facts at
D and its decision, like the rules.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sfclaims.deciding.facts import FamilyBundle, NeedFacts, PersonFacts
from sfclaims.deciding.rules.attendance import (
    SchoolTerm,
    complete_terms,
    school_age_children,
    term_attendance,
    terms_ending_after,
)
from sfclaims.deciding.rules.catalogue import (
    CANNOT_BE_CLAIMED,
    NEEDS_ACTION,
    PROSPECTS,
    WAITING,
    describe,
    what_to_do,
)
from sfclaims.deciding.rules.essentials import episode_end
from sfclaims.deciding.rules.outcomes import (
    NEED_WITHOUT_OUTCOME,
    could_evidence,
    evidencing,
    met_by_attendance,
    needs_by_headline,
    sustained,
)
from sfclaims.platform.dates import add_months
from sfclaims.platform.framework import Framework, Headline

if TYPE_CHECKING:
    from sfclaims.deciding.rules import Decision


class Forecast(NamedTuple):
    """One family's prospects: its status, the date it becomes claimable (waiting only), and
    what must happen first (actions, or the reasons it cannot be claimed, in words)."""

    family_id: str
    status: str  # waiting, needs action or cannot be claimed
    forecast_date: date | None
    reasons: tuple[str, ...]
    actions: tuple[str, ...]


class Ready(NamedTuple):
    """When one need is met if nothing else changes, and what the date relies on."""

    day: date
    relies_on: str  # an action in words; empty for a need already met at D


def forecast(
    family: FamilyBundle, decision: Decision, framework: Framework, as_of: date
) -> Forecast:
    """The forecast of a family decided at the date that is not claimable."""
    if decision.claimable:
        raise ValueError(f"family {decision.family_id} is claimable: there is nothing to forecast")
    needs = needs_by_headline(family, as_of)
    achieved = could_evidence(family.outcomes, as_of)
    prospects = {
        code: _prospect(code, family, framework, as_of, needs, achieved)
        for code in decision.reasons
    }
    status = max(prospects.values(), key=PROSPECTS.index)
    if status == CANNOT_BE_CLAIMED:
        actions = tuple(describe(c).title for c, p in prospects.items() if p == CANNOT_BE_CLAIMED)
        return Forecast(decision.family_id, status, None, decision.reasons, actions)
    if status == NEEDS_ACTION:
        actions = tuple(
            dict.fromkeys(what_to_do(c) for c, p in prospects.items() if p == NEEDS_ACTION)
        )
        return Forecast(decision.family_id, status, None, decision.reasons, actions)
    readies = [
        _ready(need, family, framework, as_of, framework.headline(code), achieved)
        for code, under in needs.items()
        for need in under
    ]
    if any(r is None for r in readies):  # cannot happen: every reason waits for a date
        raise ValueError(f"family {decision.family_id} waits on a need with no date")
    known = [r for r in readies if r is not None]
    day = max([as_of + timedelta(days=1), *(r.day for r in known)])
    actions = tuple(dict.fromkeys(r.relies_on for r in known if r.relies_on))
    return Forecast(decision.family_id, WAITING, day, decision.reasons, actions)


def _prospect(
    code: str,
    family: FamilyBundle,
    framework: Framework,
    as_of: date,
    needs: dict[str, list[NeedFacts]],
    achieved: dict[str | None, list[int]],
) -> str:
    """What a reason means for the family: the catalogue's, except that a need without an
    outcome under a headline that attendance evidences waits when attendance will meet every
    such need."""
    declared, _, code_of_headline = code.partition(":")
    if declared == NEED_WITHOUT_OUTCOME.code:
        headline = framework.headline(code_of_headline)
        if headline.evidenced_by_attendance:
            without = [
                n
                for n in needs.get(headline.code, [])
                if not evidencing(n, family.outcomes, achieved)
            ]
            if all(_ready_by_attendance(n, family, framework, as_of) for n in without):
                return WAITING
    return describe(code).prospect


def _ready(
    need: NeedFacts,
    family: FamilyBundle,
    framework: Framework,
    as_of: date,
    headline: Headline,
    achieved: dict[str | None, list[int]],
) -> Ready | None:
    """The need's ready date: the earlier of by outcome and (under a headline attendance
    evidences) by attendance; the date itself for a need already met at it. ``achieved``:
    ``could_evidence`` of the family's outcomes."""
    evidenced = [family.outcomes[place] for place in evidencing(need, family.outcomes, achieved)]
    if any(sustained(o, family, headline, as_of) for o in evidenced) or (
        headline.evidenced_by_attendance and met_by_attendance(need, family, framework, as_of)[0]
    ):
        return Ready(as_of, "")
    end = episode_end(family, as_of)
    by_outcome = [
        Ready(
            day,
            f"record that outcome {o.outcome_id} still held, on or after "
            f"{max(day, as_of + timedelta(days=1)):%d/%m/%Y}",
        )
        for o in evidenced
        if o.achieved_date is not None
        for day in (
            add_months(max(o.achieved_date, end or o.achieved_date), headline.sustain_months),
        )
    ]
    by_attendance = (
        _ready_by_attendance(need, family, framework, as_of)
        if headline.evidenced_by_attendance
        else None
    )
    candidates = [*by_outcome, *([by_attendance] if by_attendance else [])]
    return min(candidates, key=lambda r: r.day) if candidates else None


def _ready_by_attendance(
    need: NeedFacts, family: FamilyBundle, framework: Framework, as_of: date
) -> Ready | None:
    """A child's own need: the child's date; a family-level need: the latest date of every
    school-age child (none if any child has none)."""
    if need.person_id is not None:
        pupils = [p for p in family.people if p.person_id == need.person_id]
    else:
        pupils = school_age_children(family, framework, as_of)
    days = [_pupil_ready(p, need.date_identified, family, framework, as_of) for p in pupils]
    if not days or any(d is None for d in days):
        return None
    pupil, term = max(
        ((p, d) for p, d in zip(pupils, days, strict=True) if d is not None),
        key=lambda pair: pair[1].end,
    )
    return Ready(
        term.end,
        f"record {pupil.person_id}'s attendance in the {term} term, ending {term.end:%d/%m/%Y}",
    )


def _pupil_ready(
    pupil: PersonFacts, identified: date, family: FamilyBundle, framework: Framework, as_of: date
) -> SchoolTerm | None:
    """Only when the child's latest complete term at D is good: the end of the earliest term T
    ending after D such that T and the terms before it that the framework asks for are all good
    (terms after D counted good) and all start on or after the need was identified."""
    if not pupil.upn:
        return None
    needed = framework.thresholds.attendance_terms_needed
    before = list(reversed(complete_terms(framework, as_of, needed)))  # earliest first
    good_before = [
        term_attendance(family, pupil.upn, t, framework).is_good(framework) for t in before
    ]
    if not good_before[-1]:
        return None
    after = terms_ending_after(framework, as_of, needed + 1)
    terms = before + after
    good = good_before + [True] * len(after)
    for last in range(len(before), len(terms)):
        window = range(last - needed + 1, last + 1)
        if all(good[i] and terms[i].start >= identified for i in window):
            return terms[last]
    return None

"""Every need has an evidenced outcome that held: per headline, NEED_WITHOUT_OUTCOME when some
need has no evidencing outcome, else OUTCOME_NOT_SUSTAINED when some need has none that held."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from fractions import Fraction

from sfclaims.deciding.facts import FamilyBundle, NeedFacts, OutcomeFacts, PersonFacts
from sfclaims.deciding.rules.attendance import (
    TermAttendance,
    complete_terms,
    good_recent_terms,
    school_age_children,
    term_attendance,
)
from sfclaims.deciding.rules.catalogue import (
    FIX_A_RECORD,
    NEEDS_ACTION,
    TIME_ALONE,
    WAITING,
    reason,
    rule,
)
from sfclaims.deciding.rules.eligibility import identified_needs
from sfclaims.deciding.rules.essentials import episode_end
from sfclaims.deciding.rules.findings import Finding, Record, is_citing, record_of, saying
from sfclaims.intake.kinds import ACHIEVED
from sfclaims.platform.dates import add_months
from sfclaims.platform.framework import Framework, Headline

NEED_WITHOUT_OUTCOME = reason(
    "NEED_WITHOUT_OUTCOME",
    "Need without an evidenced outcome",
    "Some identified need under the headline has no achieved outcome that evidences it.",
    per_headline=True,
    to_do="Record the achieved outcome that evidences each need",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
OUTCOME_NOT_SUSTAINED = reason(
    "OUTCOME_NOT_SUSTAINED",
    "Outcome not sustained",
    "Every need under the headline is evidenced, but some need has no evidencing outcome that "
    "held for the framework's months after the later of achievement and case closure.",
    per_headline=True,
    to_do="Wait until the outcome has held for the sustain period, then record that it still held",
    prospect=WAITING,
    remedy=TIME_ALONE,
)

BY_OUTCOME = "outcome"
BY_ATTENDANCE = "attendance"


def achieved_by(outcome: OutcomeFacts, as_of: date) -> bool:
    """Achieved, on a date recorded, by the date: what an outcome needs to evidence any need.
    A decide for the reasons alone reads no other outcome (``read_for_reasons``: the loader asks
    the same of the table); change one, change both."""
    return (
        outcome.status == ACHIEVED
        and outcome.achieved_date is not None
        and outcome.achieved_date <= as_of
    )


def answers(achieved: OutcomeFacts, need: NeedFacts) -> bool:
    """An outcome ``achieved_by`` the date evidences the need: same headline, achieved on or
    after the need was identified, and for the same person or for the whole family (a
    family-level need takes only a family-level outcome)."""
    return (
        achieved.headline == need.headline
        and need.date_identified <= achieved.achieved_date  # type: ignore[operator]
        and (achieved.person_id is None or achieved.person_id == need.person_id)
    )


def could_evidence(outcomes: Sequence[OutcomeFacts], as_of: date) -> dict[str | None, list[int]]:
    """The places of the outcomes ``achieved_by`` the date, by the person each is for (None:
    the whole family)."""
    found: dict[str | None, list[int]] = {}
    for place, outcome in enumerate(outcomes):
        if achieved_by(outcome, as_of):
            found.setdefault(outcome.person_id, []).append(place)
    return found


def evidencing(
    need: NeedFacts, outcomes: Sequence[OutcomeFacts], achieved: dict[str | None, list[int]]
) -> list[int]:
    """The places, in order, of the outcomes that evidence the need, given ``could_evidence``
    of them: only the family's and the need's person's can (``answers``)."""
    places = achieved.get(None, [])
    if need.person_id is not None and need.person_id in achieved:
        places = sorted([*places, *achieved[need.person_id]])
    return [place for place in places if answers(outcomes[place], need)]


def sustained(outcome: OutcomeFacts, family: FamilyBundle, headline: Headline, as_of: date) -> bool:
    """Held for the headline's months from the later of achievement and the episode's end (or
    from achievement alone while the episode is open): sustained-until, capped at the date."""
    if outcome.sustained_until is None or outcome.achieved_date is None:
        return False
    end = episode_end(family, as_of)
    start = max(outcome.achieved_date, end) if end is not None else outcome.achieved_date
    return min(outcome.sustained_until, as_of) >= add_months(start, headline.sustain_months)


def met_by_attendance(
    need: NeedFacts, family: FamilyBundle, framework: Framework, as_of: date
) -> tuple[bool, list[Record]]:
    """A child's own need: the child's recent terms (or, where the framework reads it so, every
    school-age child's: the family fails when any one fails); a family need: every school-age
    child's. A pupil whose attendance was severe before the need was identified may meet it by
    a relative improvement, where the framework reads it so (``Readings``)."""
    every_child = framework.readings.child_need_attendance == "every child"
    if need.person_id is not None and not every_child:
        pupils = [p for p in family.people if p.person_id == need.person_id]
    else:
        pupils = school_age_children(family, framework, as_of)
    if not pupils:
        return False, []
    records: list[Record] = []
    met = True
    for pupil in pupils:
        good, terms = good_recent_terms(family, pupil, framework, as_of, need.date_identified)
        if not good:
            good, from_severe = improved_from_severe(family, pupil, framework, as_of, need)
            terms = [*terms, *from_severe]
        met = met and good
        for term in terms:
            records.extend(term.cited(pupil))
    return met, records


def improved_from_severe(
    family: FamilyBundle, pupil: PersonFacts, framework: Framework, as_of: date, need: NeedFacts
) -> tuple[bool, list[TermAttendance]]:
    """Whether the pupil, attending less than the framework's severe-absence share in the last
    complete term before the need was identified, attended the most recent complete term (one
    that started after it) better by the framework's relative improvement; and the two terms.
    Never, where the framework does not read severe absence so (its shares 0)."""
    readings = framework.readings
    if not (readings.severe_absence_attended_below and pupil.upn):
        return False, []
    (before,) = complete_terms(framework, need.date_identified, 1)
    (latest,) = complete_terms(framework, as_of, 1)
    then = term_attendance(family, pupil.upn, before, framework)
    now = term_attendance(family, pupil.upn, latest, framework)
    if not (then.has_data and now.has_data) or latest.start < need.date_identified:
        return False, [then, now]
    attended_then = Fraction(then.possible - then.missed, then.possible)
    attended_now = Fraction(now.possible - now.missed, now.possible)
    improved = (
        attended_then < readings.severe_absence_attended_below
        and attended_now >= attended_then * (1 + readings.severe_absence_improvement)
    )
    return improved, [then, now]


def headline_outcomes(
    family: FamilyBundle,
    framework: Framework,
    as_of: date,
    headline: Headline,
    needs: list[NeedFacts],
    outcomes: list[OutcomeFacts] | None = None,
) -> Finding:
    """The finding for one headline, given the family's identified needs under it (and the
    family's outcomes under it, where the caller has them). Each outcome is judged sustained
    once, however many needs it evidences, and each need's attendance once per pupil and day
    identified; the records behind the finding are built only while citing (``findings``)."""
    if outcomes is None:
        outcomes = [o for o in family.outcomes if o.headline == headline.code]
    cite = is_citing()
    unevidenced: list[str] = []
    unsustained: list[str] = []
    records: list[Record] = []
    evidenced_by: set[str] = set()
    held: dict[int, bool] = {}  # an outcome's place -> sustained

    def holds(place: int) -> bool:
        if place not in held:
            held[place] = sustained(outcomes[place], family, headline, as_of)
        return held[place]

    achieved = could_evidence(outcomes, as_of)
    by_attendance: dict[tuple[str | None, date], tuple[bool, list[Record]]] = {}
    for need in needs:
        if headline.evidenced_by_attendance:
            asked = need.person_id, need.date_identified  # all that the attendance reads of it
            if asked not in by_attendance:
                by_attendance[asked] = met_by_attendance(need, family, framework, as_of)
            met, attendance_records = by_attendance[asked]
        else:
            met, attendance_records = False, []
        if met and not cite:  # met by attendance: its outcomes matter only to the records
            evidenced_by.add(BY_ATTENDANCE)
            continue
        evidenced = evidencing(need, outcomes, achieved)
        if cite:
            records.append(record_of(need))
            records.extend(
                record_of(outcomes[place], "sustained" if holds(place) else "not sustained")
                for place in evidenced
            )
            records.extend(attendance_records)
        if met:
            evidenced_by.add(BY_ATTENDANCE)
        elif not evidenced:
            unevidenced.append(need.need_id)
        elif not any(holds(place) for place in evidenced):
            unsustained.append(need.need_id)
        else:
            evidenced_by.add(BY_OUTCOME)
    this = every_need_met.id, f"{headline.code}: every need has a sustained outcome"
    unique_records = tuple(dict.fromkeys(records))
    if unevidenced:
        return Finding(
            *this,
            (NEED_WITHOUT_OUTCOME(headline.code),),
            saying(
                lambda: (
                    f"Need(s) {', '.join(unevidenced)} have no achieved outcome that "
                    "evidences them."
                )
            ),
            unique_records,
            headline.code,
        )
    if unsustained:
        return Finding(
            *this,
            (OUTCOME_NOT_SUSTAINED(headline.code),),
            saying(
                lambda: (
                    f"The outcomes of need(s) {', '.join(unsustained)} did not hold for "
                    f"{headline.sustain_months} months."
                )
            ),
            unique_records,
            headline.code,
        )
    how = _HOW[BY_OUTCOME in evidenced_by, BY_ATTENDANCE in evidenced_by]
    return Finding(
        *this,
        (),
        saying(
            lambda: (
                f"All {len(needs)} need(s) have an evidenced, sustained outcome "
                f"(by {' and '.join(how)})."
            )
        ),
        unique_records,
        headline.code,
        how,
    )


#: How a headline's needs were met, in this order, by whether some were by outcome, by attendance
_HOW = {
    (by_outcome, by_attendance): (BY_OUTCOME,) * by_outcome + (BY_ATTENDANCE,) * by_attendance
    for by_outcome in (False, True)
    for by_attendance in (False, True)
}


@rule(
    "every_need_met",
    "Every need has an evidenced, sustained outcome",
    NEED_WITHOUT_OUTCOME,
    OUTCOME_NOT_SUSTAINED,
    per_headline=True,
)
def every_need_met(family: FamilyBundle, framework: Framework, as_of: date) -> list[Finding]:
    by_headline = needs_by_headline(family, as_of)
    outcomes: dict[str, list[OutcomeFacts]] = {}
    for outcome in family.outcomes:
        outcomes.setdefault(outcome.headline, []).append(outcome)
    return [
        headline_outcomes(
            family, framework, as_of, h, by_headline[h.code], outcomes.get(h.code, [])
        )
        for h in framework.headlines
        if h.code in by_headline
    ]


def needs_by_headline(family: FamilyBundle, as_of: date) -> dict[str, list[NeedFacts]]:
    """The family's identified needs as of the date, by headline."""
    found: dict[str, list[NeedFacts]] = {}
    for need in identified_needs(family, as_of):
        found.setdefault(need.headline, []).append(need)
    return found

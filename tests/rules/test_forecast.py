"""domain.md, "Forecast": one hand-built family per rule, with the exact date or action; and the
property that the forecast date is the first day the family is claimable once the forecast's
assumptions are made true in its data."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sfclaims.deciding.facts import FamilyBundle
from sfclaims.deciding.rules import decide
from sfclaims.deciding.rules.attendance import complete_terms, term_attendance, terms_ending_after
from sfclaims.deciding.rules.catalogue import CANNOT_BE_CLAIMED, NEEDS_ACTION, WAITING
from sfclaims.deciding.rules.forecast import Forecast, forecast
from sfclaims.platform.framework import load_framework
from tests.rules.builders import (
    AS_OF,
    attendance,
    claimable_family,
    need,
    outcome,
    person,
    with_people,
)

FRAMEWORK = load_framework()


def forecast_of(family: FamilyBundle, as_of: date = AS_OF) -> Forecast:
    return forecast(family, decide(family, FRAMEWORK, as_of), FRAMEWORK, as_of)


def health_outcome(achieved: date, outcome_id: str = "O1"):  # the need N1's headline and person
    return outcome(outcome_id, "HEALTH", "P1", achieved=achieved, sustained_until=AS_OF)


def with_health(*health) -> FamilyBundle:
    family = claimable_family()
    return replace(family, outcomes=(*health, *family.outcomes[1:]))


def test_a_claimable_family_has_nothing_to_forecast():
    with pytest.raises(ValueError, match="claimable"):
        forecast_of(claimable_family())


def test_cannot_be_claimed_names_the_reasons_in_the_catalogue_s_words():
    family = claimable_family(needs=claimable_family().needs[:2])  # two headlines: too few
    got = forecast_of(family)
    assert (got.status, got.forecast_date) == (CANNOT_BE_CLAIMED, None)
    assert got.actions == ("Too few headline needs",)


def test_cannot_be_claimed_outranks_needs_action():
    family = claimable_family(needs=claimable_family().needs[:2], plans=())
    assert forecast_of(family).status == CANNOT_BE_CLAIMED


def test_needs_action_lists_what_to_do_and_has_no_date():
    family = with_health(health_outcome(date(2025, 6, 1)))  # waiting on HEALTH...
    family = replace(family, plans=(), lead_practitioners=())  # ...and two records missing
    got = forecast_of(family)
    assert (got.status, got.forecast_date) == (NEEDS_ACTION, None)
    assert got.actions == (
        "Start and record a family action plan",
        "Assign and record a lead practitioner",
    )


def test_an_outcome_not_sustained_waits_until_sustain_start_plus_the_months():
    # achieved after the episode ended (30/09/2024): the sustain period starts at achievement
    got = forecast_of(with_health(health_outcome(date(2025, 6, 1))))
    assert (got.status, got.forecast_date) == (WAITING, date(2025, 12, 1))
    assert got.actions == ("record that outcome O1 still held, on or after 01/12/2025",)


def test_the_sustain_period_starts_at_the_episode_end_when_that_is_later():
    # achieved 01/06/2024, episode ended 31/08/2025: 31/08 + 6 months clamps to 28/02/2026
    family = with_health(health_outcome(date(2024, 6, 1)))
    family = replace(family, episode_end=date(2025, 8, 31))
    family = replace(
        family, outcomes=tuple(o._replace(sustained_until=AS_OF) for o in family.outcomes)
    )
    got = forecast_of(family)
    assert got.forecast_date == date(2026, 2, 28)
    assert got.reasons == (
        "OUTCOME_NOT_SUSTAINED:HEALTH",
        "OUTCOME_NOT_SUSTAINED:HOUSING",
        "OUTCOME_NOT_SUSTAINED:FINANCE",
    )


def test_a_need_is_ready_by_its_earliest_evidencing_outcome():
    family = with_health(
        health_outcome(date(2025, 8, 20), "O1"), health_outcome(date(2025, 7, 5), "O9")
    )
    got = forecast_of(family)
    assert got.forecast_date == date(2026, 1, 5)
    assert got.actions == ("record that outcome O9 still held, on or after 05/01/2026",)


def test_the_family_date_is_the_latest_over_its_needs():
    family = claimable_family()
    family = replace(
        family,
        outcomes=(
            health_outcome(date(2025, 5, 10)),
            outcome("O2", "HOUSING", achieved=date(2025, 8, 3), sustained_until=AS_OF),
            family.outcomes[2],  # FINANCE met at the date
        ),
    )
    got = forecast_of(family)
    assert got.forecast_date == date(2026, 2, 3)
    assert got.actions == (
        "record that outcome O1 still held, on or after 10/11/2025",
        "record that outcome O2 still held, on or after 03/02/2026",
    )


def test_the_date_is_never_earlier_than_the_day_after():
    # held six months by 01/04/2025 but recorded as held only until 01/03/2025
    early = outcome(
        "O1", "HEALTH", "P1", achieved=date(2024, 10, 1), sustained_until=date(2025, 3, 1)
    )
    got = forecast_of(with_health(early))
    assert got.forecast_date == date(2025, 10, 1)
    assert got.actions == ("record that outcome O1 still held, on or after 01/10/2025",)


def education_family(identified: date, missed: tuple[int, int, int]) -> FamilyBundle:
    """C1 (U1) has an education need of their own and no outcome for it; the three complete
    terms of 2024/25 with these sessions missed out of 120."""
    family = claimable_family()
    terms = ("Autumn", "Spring", "Summer")
    return replace(
        family,
        needs=(*family.needs, need("N4", "EDUCATION", "C1", identified=identified)),
        plans=tuple(p._replace(headlines=p.headlines | {"EDUCATION"}) for p in family.plans),
        attendance={
            "U1": tuple(
                attendance("U1", "2024/25", t, 120, m) for t, m in zip(terms, missed, strict=True)
            )
        },
    )


def test_education_without_outcome_waits_for_attendance_when_the_latest_term_is_good():
    # Spring 2025 poor: the first three good terms in a row end with Spring 2025/26
    got = forecast_of(education_family(date(2024, 1, 15), (3, 40, 3)))
    assert got.reasons == ("NEED_WITHOUT_OUTCOME:EDUCATION",)
    assert (got.status, got.forecast_date) == (WAITING, date(2026, 3, 31))
    assert got.actions == ("record C1's attendance in the Spring 2025/26 term, ending 31/03/2026",)


def test_terms_ending_after_the_date_count_good_from_the_one_under_way():
    # Autumn 2024 poor only: Spring, Summer 2025 and Autumn 2025/26 (under way) are three good
    got = forecast_of(education_family(date(2024, 1, 15), (40, 3, 3)))
    assert got.forecast_date == date(2025, 12, 31)


def test_every_term_counted_must_start_on_or_after_the_need_was_identified():
    # identified 15/05/2025: Summer 2025 started before it, so Autumn 25, Spring 26, Summer 26
    got = forecast_of(education_family(date(2025, 5, 15), (3, 3, 3)))
    assert got.forecast_date == date(2026, 7, 31)


def test_education_without_outcome_needs_action_when_the_latest_term_is_poor():
    got = forecast_of(education_family(date(2024, 1, 15), (3, 3, 40)))
    assert got.status == NEEDS_ACTION
    assert "EDUCATION: Record the achieved outcome that evidences each need" in got.actions


def test_a_family_education_need_waits_for_the_latest_of_every_school_age_child():
    family = education_family(date(2024, 1, 15), (3, 3, 3))
    family = replace(family, needs=(*family.needs[:3], need("N4", "EDUCATION", None)))
    family = with_people(family, *family.people, person("C2", born=date(2014, 2, 1), upn="U2"))
    terms = ("Autumn", "Spring", "Summer")
    poor_spring = tuple(
        attendance("U2", "2024/25", t, 120, m) for t, m in zip(terms, (3, 40, 3), strict=True)
    )
    family = replace(family, attendance={**family.attendance, "U2": poor_spring})
    got = forecast_of(family)
    assert (got.status, got.forecast_date) == (WAITING, date(2026, 3, 31))
    assert got.actions == ("record C2's attendance in the Spring 2025/26 term, ending 31/03/2026",)


def test_a_family_education_need_needs_action_when_a_child_s_latest_term_is_poor():
    family = education_family(date(2024, 1, 15), (3, 3, 3))
    family = replace(family, needs=(*family.needs[:3], need("N4", "EDUCATION", None)))
    family = with_people(family, *family.people, person("C2", born=date(2014, 2, 1), upn="U2"))
    poor_summer = (attendance("U2", "2024/25", "Summer", 120, 40),)
    family = replace(family, attendance={**family.attendance, "U2": poor_summer})
    got = forecast_of(family)
    assert got.status == NEEDS_ACTION
    assert "EDUCATION: Record the achieved outcome that evidences each need" in got.actions


# --- the property ---------------------------------------------------------------------------

day_before = st.integers(min_value=0, max_value=500).map(lambda n: AS_OF - timedelta(days=n))


@st.composite
def waiting_families(draw) -> FamilyBundle:  # type: ignore[no-untyped-def]
    """Claimable families with their outcome dates, episode end and attendance drawn: many are
    left waiting."""
    family = claimable_family(episode_end=draw(day_before))
    outcomes = tuple(
        o._replace(
            achieved_date=draw(st.dates(date(2024, 1, 15), AS_OF)), sustained_until=draw(day_before)
        )
        for o in family.outcomes
    )
    family = replace(family, outcomes=outcomes)
    if draw(st.booleans()):
        identified = draw(st.dates(date(2023, 6, 1), AS_OF))
        missed = (draw(st.integers(0, 30)), draw(st.integers(0, 30)), draw(st.integers(0, 11)))
        school = education_family(identified, missed)
        family = replace(school, episode_end=family.episode_end, outcomes=family.outcomes)
    return family


def assumptions_made_true(family: FamilyBundle, until: date) -> FamilyBundle:
    """The forecast's assumptions in the data: every achieved outcome recorded as held up to
    the day, and each pupil's attendance in every term after AS_OF that ends by the day as in
    their latest complete term at AS_OF."""
    (latest,) = complete_terms(FRAMEWORK, AS_OF, 1)
    rows = dict(family.attendance)
    for pupil in family.people:
        if not pupil.upn:
            continue
        was = term_attendance(family, pupil.upn, latest, FRAMEWORK)
        later = [t for t in terms_ending_after(FRAMEWORK, AS_OF, 12) if t.end <= until]
        rows[pupil.upn] = (
            *rows.get(pupil.upn, ()),
            *(
                attendance(pupil.upn, t.academic_year, t.term.name, was.possible, was.missed)
                for t in later
            ),
        )
    outcomes = tuple(
        o._replace(sustained_until=max(o.sustained_until or until, until)) for o in family.outcomes
    )
    return replace(family, outcomes=outcomes, attendance=rows)


@settings(max_examples=300, deadline=None)
@given(waiting_families())
def test_on_its_forecast_date_a_waiting_family_is_claimable_and_not_a_day_before(family):
    assume(not decide(family, FRAMEWORK, AS_OF).claimable)
    prospect = forecast_of(family)
    assume(prospect.status == WAITING)
    day = prospect.forecast_date
    assert day is not None and day > AS_OF
    assert decide(assumptions_made_true(family, day), FRAMEWORK, day).claimable
    if day > AS_OF + timedelta(days=1):
        before = day - timedelta(days=1)
        assert not decide(assumptions_made_true(family, before), FRAMEWORK, before).claimable

from dataclasses import replace
from datetime import date

from sfclaims.deciding.rules import decide
from sfclaims.platform.framework import load_framework
from tests.rules.builders import (
    AS_OF,
    attendance,
    claimable_family,
    good_terms,
    need,
    outcome,
    person,
    with_people,
)

FRAMEWORK = load_framework()


def reasons(family, as_of=AS_OF):
    return decide(family, FRAMEWORK, as_of).reasons


def with_outcome(**changes):
    """The baseline family with its FINANCE outcome (for P1) changed."""
    family = claimable_family()
    finance = family.outcomes[2]._replace(**changes)
    return replace(family, outcomes=(*family.outcomes[:2], finance))


def test_a_need_with_no_outcome_at_all():
    family = claimable_family()
    assert reasons(replace(family, outcomes=family.outcomes[:2])) == (
        "NEED_WITHOUT_OUTCOME:FINANCE",
    )


def test_an_outcome_not_achieved_does_not_evidence():
    assert reasons(with_outcome(status="In Progress")) == ("NEED_WITHOUT_OUTCOME:FINANCE",)


def test_an_outcome_achieved_before_the_need_was_identified_does_not_count():
    assert reasons(with_outcome(achieved_date=date(2024, 1, 14))) == (
        "NEED_WITHOUT_OUTCOME:FINANCE",
    )
    assert reasons(with_outcome(achieved_date=date(2024, 1, 15))) == ()


def test_an_outcome_achieved_after_the_date_does_not_exist_yet():
    assert reasons(with_outcome(achieved_date=date(2025, 10, 1))) == (
        "NEED_WITHOUT_OUTCOME:FINANCE",
    )


def test_a_person_need_takes_that_persons_outcome_or_a_family_level_one():
    assert reasons(with_outcome(person_id="C1")) == ("NEED_WITHOUT_OUTCOME:FINANCE",)
    assert reasons(with_outcome(person_id=None)) == ()


def test_a_family_level_need_takes_only_a_family_level_outcome():
    family = claimable_family()
    person_outcome = outcome("O2", "HOUSING", "P1")  # N2 (HOUSING) is family-level
    changed = replace(family, outcomes=(family.outcomes[0], person_outcome, family.outcomes[2]))
    assert reasons(changed) == ("NEED_WITHOUT_OUTCOME:HOUSING",)


def test_a_blank_sustained_until_is_not_sustained():
    assert reasons(with_outcome(sustained_until=None)) == ("OUTCOME_NOT_SUSTAINED:FINANCE",)


def test_sustainment_runs_from_the_episode_end_when_that_is_later_than_the_achievement():
    # achieved 01/06/2024, episode ended 30/09/2024: must hold until 30/03/2025
    assert reasons(with_outcome(sustained_until=date(2025, 3, 29))) == (
        "OUTCOME_NOT_SUSTAINED:FINANCE",
    )
    assert reasons(with_outcome(sustained_until=date(2025, 3, 30))) == ()


def test_sustainment_runs_from_the_achievement_when_that_is_after_the_episode_end():
    late = with_outcome(achieved_date=date(2024, 12, 1), sustained_until=date(2025, 5, 31))
    assert reasons(late) == ("OUTCOME_NOT_SUSTAINED:FINANCE",)
    held = with_outcome(achieved_date=date(2024, 12, 1), sustained_until=date(2025, 6, 1))
    assert reasons(held) == ()


def test_sustainment_uses_month_end_clamping():
    family = claimable_family(episode_end=date(2024, 8, 31))
    finance = family.outcomes[2]._replace(sustained_until=date(2025, 2, 28))
    assert reasons(replace(family, outcomes=(*family.outcomes[:2], finance))) == ()
    short = finance._replace(sustained_until=date(2025, 2, 27))
    assert reasons(replace(family, outcomes=(*family.outcomes[:2], short))) == (
        "OUTCOME_NOT_SUSTAINED:FINANCE",
    )


def test_sustained_until_is_capped_at_the_date():
    # held "until" a date after D counts only up to D
    family = claimable_family()
    as_of = date(2025, 3, 29)
    later = family.outcomes[2]._replace(sustained_until=date(2026, 1, 1))
    changed = replace(family, outcomes=(*family.outcomes[:2], later))
    assert "OUTCOME_NOT_SUSTAINED:FINANCE" in reasons(changed, as_of=as_of)
    assert "OUTCOME_NOT_SUSTAINED:FINANCE" not in reasons(changed, as_of=date(2025, 3, 30))


def test_while_the_episode_is_open_sustainment_runs_from_the_achievement_alone():
    family = with_outcome(sustained_until=date(2024, 12, 1))  # achieved 01/06/2024 + 6 months
    open_family = replace(family, episode_end=None)
    assert reasons(open_family) == ("EPISODE_OPEN",)
    assert reasons(family) == ("OUTCOME_NOT_SUSTAINED:FINANCE",)


def test_need_without_outcome_beats_outcome_not_sustained_for_the_same_headline():
    family = claimable_family()
    extra_need = need("N4", "FINANCE", "C1")  # no outcome for C1
    unsustained = family.outcomes[2]._replace(sustained_until=None)
    changed = replace(
        family, needs=(*family.needs, extra_need), outcomes=(*family.outcomes[:2], unsustained)
    )
    assert reasons(changed) == ("NEED_WITHOUT_OUTCOME:FINANCE",)


def test_each_headline_gets_its_own_code_in_headline_order():
    family = claimable_family()
    changed = replace(family, outcomes=(family.outcomes[0]._replace(sustained_until=None),))
    assert reasons(changed) == (
        "NEED_WITHOUT_OUTCOME:HOUSING",
        "NEED_WITHOUT_OUTCOME:FINANCE",
        "OUTCOME_NOT_SUSTAINED:HEALTH",
    )


def education_family(need_person="C1", terms=None, identified=date(2024, 1, 15), people=None):
    family = claimable_family()
    education = need("N4", "EDUCATION", need_person, identified=identified)
    return replace(
        family,
        needs=(*family.needs, education),
        plans=(family.plans[0]._replace(headlines=family.plans[0].headlines | {"EDUCATION"}),),
        attendance={"U1": terms if terms is not None else good_terms("U1")},
        people=people or family.people,
    )


def test_a_childs_education_need_is_met_by_three_good_recent_terms():
    assert reasons(education_family()) == ()


def test_education_by_attendance_needs_every_one_of_the_three_terms_good():
    poor = (
        attendance("U1", "2024/25", "Autumn", 120, 3),
        attendance("U1", "2024/25", "Spring", 100, 10),
        attendance("U1", "2024/25", "Summer", 120, 3),
    )
    assert reasons(education_family(terms=poor)) == ("NEED_WITHOUT_OUTCOME:EDUCATION",)


def test_the_terms_must_all_start_on_or_after_the_need_was_identified():
    # Autumn 2024/25 starts 01/09/2024; a need identified on 02/09/2024 is too late for it
    assert reasons(education_family(identified=date(2024, 9, 1))) == ()
    assert reasons(education_family(identified=date(2024, 9, 2))) == (
        "NEED_WITHOUT_OUTCOME:EDUCATION",
    )


def test_a_16_year_olds_own_education_need_still_counts_by_attendance():
    parent = person("P1", role="Parent/Carer", born=date(1985, 3, 3))
    sixteen = person("C1", born=date(2009, 1, 1), upn="U1")
    assert reasons(education_family(people=(parent, sixteen))) == ()


def test_a_family_level_education_need_needs_every_school_age_child_to_meet_it():
    parent = person("P1", role="Parent/Carer", born=date(1985, 3, 3))
    second = person("C2", born=date(2013, 1, 1), upn="U2")
    family = with_people(education_family(need_person=None), parent, person("C1", upn="U1"), second)
    both_good = replace(family, attendance={"U1": good_terms("U1"), "U2": good_terms("U2")})
    assert reasons(both_good) == ()
    one_poor = replace(
        both_good,
        attendance={
            "U1": good_terms("U1"),
            "U2": (*good_terms("U2")[:2], attendance("U2", "2024/25", "Summer", 100, 20)),
        },
    )
    assert reasons(one_poor) == ("NEED_WITHOUT_OUTCOME:EDUCATION", "ATTENDANCE_CHECK_FAILED")


def test_a_family_level_education_need_with_no_school_age_child_is_not_met_by_attendance():
    parent = person("P1", role="Parent/Carer", born=date(1985, 3, 3))
    toddler = person("C1", born=date(2022, 1, 1))
    assert "NEED_WITHOUT_OUTCOME:EDUCATION" in reasons(
        education_family(need_person=None, people=(parent, toddler))
    )


def test_an_education_outcome_still_evidences_when_attendance_does_not():
    family = education_family(terms=())
    with_outcome_row = replace(
        family,
        outcomes=(*family.outcomes, outcome("O4", "EDUCATION", "C1")),
        attendance={"U1": good_terms("U1")[2:]},
    )
    assert reasons(with_outcome_row) == ()

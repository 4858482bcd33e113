from dataclasses import replace
from datetime import date

from sfclaims.deciding.rules import decide
from sfclaims.platform.framework import load_framework
from tests.rules.builders import AS_OF, claimable_family, need, outcome, person

FRAMEWORK = load_framework()


def reasons(family, as_of=AS_OF):
    return decide(family, FRAMEWORK, as_of).reasons


def test_the_baseline_family_is_claimable_and_eligible():
    decision = decide(claimable_family(), FRAMEWORK, AS_OF)
    assert decision.reasons == ()
    assert decision.claimable and decision.eligible
    assert decision.needs == ("HEALTH", "HOUSING", "FINANCE")


def test_two_headlines_are_not_eligible():
    family = claimable_family()
    family = replace(family, needs=family.needs[:2], outcomes=family.outcomes[:2])
    decision = decide(family, FRAMEWORK, AS_OF)
    assert decision.reasons == ("NOT_ELIGIBLE",)
    assert not decision.eligible and not decision.claimable


def test_several_needs_under_one_headline_count_once():
    family = claimable_family(
        needs=(need("N1", "HEALTH", "P1"), need("N2", "HEALTH"), need("N3", "FINANCE", "P1"))
    )
    assert "NOT_ELIGIBLE" in reasons(family)


def test_a_need_found_later_in_the_work_counts_the_same():
    family = claimable_family()
    late = need("N3", "FINANCE", "P1", identified=date(2024, 5, 20))  # disclosed months in
    family = replace(family, needs=(*family.needs[:2], late))
    assert reasons(family) == ()


def test_a_withdrawn_need_never_counts_and_needs_no_outcome():
    family = claimable_family()
    withdrawn = need("N4", "DOMESTIC_ABUSE", "P1", status="Withdrawn")
    assert reasons(replace(family, needs=(*family.needs, withdrawn))) == ()
    two_and_withdrawn = (*family.needs[:2], need("N3", "FINANCE", "P1", status="Withdrawn"))
    assert reasons(replace(family, needs=two_and_withdrawn)) == ("NOT_ELIGIBLE",)


def test_a_need_identified_after_the_date_does_not_exist_yet():
    family = claimable_family()
    future = need("N3", "FINANCE", "P1", identified=date(2025, 10, 1))
    decision = decide(replace(family, needs=(*family.needs[:2], future)), FRAMEWORK, AS_OF)
    assert decision.reasons == ("NOT_ELIGIBLE",)
    assert decision.needs == ("HEALTH", "HOUSING")


def test_a_child_aged_17_at_the_episode_start_is_dependent_but_18_is_not():
    parent = person("P1", role="Parent/Carer", born=date(1980, 1, 1))
    seventeen = person("C1", born=date(2006, 1, 11))  # 17 on 10/01/2024, 18 the day after
    eighteen = person("C1", born=date(2006, 1, 10))
    assert "NO_DEPENDENT_CHILD" not in reasons(claimable_family(people=(parent, seventeen)))
    assert "NO_DEPENDENT_CHILD" in reasons(claimable_family(people=(parent, eighteen)))


def test_a_child_with_no_date_of_birth_counts_as_dependent():
    parent = person("P1", role="Parent/Carer", born=date(1980, 1, 1))
    assert "NO_DEPENDENT_CHILD" not in reasons(
        claimable_family(people=(parent, person("C1", born=None)))
    )


def test_an_expectant_parent_makes_a_family_without_children_eligible():
    parent = person("P1", role="Parent/Carer", born=date(1990, 1, 1))
    assert "NO_DEPENDENT_CHILD" in reasons(claimable_family(people=(parent,)))
    expecting = parent._replace(expectant_parent=True)
    decision = decide(claimable_family(people=(expecting,)), FRAMEWORK, AS_OF)
    assert "NO_DEPENDENT_CHILD" not in decision.reasons and decision.eligible


def test_a_child_outside_the_household_is_not_a_dependent_child():
    parent = person("P1", role="Parent/Carer", born=date(1980, 1, 1))
    away = person("C1", household=False)
    decision = decide(claimable_family(people=(parent, away)), FRAMEWORK, AS_OF)
    assert "NO_DEPENDENT_CHILD" in decision.reasons and not decision.eligible


def test_eligibility_codes_are_the_only_ones_that_make_a_family_not_eligible():
    family = claimable_family(outcomes=(outcome("O1", "HEALTH", "P1"),))
    decision = decide(family, FRAMEWORK, AS_OF)
    assert decision.eligible and not decision.claimable

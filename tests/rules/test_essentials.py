from dataclasses import replace
from datetime import date

from sfclaims.deciding.facts import AssessmentFacts, LeadPractitionerFacts, PlanFacts
from sfclaims.deciding.rules import decide
from sfclaims.platform.framework import load_framework
from tests.rules.builders import AS_OF, HERE, claimable_family

FRAMEWORK = load_framework()
EVERYONE = frozenset({"P1", "C1"})


def reasons(family, as_of=AS_OF):
    return decide(family, FRAMEWORK, as_of).reasons


def assessment(completed=date(2024, 2, 1), whole=True, members=EVERYONE, assessment_id="A1"):
    return AssessmentFacts(assessment_id, completed, whole, frozenset(members), HERE)


def plan(
    start=date(2024, 2, 10),
    members=EVERYONE,
    headlines=("HEALTH", "HOUSING", "FINANCE"),
    plan_id="PL1",
    end=None,
):
    return PlanFacts(plan_id, start, end, frozenset(members), frozenset(headlines), HERE)


def lead(start=date(2024, 1, 12), recognised=True, end=None):
    return LeadPractitionerFacts("W1", "Sam", start, end, recognised, HERE)


def test_no_assessment_at_all():
    assert reasons(claimable_family(assessments=())) == ("NO_ASSESSMENT",)


def test_an_assessment_not_completed_or_completed_after_the_date_is_no_assessment():
    assert reasons(claimable_family(assessments=(assessment(completed=None),))) == (
        "NO_ASSESSMENT",
    )
    late = assessment(completed=date(2025, 10, 1))
    assert reasons(claimable_family(assessments=(late,))) == ("NO_ASSESSMENT",)


def test_an_assessment_must_be_whole_family_and_cover_every_household_member():
    not_whole = assessment(whole=False)
    part = assessment(members={"P1"})
    assert reasons(claimable_family(assessments=(not_whole,))) == ("ASSESSMENT_NOT_WHOLE_FAMILY",)
    assert reasons(claimable_family(assessments=(part,))) == ("ASSESSMENT_NOT_WHOLE_FAMILY",)
    both = (not_whole, assessment(assessment_id="A2"))
    assert reasons(claimable_family(assessments=both)) == ()


def test_no_plan_and_a_plan_starting_after_the_date():
    assert reasons(claimable_family(plans=())) == ("NO_PLAN",)
    assert reasons(claimable_family(plans=(plan(start=date(2025, 10, 1)),))) == ("NO_PLAN",)


def test_plans_taken_together_must_cover_every_household_member():
    assert reasons(claimable_family(plans=(plan(members={"P1"}),))) == ("PLAN_NOT_WHOLE_FAMILY",)
    together = (plan(members={"P1"}), plan(members={"C1"}, plan_id="PL2"))
    assert reasons(claimable_family(plans=together)) == ()


def test_a_plan_that_has_ended_still_counts():
    assert reasons(claimable_family(plans=(plan(end=date(2024, 9, 1)),))) == ()


def test_plans_must_address_every_identified_headline():
    short = plan(headlines=("HEALTH", "HOUSING"))
    assert reasons(claimable_family(plans=(short,))) == ("PLAN_MISSING_NEEDS",)
    split = (short, plan(headlines=("FINANCE",), plan_id="PL2"))
    assert reasons(claimable_family(plans=split)) == ()


def test_lead_practitioner_missing_late_or_not_recognised():
    assert reasons(claimable_family(lead_practitioners=())) == ("NO_LEAD_PRACTITIONER",)
    late = lead(start=date(2025, 10, 1))
    assert reasons(claimable_family(lead_practitioners=(late,))) == ("NO_LEAD_PRACTITIONER",)
    unrecognised = lead(recognised=False)
    assert reasons(claimable_family(lead_practitioners=(unrecognised,))) == (
        "LEAD_PRACTITIONER_NOT_RECOGNISED",
    )


def test_an_ended_lead_practitioner_assignment_still_counts():
    assert reasons(claimable_family(lead_practitioners=(lead(end=date(2024, 9, 1)),))) == ()


def test_an_open_episode_cannot_be_claimed():
    open_family = claimable_family(episode_end=None)
    assert "EPISODE_OPEN" in reasons(open_family)


def test_an_episode_ending_after_the_date_is_open_as_of_the_date():
    family = claimable_family(episode_end=date(2025, 10, 15))
    assert "EPISODE_OPEN" in reasons(family)
    assert "EPISODE_OPEN" not in reasons(family, as_of=date(2026, 6, 30))


def test_every_rule_is_evaluated_so_all_reasons_show_at_once():
    family = replace(
        claimable_family(), assessments=(), plans=(), lead_practitioners=(), episode_end=None
    )
    assert reasons(family) == ("NO_ASSESSMENT", "NO_PLAN", "NO_LEAD_PRACTITIONER", "EPISODE_OPEN")

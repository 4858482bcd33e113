"""Tiny families for the rule tests: ``claimable_family()`` passes every rule as of AS_OF, and
each test changes the one fact it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sfclaims.deciding.facts import (
    AssessmentFacts,
    AttendanceFacts,
    FamilyBundle,
    LeadPractitionerFacts,
    NeedFacts,
    OutcomeFacts,
    PersonFacts,
    PlanFacts,
    PreviousClaimFacts,
    ReferralFacts,
    Source,
)

AS_OF = date(2025, 9, 30)
HERE = Source("test", 2)
HEADLINES = ("HEALTH", "HOUSING", "FINANCE")


def person(
    person_id: str,
    role: str = "Child",
    born: date | None = date(2015, 5, 1),
    upn: str | None = None,
    household: bool = True,
    expectant: bool = False,
) -> PersonFacts:
    return PersonFacts(person_id, role, born, upn, household, expectant, HERE)


def need(
    need_id: str,
    headline: str,
    person_id: str | None = None,
    identified: date = date(2024, 1, 15),
    status: str = "Identified",
) -> NeedFacts:
    return NeedFacts(need_id, person_id, headline, identified, status, HERE)


def outcome(
    outcome_id: str,
    headline: str,
    person_id: str | None = None,
    achieved: date | None = date(2024, 6, 1),
    sustained_until: date | None = date(2025, 9, 30),
    status: str = "Achieved",
) -> OutcomeFacts:
    return OutcomeFacts(outcome_id, person_id, headline, status, achieved, sustained_until, HERE)


def attendance(
    upn: str,
    year: str,
    term: str,
    possible: int,
    missed: int,
    school: str = "100001",
    unauthorised: int | None = None,
) -> AttendanceFacts:
    return AttendanceFacts(upn, school, year, term, possible, missed, unauthorised, HERE)


def good_terms(
    upn: str, terms=(("2024/25", "Autumn"), ("2024/25", "Spring"), ("2024/25", "Summer"))
) -> tuple[AttendanceFacts, ...]:
    return tuple(attendance(upn, year, term, 120, 3) for year, term in terms)


def referral(
    referral_id: str,
    when: date,
    service: str = "Children's Social Care",
    decision: str = "Accepted",
    family_id: str | None = "F1",
    person_id: str | None = None,
    decided: date | None = None,
) -> ReferralFacts:
    return ReferralFacts(referral_id, family_id, person_id, when, service, decision, decided, HERE)


def claimable_family(**changes) -> FamilyBundle:  # type: ignore[no-untyped-def]
    """A family that is claimable as of AS_OF; keyword arguments replace its facts."""
    parent = person("P1", role="Parent/Carer", born=date(1985, 3, 3))
    child = person("C1", upn="U1")
    family = FamilyBundle(
        family_id="F1",
        episode_start=date(2024, 1, 10),
        episode_end=date(2024, 9, 30),
        source=HERE,
        people=(parent, child),
        needs=(need("N1", "HEALTH", "P1"), need("N2", "HOUSING"), need("N3", "FINANCE", "P1")),
        assessments=(AssessmentFacts("A1", date(2024, 2, 1), True, frozenset({"P1", "C1"}), HERE),),
        plans=(
            PlanFacts(
                "PL1", date(2024, 2, 10), None, frozenset({"P1", "C1"}), frozenset(HEADLINES), HERE
            ),
        ),
        lead_practitioners=(
            LeadPractitionerFacts("W1", "Sam", date(2024, 1, 12), None, True, HERE),
        ),
        outcomes=(
            outcome("O1", "HEALTH", "P1"),
            outcome("O2", "HOUSING"),
            outcome("O3", "FINANCE", "P1"),
        ),
        attendance={"U1": good_terms("U1")},
    )
    return replace(family, **changes)


def previous_claim(period: str = "2024-Q3") -> PreviousClaimFacts:
    return PreviousClaimFacts(period, date(2024, 8, 19), HERE)


def with_people(family: FamilyBundle, *people: PersonFacts) -> FamilyBundle:
    """The family with these people, its assessment and plan covering every household member."""
    everyone = frozenset(p.person_id for p in people if p.household_member)
    return replace(
        family,
        people=people,
        assessments=tuple(a._replace(members=everyone) for a in family.assessments),
        plans=tuple(p._replace(members=everyone) for p in family.plans),
    )

"""Properties that hold for any family (hypothesis builds the families)."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sfclaims.deciding.facts import (
    AssessmentFacts,
    FamilyBundle,
    LeadPractitionerFacts,
    PlanFacts,
    ReferralFacts,
)
from sfclaims.deciding.rules import ELIGIBILITY_CODES, canonical_codes, decide
from sfclaims.platform.framework import load_framework
from tests.rules.builders import HERE, attendance, need, outcome, person

FRAMEWORK = load_framework()
ORDER = canonical_codes(FRAMEWORK)
AS_OF = date(2025, 9, 30)
HEADLINES = FRAMEWORK.headline_codes
PEOPLE = ("P1", "C1", "C2")
days = st.integers(min_value=-900, max_value=120).map(lambda n: AS_OF + timedelta(days=n))
maybe_day = st.one_of(st.none(), days)
someone = st.sampled_from((None, *PEOPLE))
members = st.frozensets(st.sampled_from(PEOPLE), min_size=1)


@st.composite
def families(draw) -> FamilyBundle:  # type: ignore[no-untyped-def]
    start = draw(days)
    people = (
        person("P1", role="Parent/Carer", born=date(1985, 1, 1), expectant=draw(st.booleans())),
        person(
            "C1",
            born=draw(st.one_of(st.none(), st.dates(date(2005, 1, 1), date(2024, 1, 1)))),
            upn=draw(st.sampled_from((None, "U1"))),
        ),
        person("C2", born=date(2012, 2, 29), upn="U2", household=draw(st.booleans())),
    )
    needs = tuple(
        need(
            f"N{i}",
            draw(st.sampled_from(HEADLINES)),
            draw(someone),
            identified=draw(days),
            status=draw(st.sampled_from(("Identified", "Identified", "Withdrawn"))),
        )
        for i in range(draw(st.integers(0, 6)))
    )
    outcomes = tuple(
        outcome(
            f"O{i}",
            draw(st.sampled_from(HEADLINES)),
            draw(someone),
            achieved=draw(maybe_day),
            sustained_until=draw(maybe_day),
            status=draw(st.sampled_from(("Achieved", "Achieved", "In Progress"))),
        )
        for i in range(draw(st.integers(0, 6)))
    )
    terms = [
        (y, t) for y in ("2023/24", "2024/25", "2025/26") for t in ("Autumn", "Spring", "Summer")
    ]
    upn_rows = {
        upn: tuple(
            attendance(upn, y, t, draw(st.integers(0, 150)), 0)
            for y, t in terms
            if draw(st.booleans())
        )
        for upn in ("U1", "U2")
    }
    upn_rows = {
        upn: tuple(
            r._replace(sessions_missed=draw(st.integers(0, r.possible_sessions))) for r in rows
        )
        for upn, rows in upn_rows.items()
    }
    return FamilyBundle(
        family_id="F1",
        episode_start=start,
        episode_end=draw(maybe_day),
        source=HERE,
        people=people,
        needs=needs,
        assessments=tuple(
            AssessmentFacts(f"A{i}", draw(maybe_day), draw(st.booleans()), draw(members), HERE)
            for i in range(draw(st.integers(0, 2)))
        ),
        plans=tuple(
            PlanFacts(
                f"PL{i}",
                draw(days),
                None,
                draw(members),
                draw(st.frozensets(st.sampled_from(HEADLINES))),
                HERE,
            )
            for i in range(draw(st.integers(0, 2)))
        ),
        lead_practitioners=tuple(
            LeadPractitionerFacts(f"W{i}", None, draw(days), None, draw(st.booleans()), HERE)
            for i in range(draw(st.integers(0, 2)))
        ),
        outcomes=outcomes,
        attendance=upn_rows,
        referrals=tuple(
            ReferralFacts(
                f"R{i}",
                "F1",
                None,
                draw(days),
                draw(st.sampled_from(("Early Help", "Children's Social Care", "Police"))),
                draw(st.sampled_from(("Accepted", "Signposted"))),
                None,
                HERE,
            )
            for i in range(draw(st.integers(0, 2)))
        ),
    )


def strictly_after(record_date: date) -> bool:
    return record_date > AS_OF


@settings(max_examples=300, deadline=None)
@given(families())
def test_claimable_exactly_when_no_reason_and_eligible_exactly_when_no_eligibility_reason(family):
    decision = decide(family, FRAMEWORK, AS_OF)
    assert decision.claimable == (decision.reasons == ())
    assert decision.eligible == (not set(decision.reasons) & set(ELIGIBILITY_CODES))


@settings(max_examples=300, deadline=None)
@given(families())
def test_reasons_are_always_in_canonical_order_without_repeats(family):
    reasons = decide(family, FRAMEWORK, AS_OF).reasons
    positions = [ORDER.index(code) for code in reasons]
    assert positions == sorted(set(positions))


@settings(max_examples=300, deadline=None)
@given(families(), st.data())
def test_a_record_dated_after_the_date_never_changes_a_decision(family, data):
    later = data.draw(st.integers(1, 400).map(lambda n: AS_OF + timedelta(days=n)))
    kind = data.draw(st.sampled_from(("need", "outcome", "assessment", "plan", "lead", "referral")))
    who = data.draw(someone)
    headline = data.draw(st.sampled_from(HEADLINES))
    if kind == "need":
        changed = replace(
            family, needs=(*family.needs, need("NX", headline, who, identified=later))
        )
    elif kind == "outcome":
        changed = replace(
            family,
            outcomes=(
                *family.outcomes,
                outcome("OX", headline, who, achieved=later, sustained_until=later),
            ),
        )
    elif kind == "assessment":
        changed = replace(
            family,
            assessments=(
                *family.assessments,
                AssessmentFacts("AX", later, True, frozenset(PEOPLE), HERE),
            ),
        )
    elif kind == "plan":
        changed = replace(
            family,
            plans=(
                *family.plans,
                PlanFacts("PX", later, None, frozenset(PEOPLE), frozenset(HEADLINES), HERE),
            ),
        )
    elif kind == "lead":
        changed = replace(
            family,
            lead_practitioners=(
                *family.lead_practitioners,
                LeadPractitionerFacts("WX", None, later, None, True, HERE),
            ),
        )
    else:
        changed = replace(
            family,
            referrals=(
                *family.referrals,
                ReferralFacts("RX", "F1", None, later, "Early Help", "Accepted", None, HERE),
            ),
        )
    before = decide(family, FRAMEWORK, AS_OF)
    after = decide(changed, FRAMEWORK, AS_OF)
    assert (after.reasons, after.needs) == (before.reasons, before.needs)

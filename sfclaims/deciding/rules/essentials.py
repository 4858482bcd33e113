"""The programme essentials: a whole-family assessment, a family action plan covering everyone
and every need, a lead practitioner the family recognises, and a closed case."""

from __future__ import annotations

from datetime import date

from sfclaims.deciding.facts import FamilyBundle, PlanFacts
from sfclaims.deciding.rules.catalogue import FIX_A_RECORD, NEEDS_ACTION, TIME_ALONE, reason, rule
from sfclaims.deciding.rules.eligibility import identified_headlines
from sfclaims.deciding.rules.findings import Finding, finding, record_of, records_of, saying
from sfclaims.platform.framework import Framework

NO_ASSESSMENT = reason(
    "NO_ASSESSMENT",
    "No completed assessment",
    "No assessment of the family was completed on or before the as-of date.",
    to_do="Complete and record a whole-family assessment",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
ASSESSMENT_NOT_WHOLE_FAMILY = reason(
    "ASSESSMENT_NOT_WHOLE_FAMILY",
    "No whole-family assessment",
    "Assessments were completed, but none is both marked whole-family and covers every "
    "household member.",
    to_do="Record a whole-family assessment that covers every household member",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
NO_PLAN = reason(
    "NO_PLAN",
    "No family action plan",
    "No family action plan started on or before the as-of date.",
    to_do="Start and record a family action plan",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
PLAN_NOT_WHOLE_FAMILY = reason(
    "PLAN_NOT_WHOLE_FAMILY",
    "Plans do not cover the whole family",
    "The family's plans, taken together, do not cover every household member.",
    to_do="Add every household member to the family action plan",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
PLAN_MISSING_NEEDS = reason(
    "PLAN_MISSING_NEEDS",
    "Plans do not address every need",
    "The family's plans, taken together, do not address every headline of its identified needs.",
    to_do="Add every headline need to the family action plan",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
NO_LEAD_PRACTITIONER = reason(
    "NO_LEAD_PRACTITIONER",
    "No lead practitioner",
    "No lead practitioner was assigned on or before the as-of date.",
    to_do="Assign and record a lead practitioner",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
LEAD_PRACTITIONER_NOT_RECOGNISED = reason(
    "LEAD_PRACTITIONER_NOT_RECOGNISED",
    "Lead practitioner not recognised",
    "Lead practitioners were assigned, but none is recorded as recognised by the family.",
    to_do="Record that the family recognises its lead practitioner",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
EPISODE_OPEN = reason(
    "EPISODE_OPEN",
    "Case still open",
    "The Supporting Families episode has no end date on or before the as-of date; outcomes are "
    "judged after the case closes.",
    to_do="Close the case once the family's needs are met",
    prospect=NEEDS_ACTION,
    remedy=TIME_ALONE,
)


def _household_ids(family: FamilyBundle) -> frozenset[str]:
    return frozenset(p.person_id for p in family.household)


@rule(
    "assessment",
    "A whole-family assessment completed",
    NO_ASSESSMENT,
    ASSESSMENT_NOT_WHOLE_FAMILY,
)
def assessment(family: FamilyBundle, _framework: Framework, as_of: date) -> Finding:
    completed = [
        a for a in family.assessments if a.completed_date is not None and a.completed_date <= as_of
    ]
    this = assessment.id, assessment.title
    if not completed:
        return Finding(*this, (NO_ASSESSMENT(),), "No assessment completed on or before the date.")
    household = _household_ids(family)
    whole = [a for a in completed if a.whole_family and household <= a.members]
    if whole:
        return Finding(
            *this,
            (),
            saying(
                lambda: (
                    f"Assessment {whole[0].assessment_id} is whole-family and "
                    f"covers all {len(household)} household members."
                )
            ),
            (record_of(whole[0]),),
        )
    return Finding(
        *this,
        (ASSESSMENT_NOT_WHOLE_FAMILY(),),
        saying(
            lambda: (
                f"{len(completed)} assessment(s) completed, but none is marked whole-family "
                f"and covers every household member."
            )
        ),
        records_of(completed),
    )


def _started_plans(family: FamilyBundle, as_of: date) -> list[PlanFacts]:
    return [p for p in family.plans if p.plan_start <= as_of]


@rule(
    "plan",
    "A family action plan covering the whole family",
    NO_PLAN,
    PLAN_NOT_WHOLE_FAMILY,
)
def plan(family: FamilyBundle, framework: Framework, as_of: date) -> Finding:
    started = _started_plans(family, as_of)
    if not started:
        return Finding(plan.id, plan.title, (NO_PLAN(),), "No plan started on or before the date.")
    covered = frozenset().union(*(p.members for p in started))
    left_out = sorted(_household_ids(family) - covered)
    return finding(
        plan.id,
        plan.title,
        bool(left_out),
        PLAN_NOT_WHOLE_FAMILY(),
        saying(
            lambda: (
                f"The plans leave out household member(s) {', '.join(left_out)}."
                if left_out
                else f"{len(started)} plan(s) cover every household member."
            )
        ),
        records_of(started),
    )


@rule("plan_addresses_needs", "The plans address every headline need", PLAN_MISSING_NEEDS)
def plan_addresses_needs(family: FamilyBundle, framework: Framework, as_of: date) -> Finding:
    started = _started_plans(family, as_of)
    this = plan_addresses_needs.id, plan_addresses_needs.title
    if not started:
        return Finding(*this, (), "No plan to check (see the plan rule).")
    addressed = frozenset().union(*(p.headlines for p in started))
    missing = [h for h in identified_headlines(family, framework, as_of) if h not in addressed]
    return finding(
        *this,
        bool(missing),
        PLAN_MISSING_NEEDS(),
        saying(
            lambda: (
                f"The plans do not address {', '.join(missing)}."
                if missing
                else "The plans address every identified headline."
            )
        ),
        records_of(started),
    )


@rule(
    "lead_practitioner",
    "A lead practitioner the family recognises",
    NO_LEAD_PRACTITIONER,
    LEAD_PRACTITIONER_NOT_RECOGNISED,
)
def lead_practitioner(family: FamilyBundle, _framework: Framework, as_of: date) -> Finding:
    assigned = [lp for lp in family.lead_practitioners if lp.start_date <= as_of]
    this = lead_practitioner.id, lead_practitioner.title
    if not assigned:
        return Finding(
            *this, (NO_LEAD_PRACTITIONER(),), "No lead practitioner assigned on or before the date."
        )
    recognised = [lp for lp in assigned if lp.recognised_by_family]
    return finding(
        *this,
        not recognised,
        LEAD_PRACTITIONER_NOT_RECOGNISED(),
        saying(
            lambda: (
                f"Lead practitioner {recognised[0].worker_id} is recognised by the family."
                if recognised
                else f"{len(assigned)} lead practitioner(s) assigned, none recorded as recognised "
                f"by the family."
            )
        ),
        records_of(recognised[:1] or assigned),
    )


@rule("case_closed", "The case is closed", EPISODE_OPEN)
def closed_episode(family: FamilyBundle, _framework: Framework, as_of: date) -> Finding:
    end = episode_end(family, as_of)
    return finding(
        closed_episode.id,
        closed_episode.title,
        end is None,
        EPISODE_OPEN(),
        saying(
            lambda: (
                f"The episode ended on {end:%d/%m/%Y}."
                if end
                else "The episode has no end date on or before the date."
            )
        ),
    )


def episode_end(family: FamilyBundle, as_of: date) -> date | None:
    """The episode's end as of the date: an end after the date does not exist yet."""
    if family.episode_end is not None and family.episode_end <= as_of:
        return family.episode_end
    return None

"""Eligibility: enough headline needs, and a dependent child or an expectant parent."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sfclaims.deciding.facts import FamilyBundle, NeedFacts
from sfclaims.deciding.rules.catalogue import CANNOT_BE_CLAIMED, reason, rule
from sfclaims.deciding.rules.findings import Finding, finding, records_of, saying
from sfclaims.intake.kinds import CHILD, IDENTIFIED
from sfclaims.platform.dates import age_on
from sfclaims.platform.framework import Framework

NOT_ELIGIBLE = reason(
    "NOT_ELIGIBLE",
    "Too few headline needs",
    "The family has fewer distinct headlines among its identified needs than the framework asks.",
    to_do="Nothing: the family has too few headline needs to be claimed",
    prospect=CANNOT_BE_CLAIMED,
)
NO_DEPENDENT_CHILD = reason(
    "NO_DEPENDENT_CHILD",
    "No dependent child or expectant parent",
    "No household member is a child under the age limit at the episode start, and nobody is "
    "flagged as an expectant parent.",
    to_do="Nothing: the family has no dependent child or expectant parent",
    prospect=CANNOT_BE_CLAIMED,
)


@lru_cache(maxsize=8)  # several rules ask for the same family in turn; families are immutable
def identified_needs(family: FamilyBundle, as_of: date) -> tuple[NeedFacts, ...]:
    """Needs with status Identified, identified on or before the as-of date (withdrawn never count)."""
    return tuple(n for n in family.needs if n.status == IDENTIFIED and n.date_identified <= as_of)


def identified_headlines(family: FamilyBundle, framework: Framework, as_of: date) -> list[str]:
    """The distinct headlines of the identified needs, in canonical order."""
    return list(_identified_headlines(family, as_of, framework.headline_codes))


@lru_cache(maxsize=8)  # the eligibility rule, the plan rule and the decision ask in turn
def _identified_headlines(
    family: FamilyBundle, as_of: date, canonical: tuple[str, ...]
) -> tuple[str, ...]:
    found = {n.headline for n in identified_needs(family, as_of)}
    return tuple(code for code in canonical if code in found)


@rule("enough_headlines", "Enough headline needs", NOT_ELIGIBLE)
def enough_headlines(family: FamilyBundle, framework: Framework, as_of: date) -> Finding:
    headlines = identified_headlines(family, framework, as_of)
    minimum = framework.thresholds.minimum_headlines
    failed = len(headlines) < minimum

    def listed() -> str:
        return ", ".join(headlines) or "none"

    return finding(
        enough_headlines.id,
        f"At least {minimum} headline needs",
        failed,
        NOT_ELIGIBLE(),
        saying(
            lambda: (
                f"Only {len(headlines)} headline{'s' if len(headlines) != 1 else ''} "
                f"identified ({listed()}); at least {minimum} are needed."
                if failed
                else f"{len(headlines)} headlines identified ({listed()})."
            )
        ),
        records_of(identified_needs(family, as_of)),
    )


@rule("dependent_child", "A dependent child or an expectant parent", NO_DEPENDENT_CHILD)
def dependent_child(family: FamilyBundle, framework: Framework, as_of: date) -> Finding:
    under = framework.thresholds.dependent_child_age_under
    children = [
        p
        for p in family.household
        if p.role == CHILD
        and (p.date_of_birth is None or age_on(p.date_of_birth, family.episode_start) < under)
    ]
    expectant = [p for p in family.people if p.expectant_parent]
    failed = not children and not expectant
    return finding(
        dependent_child.id,
        dependent_child.title,
        failed,
        NO_DEPENDENT_CHILD(),
        saying(
            lambda: (
                f"No household child under {under} at the episode start "
                f"({family.episode_start:%d/%m/%Y}) and no expectant parent."
                if failed
                else f"{len(children)} dependent child(ren) under {under} at the episode start "
                f"({family.episode_start:%d/%m/%Y}) and {len(expectant)} expectant parent(s)."
            )
        ),
        records_of(children + expectant),
    )

"""The rules: pure functions of (family, framework, as-of date) giving reasons and the records
each relied on. Every rule is evaluated for every family; a family is claimable when no reason
applies. ``RULES`` is the order of domain.md, declared once: the reasons in that order are the
canonical order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import orjson

from sfclaims.deciding.facts import FamilyBundle, Reads, check_cited
from sfclaims.deciding.rules import datachecks, eligibility, essentials, ledger, outcomes
from sfclaims.deciding.rules.catalogue import Reason, Rule
from sfclaims.deciding.rules.catalogue import canonical_codes as _canonical_codes
from sfclaims.deciding.rules.findings import Finding, citing, findings_to_json
from sfclaims.platform.framework import Framework

RULES: tuple[Rule, ...] = (
    eligibility.enough_headlines,
    eligibility.dependent_child,
    essentials.assessment,
    essentials.plan,
    essentials.plan_addresses_needs,
    essentials.lead_practitioner,
    essentials.closed_episode,
    outcomes.every_need_met,
    datachecks.attendance_check,
    datachecks.rereferral_check,
    ledger.no_failed_audit,
    ledger.not_claimed_before,
)
REASONS: tuple[Reason, ...] = tuple(r for rule in RULES for r in rule.reasons)
ELIGIBILITY_CODES = (eligibility.NOT_ELIGIBLE(), eligibility.NO_DEPENDENT_CHILD())


@dataclass(frozen=True)
class Decision:
    family_id: str
    as_of: date
    needs: tuple[str, ...]  # identified headline codes, canonical order
    reasons: tuple[str, ...]  # canonical order
    # every rule's finding with the records it relied on; left behind when decisions travel
    # between processes in bulk (see assessing.Assessed for the evidence that is kept)
    findings: tuple[Finding, ...] = field(default=(), compare=False, repr=False)

    @property
    def evidence(self) -> str:
        """The findings as JSON, as a claim keeps them."""
        return orjson.dumps(findings_to_json(self.findings)).decode()

    @property
    def eligible(self) -> bool:
        return not any(code in ELIGIBILITY_CODES for code in self.reasons)

    @property
    def claimable(self) -> bool:
        return not self.reasons


def findings_for(family: FamilyBundle, framework: Framework, as_of: date) -> list[Finding]:
    """Every rule's finding, in canonical order (one per headline need for a per-headline rule)."""
    found: list[Finding] = []
    for rule in RULES:
        result = rule.check(family, framework, as_of)
        if isinstance(result, list):  # a per-headline rule's: a finding per headline
            found.extend(result)
        else:
            found.append(result)
    return found


def read_for_reasons(framework: Framework, as_of: date) -> Reads:
    """What the rules look at of the outcomes and the referrals when they decide as of the date:
    an outcome only if it is achieved by the date (``outcomes.achieved_by``: the outcome rule and
    the forecast look at no other), a referral only if of a service with a decision the framework
    counts (``datachecks.rereferral_check``, the one rule that reads referrals)."""
    return Reads(
        as_of,
        tuple(sorted(framework.rereferral_services)),
        tuple(sorted(framework.rereferral_decisions)),
    )


def result_of(findings: list[Finding] | tuple[Finding, ...], rule: Rule) -> Finding:
    """The finding of a rule that gives one finding, looked up by the rule's id."""
    return next(f for f in findings if f.rule_id == rule.id)


def canonical_codes(framework: Framework) -> list[str]:
    """Every reason code a decision can carry, in canonical order."""
    return _canonical_codes(framework, REASONS)


class Decider:
    """Decides families against one framework; the canonical order is computed once."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.order = {code: i for i, code in enumerate(canonical_codes(framework))}

    def decide(self, family: FamilyBundle, as_of: date, cite: bool = True) -> Decision:
        """The family's decision; ``cite=False`` gives the same reasons without building the
        records behind each finding (its findings then cite nothing: ``findings.citing``)."""
        if cite:
            check_cited(family, "cited")
        with citing(cite):
            found = findings_for(family, self.framework, as_of)
        reasons = sorted({code for f in found for code in f.reasons}, key=self.order.__getitem__)
        needs = eligibility.identified_headlines(family, self.framework, as_of)
        return Decision(family.family_id, as_of, tuple(needs), tuple(reasons), tuple(found))


def decide(family: FamilyBundle, framework: Framework, as_of: date) -> Decision:
    return Decider(framework).decide(family, as_of)

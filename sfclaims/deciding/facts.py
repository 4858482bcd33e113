"""The facts of a family that the rules read: plain named tuples, each keeping where it came from.

This module knows nothing of the database: the loader (``sfclaims.deciding.bundle``) fills these from the
extract tables, the rule tests build them by hand, and a claim keeps them as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

import orjson

#: A named tuple built from all its fields in order, without the constructor's argument
#: handling: half the cost, for the hundreds of thousands of facts and records of an assess.
#: Only for a fixed literal of fields; anything built from a row uses ``_make``, which checks arity.
new_tuple = tuple.__new__


class Source(NamedTuple):
    """Where a fact came from: the extract file, the row as the user sees it, and the import
    that loaded it (every quarter has an ``outcomes.csv``)."""

    file: str
    row: int
    #: the import's number, as Imports so far and its data-quality report name it (its first
    #: batch); evidence kept before 7 December 2026 holds the file's own batch here
    import_number: int | None = None
    imported: date | None = None

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}"
        if self.import_number is not None and self.imported is not None:
            where += f", import {self.import_number} of {self.imported:%d/%m/%Y}"
        return where


class PersonFacts(NamedTuple):
    person_id: str
    role: str
    date_of_birth: date | None
    upn: str | None
    household_member: bool
    expectant_parent: bool
    source: Source


class NeedFacts(NamedTuple):
    need_id: str
    person_id: str | None
    headline: str
    date_identified: date
    status: str
    source: Source
    indicator: str | None = None
    identified_by: str | None = None


class AssessmentFacts(NamedTuple):
    assessment_id: str
    completed_date: date | None
    whole_family: bool
    members: frozenset[str]
    source: Source


class PlanFacts(NamedTuple):
    plan_id: str
    plan_start: date
    plan_end: date | None
    members: frozenset[str]
    headlines: frozenset[str]
    source: Source


class LeadPractitionerFacts(NamedTuple):
    worker_id: str
    worker_name: str | None
    start_date: date
    end_date: date | None
    recognised_by_family: bool
    source: Source
    agency: str | None = None


class OutcomeFacts(NamedTuple):
    outcome_id: str
    person_id: str | None
    headline: str
    status: str
    achieved_date: date | None
    sustained_until: date | None
    source: Source
    outcome_measure: str | None = None
    evidence_source: str | None = None
    evidence_reference: str | None = None
    recorded_by: str | None = None


class AttendanceFacts(NamedTuple):
    upn: str
    school_urn: str | None
    academic_year: str
    term: str
    possible_sessions: int
    sessions_missed: int
    unauthorised_missed: int | None  # of them, unauthorised, where the extract gives it
    source: Source


class ReferralFacts(NamedTuple):
    referral_id: str
    family_id: str | None
    person_id: str | None
    referral_date: date
    service: str
    decision: str
    decision_date: date | None  # when the service decided: an accepted episode's start
    source: Source


class PreviousClaimFacts(NamedTuple):
    claim_period: str
    claim_date: date | None
    source: Source


class Reads(NamedTuple):
    """What a decide for the reasons alone reads of two tables, as the rules that look at them
    say (``rules.read_for_reasons``): the outcomes achieved by ``achieved_by`` (no other can
    evidence a need) and the referrals of these services with these decisions (no other counts
    as a re-referral). Every other row is left out of such a bundle, never shown."""

    achieved_by: date
    referral_services: tuple[str, ...]
    referral_decisions: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class FamilyBundle:
    """Every fact of one family. Compared by identity: each is loaded once per evaluation."""

    family_id: str
    episode_start: date
    episode_end: date | None
    source: Source
    people: tuple[PersonFacts, ...] = ()
    needs: tuple[NeedFacts, ...] = ()
    assessments: tuple[AssessmentFacts, ...] = ()
    plans: tuple[PlanFacts, ...] = ()
    lead_practitioners: tuple[LeadPractitionerFacts, ...] = ()
    outcomes: tuple[OutcomeFacts, ...] = ()
    attendance: dict[str, tuple[AttendanceFacts, ...]] = field(default_factory=dict)  # by UPN
    referrals: tuple[ReferralFacts, ...] = ()
    previous_claims: tuple[PreviousClaimFacts, ...] = ()
    claimed_in_runs: tuple[str, ...] = ()  # submitted claim runs that claimed this family
    # claim runs whose auditor's latest verdict on the family is fail, its records unchanged since
    failed_audits: tuple[str, ...] = ()
    # False: loaded for its reasons alone, without the fields only evidence shows (their
    # defaults in their place): it may be decided, never cited or kept
    cited: bool = True

    @cached_property  # several rules ask in turn; the bundle never changes
    def household(self) -> tuple[PersonFacts, ...]:
        return tuple(p for p in self.people if p.household_member)


#: What an evidence record calls each kind of fact; a fact's first field is its ID.
RECORD_KINDS: dict[type, str] = {
    PersonFacts: "person",
    NeedFacts: "need",
    AssessmentFacts: "assessment",
    PlanFacts: "plan",
    LeadPractitionerFacts: "lead practitioner",
    OutcomeFacts: "outcome",
    AttendanceFacts: "attendance",
    ReferralFacts: "referral",
    PreviousClaimFacts: "previous claim",
}


#: What an auditor looks up in the case system, per kind of fact (field -> label).
EVIDENCE_FIELDS: dict[type, dict[str, str]] = {
    NeedFacts: {
        "indicator": "indicator",
        "identified_by": "identified by",
        "date_identified": "identified",
    },
    OutcomeFacts: {
        "outcome_measure": "measure",
        "evidence_source": "evidence",
        "evidence_reference": "reference",
        "recorded_by": "recorded by",
        # the dates the rules read, for the auditor to check against the case record
        "achieved_date": "achieved",
        "sustained_until": "held until",
    },
    LeadPractitionerFacts: {"worker_name": "worker", "agency": "agency"},
}


def as_stored(given: str, stored: Iterable[str]) -> str | None:
    """The stored ID a person meant, typed in any case: the exact one if it is there, else the
    only one that differs by case alone; None when there is none (or several)."""
    candidates = [s for s in stored if s.lower() == given.strip().lower()]
    if given in candidates:
        return given
    return candidates[0] if len(candidates) == 1 else None


FACT_LISTS = (
    "people",
    "needs",
    "assessments",
    "plans",
    "lead_practitioners",
    "outcomes",
    "referrals",
    "previous_claims",
)


def check_cited(bundle: FamilyBundle, what: str) -> None:
    """Refuse a bundle loaded for its reasons alone where its evidence is wanted."""
    if not bundle.cited:
        raise ValueError(
            f"family {bundle.family_id} was loaded for its reasons alone and cannot be {what}"
        )


def bundle_to_json(bundle: FamilyBundle) -> str:
    """Every fact of the family as JSON, to keep with a claim as it stood when it was made."""
    check_cited(bundle, "kept with a claim")
    data: dict[str, object] = {
        "family_id": bundle.family_id,
        "episode_start": bundle.episode_start,
        "episode_end": bundle.episode_end,
        "source": bundle.source,
        "attendance": {
            upn: [r._asdict() for r in rows] for upn, rows in sorted(bundle.attendance.items())
        },
        "claimed_in_runs": bundle.claimed_in_runs,
    }
    for name in FACT_LISTS:
        data[name] = [fact._asdict() for fact in getattr(bundle, name)]
    return orjson.dumps(data, default=_plain).decode()


def _plain(value: object) -> object:
    if isinstance(value, Source):
        return list(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot keep {type(value).__name__} as JSON")

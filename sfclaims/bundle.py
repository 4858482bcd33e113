"""The family bundle: every fact about a family, loaded set-wise and grouped in memory.

All families are loaded in a few queries (one per extract table), never one query per family, into
plain frozen objects that the rules read. Each fact keeps where it came from (file and row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, Engine, select

from sfclaims.models import (
    Assessment,
    Attendance,
    Family,
    ImportBatch,
    LeadPractitioner,
    Need,
    Outcome,
    Person,
    Plan,
    PreviousClaim,
    Referral,
)

LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Source:
    """Where a fact came from: the extract file and the row as the user sees it."""

    file: str
    row: int

    def __str__(self) -> str:
        return f"{self.file} row {self.row}"


@dataclass(frozen=True)
class PersonFacts:
    person_id: str
    role: str
    date_of_birth: date | None
    upn: str | None
    household_member: bool
    expectant_parent: bool
    source: Source


@dataclass(frozen=True)
class NeedFacts:
    need_id: str
    person_id: str | None
    headline: str
    date_identified: date
    status: str
    source: Source


@dataclass(frozen=True)
class AssessmentFacts:
    assessment_id: str
    completed_date: date | None
    whole_family: bool
    members: frozenset[str]
    source: Source


@dataclass(frozen=True)
class PlanFacts:
    plan_id: str
    plan_start: date
    plan_end: date | None
    members: frozenset[str]
    headlines: frozenset[str]
    source: Source


@dataclass(frozen=True)
class LeadPractitionerFacts:
    worker_id: str
    worker_name: str | None
    start_date: date
    end_date: date | None
    recognised_by_family: bool
    source: Source


@dataclass(frozen=True)
class OutcomeFacts:
    outcome_id: str
    person_id: str | None
    headline: str
    status: str
    achieved_date: date | None
    sustained_until: date | None
    source: Source


@dataclass(frozen=True)
class AttendanceFacts:
    upn: str
    school_urn: str | None
    academic_year: str
    term: str
    possible_sessions: int
    sessions_missed: int
    source: Source


@dataclass(frozen=True)
class ReferralFacts:
    referral_id: str
    family_id: str | None
    person_id: str | None
    referral_date: date
    service: str
    decision: str
    source: Source


@dataclass(frozen=True)
class PreviousClaimFacts:
    claim_period: str
    claim_date: date | None
    source: Source


@dataclass(frozen=True)
class FamilyBundle:
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

    @property
    def household(self) -> tuple[PersonFacts, ...]:
        return tuple(p for p in self.people if p.household_member)


def _members(text: str) -> frozenset[str]:
    return frozenset(item for item in text.split(LIST_SEPARATOR) if item)


def load_bundles(
    engine: Engine,
    as_of: date,
    family_id: str | None = None,
    attendance_years: Iterable[str] | None = None,
    claimed_in_runs: dict[str, tuple[str, ...]] | None = None,
) -> list[FamilyBundle]:
    """Every family whose episode started on or before the as-of date, sorted by family ID.

    ``attendance_years`` limits the attendance loaded to the academic years the rules can look at.
    """
    with engine.connect() as connection:
        return _load(connection, as_of, family_id, attendance_years, claimed_in_runs or {})


def _load(
    connection: Connection,
    as_of: date,
    family_id: str | None,
    attendance_years: Iterable[str] | None,
    claimed_in_runs: dict[str, tuple[str, ...]],
) -> list[FamilyBundle]:
    files = {
        i: name for i, name in connection.execute(select(ImportBatch.id, ImportBatch.file_name))
    }

    def source(batch_id: int, row: int) -> Source:
        return Source(files.get(batch_id, "?"), row)

    def rows(model, *conditions):  # type: ignore[no-untyped-def]
        table = model.__table__
        query = select(*table.c)
        if family_id is not None and "family_id" in table.c:
            query = query.where(table.c.family_id == family_id)
        for condition in conditions:
            query = query.where(condition)
        return connection.execute(query)

    families = rows(Family, Family.episode_start <= as_of).all()
    wanted = {f.family_id for f in families}

    people: dict[str, list[PersonFacts]] = defaultdict(list)
    family_of_person: dict[str, str] = {}
    for r in rows(Person):
        if r.family_id in wanted:
            people[r.family_id].append(
                PersonFacts(
                    r.person_id,
                    r.role,
                    r.date_of_birth,
                    r.upn,
                    r.household_member,
                    r.expectant_parent,
                    source(r.batch_id, r.source_row),
                )
            )
            family_of_person[r.person_id] = r.family_id

    needs: dict[str, list[NeedFacts]] = defaultdict(list)
    for r in rows(Need):
        needs[r.family_id].append(
            NeedFacts(
                r.need_id,
                r.person_id,
                r.headline,
                r.date_identified,
                r.status,
                source(r.batch_id, r.source_row),
            )
        )

    assessments: dict[str, list[AssessmentFacts]] = defaultdict(list)
    for r in rows(Assessment):
        assessments[r.family_id].append(
            AssessmentFacts(
                r.assessment_id,
                r.completed_date,
                r.whole_family,
                _members(r.members_covered),
                source(r.batch_id, r.source_row),
            )
        )

    plans: dict[str, list[PlanFacts]] = defaultdict(list)
    for r in rows(Plan):
        plans[r.family_id].append(
            PlanFacts(
                r.plan_id,
                r.plan_start,
                r.plan_end,
                _members(r.members_covered),
                _members(r.headlines_addressed),
                source(r.batch_id, r.source_row),
            )
        )

    leads: dict[str, list[LeadPractitionerFacts]] = defaultdict(list)
    for r in rows(LeadPractitioner):
        leads[r.family_id].append(
            LeadPractitionerFacts(
                r.worker_id,
                r.worker_name,
                r.start_date,
                r.end_date,
                r.recognised_by_family,
                source(r.batch_id, r.source_row),
            )
        )

    outcomes: dict[str, list[OutcomeFacts]] = defaultdict(list)
    for r in rows(Outcome):
        outcomes[r.family_id].append(
            OutcomeFacts(
                r.outcome_id,
                r.person_id,
                r.headline,
                r.status,
                r.achieved_date,
                r.sustained_until,
                source(r.batch_id, r.source_row),
            )
        )

    upn_families: dict[str, set[str]] = defaultdict(set)
    for fid, members in people.items():
        for person in members:
            if person.upn:
                upn_families[person.upn].add(fid)
    attendance: dict[str, dict[str, list[AttendanceFacts]]] = defaultdict(lambda: defaultdict(list))
    years = list(attendance_years) if attendance_years is not None else None
    attendance_table = Attendance.__table__  # type: ignore[attr-defined]
    query = select(*attendance_table.c)
    if years is not None:
        query = query.where(attendance_table.c.academic_year.in_(years))
    if family_id is not None:
        query = query.where(attendance_table.c.upn.in_(list(upn_families)))
    for r in connection.execute(query):
        for owner in upn_families.get(r.upn, ()):
            attendance[owner][r.upn].append(
                AttendanceFacts(
                    r.upn,
                    r.school_urn,
                    r.academic_year,
                    r.term,
                    r.possible_sessions,
                    r.sessions_missed,
                    source(r.batch_id, r.source_row),
                )
            )

    referrals: dict[str, dict[str, ReferralFacts]] = defaultdict(dict)
    referral_table = Referral.__table__  # type: ignore[attr-defined]
    referral_query = select(*referral_table.c)
    if family_id is not None:
        referral_query = referral_query.where(
            (referral_table.c.family_id == family_id)
            | referral_table.c.person_id.in_(list(family_of_person))
        )
    for r in connection.execute(referral_query):
        facts = ReferralFacts(
            r.referral_id,
            r.family_id,
            r.person_id,
            r.referral_date,
            r.service,
            r.decision,
            source(r.batch_id, r.source_row),
        )
        for owner in {r.family_id, family_of_person.get(r.person_id)}:
            if owner in wanted:
                referrals[owner][r.referral_id] = facts

    previous: dict[str, list[PreviousClaimFacts]] = defaultdict(list)
    for r in rows(PreviousClaim):
        previous[r.family_id].append(
            PreviousClaimFacts(r.claim_period, r.claim_date, source(r.batch_id, r.source_row))
        )

    bundles = [
        FamilyBundle(
            family_id=f.family_id,
            episode_start=f.episode_start,
            episode_end=f.episode_end,
            source=source(f.batch_id, f.source_row),
            people=tuple(people[f.family_id]),
            needs=tuple(needs[f.family_id]),
            assessments=tuple(assessments[f.family_id]),
            plans=tuple(plans[f.family_id]),
            lead_practitioners=tuple(leads[f.family_id]),
            outcomes=tuple(outcomes[f.family_id]),
            attendance={upn: tuple(v) for upn, v in attendance[f.family_id].items()},
            referrals=tuple(referrals[f.family_id].values()),
            previous_claims=tuple(previous[f.family_id]),
            claimed_in_runs=claimed_in_runs.get(f.family_id, ()),
        )
        for f in families
    ]
    return sorted(bundles, key=lambda b: b.family_id)

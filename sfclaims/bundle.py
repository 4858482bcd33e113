"""The family bundle: every fact about a family, loaded set-wise and grouped in memory.

All families are loaded in a few queries (one per extract table), never one query per family, into
plain frozen objects that the rules read. Each fact keeps where it came from (file and row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import Connection, Engine, select

from sfclaims.models import ImportBatch

LIST_SEPARATOR = ";"


class Source(NamedTuple):
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
    attendance_terms: Iterable[tuple[str, str]] | None = None,
    claimed_in_runs: dict[str, tuple[str, ...]] | None = None,
) -> list[FamilyBundle]:
    """Every family whose episode started on or before the as-of date, sorted by family ID.

    ``attendance_terms`` (academic year, term) limits the attendance loaded to the terms the
    rules can look at; only pupils who are people of a family are loaded.
    """
    with engine.connect() as connection:
        loader = _Loader(connection, family_id)
        return loader.bundles(as_of, attendance_terms, claimed_in_runs or {})


def _day(value: date | str | None) -> date | None:
    """A date as the driver returns it (SQLite: ISO text; PostgreSQL: a date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


class _Loader:
    """Fetches each extract table once, with plain driver tuples (no per-row ORM work)."""

    def __init__(self, connection: Connection, family_id: str | None) -> None:
        self.connection = connection
        self.family_id = family_id
        self.mark = "?" if connection.dialect.name == "sqlite" else "%s"
        self.files = {
            batch: name
            for batch, name in connection.execute(select(ImportBatch.id, ImportBatch.file_name))
        }

    def fetch(
        self, table: str, columns: str, where: str = "", params: tuple = (), by_family: bool = True
    ) -> list[tuple]:
        """Rows of ``batch_id, source_row, <columns>``; only the chosen family's, if there is
        one and the table is ``by_family``."""
        conditions = [where] if where else []
        if self.family_id is not None and by_family:
            conditions.append(f"family_id = {self.mark}")
            params = (*params, self.family_id)
        sql = f"SELECT batch_id, source_row, {columns} FROM {table}"
        if conditions:
            sql += " WHERE " + " AND ".join(f"({c})" for c in conditions)
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def source(self, batch_id: int, row: int) -> Source:
        return Source(self.files.get(batch_id, "?"), row)

    def bundles(
        self,
        as_of: date,
        attendance_terms: Iterable[tuple[str, str]] | None,
        claimed_in_runs: dict[str, tuple[str, ...]],
    ) -> list[FamilyBundle]:
        m = self.mark
        src = self.source
        families = [
            (fid, _day(start), _day(end), src(b, r))
            for b, r, fid, start, end in self.fetch(
                "families",
                "family_id, episode_start, episode_end",
                f"episode_start <= {m}",
                (as_of.isoformat(),),
            )
        ]
        wanted = {f[0] for f in families}

        people: dict[str, list[PersonFacts]] = defaultdict(list)
        family_of_person: dict[str, str] = {}
        for b, r, pid, fid, role, born, upn, household, expectant in self.fetch(
            "people",
            "person_id, family_id, role, date_of_birth, upn, household_member, expectant_parent",
        ):
            if fid in wanted:
                people[fid].append(
                    PersonFacts(
                        pid, role, _day(born), upn, bool(household), bool(expectant), src(b, r)
                    )
                )
                family_of_person[pid] = fid

        needs: dict[str, list[NeedFacts]] = defaultdict(list)
        for b, r, nid, fid, pid, headline, identified, status in self.fetch(
            "needs", "need_id, family_id, person_id, headline, date_identified, status"
        ):
            needs[fid].append(NeedFacts(nid, pid, headline, _day(identified), status, src(b, r)))

        assessments: dict[str, list[AssessmentFacts]] = defaultdict(list)
        for b, r, aid, fid, completed, whole, members in self.fetch(
            "assessments", "assessment_id, family_id, completed_date, whole_family, members_covered"
        ):
            assessments[fid].append(
                AssessmentFacts(aid, _day(completed), bool(whole), _members(members), src(b, r))
            )

        plans: dict[str, list[PlanFacts]] = defaultdict(list)
        for b, r, plid, fid, start, end, members, headlines in self.fetch(
            "plans",
            "plan_id, family_id, plan_start, plan_end, members_covered, headlines_addressed",
        ):
            plans[fid].append(
                PlanFacts(
                    plid, _day(start), _day(end), _members(members), _members(headlines), src(b, r)
                )
            )

        leads: dict[str, list[LeadPractitionerFacts]] = defaultdict(list)
        for b, r, fid, worker, name, start, end, recognised in self.fetch(
            "lead_practitioners",
            "family_id, worker_id, worker_name, start_date, end_date, recognised_by_family",
        ):
            leads[fid].append(
                LeadPractitionerFacts(
                    worker, name, _day(start), _day(end), bool(recognised), src(b, r)
                )
            )

        outcomes: dict[str, list[OutcomeFacts]] = defaultdict(list)
        for b, r, oid, fid, pid, headline, status, achieved, held in self.fetch(
            "outcomes",
            "outcome_id, family_id, person_id, headline, status, achieved_date, sustained_until",
        ):
            outcomes[fid].append(
                OutcomeFacts(oid, pid, headline, status, _day(achieved), _day(held), src(b, r))
            )

        upn_families: dict[str, set[str]] = defaultdict(set)
        for fid, members in people.items():
            for person in members:
                if person.upn:
                    upn_families[person.upn].add(fid)
        attendance: dict[str, dict[str, list[AttendanceFacts]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for b, r, upn, urn, year, term, possible, missed in self._attendance(attendance_terms):
            for owner in upn_families.get(upn, ()):
                attendance[owner][upn].append(
                    AttendanceFacts(upn, urn, year, term, possible, missed, src(b, r))
                )

        referrals: dict[str, dict[str, ReferralFacts]] = defaultdict(dict)
        for b, r, rid, fid, pid, when, service, decision in self._referrals(family_of_person):
            facts = ReferralFacts(rid, fid, pid, _day(when), service, decision, src(b, r))  # type: ignore[arg-type]
            for owner in {fid, family_of_person.get(pid)}:
                if owner in wanted:
                    referrals[owner][rid] = facts

        previous: dict[str, list[PreviousClaimFacts]] = defaultdict(list)
        for b, r, fid, period, claimed in self.fetch(
            "previous_claims", "family_id, claim_period, claim_date"
        ):
            previous[fid].append(PreviousClaimFacts(period, _day(claimed), src(b, r)))

        bundles = [
            FamilyBundle(
                family_id=fid,
                episode_start=start,  # type: ignore[arg-type]
                episode_end=end,
                source=source,
                people=tuple(people[fid]),
                needs=tuple(needs[fid]),
                assessments=tuple(assessments[fid]),
                plans=tuple(plans[fid]),
                lead_practitioners=tuple(leads[fid]),
                outcomes=tuple(outcomes[fid]),
                attendance={upn: tuple(v) for upn, v in attendance[fid].items()},
                referrals=tuple(referrals[fid].values()),
                previous_claims=tuple(previous[fid]),
                claimed_in_runs=claimed_in_runs.get(fid, ()),
            )
            for fid, start, end, source in families
        ]
        return sorted(bundles, key=lambda bundle: bundle.family_id)

    def _attendance(self, terms: Iterable[tuple[str, str]] | None) -> list[tuple]:
        """Attendance of pupils who are people of a family, in the terms asked for."""
        m = self.mark
        pupils = "upn IN (SELECT upn FROM people WHERE upn IS NOT NULL"
        params: tuple = ()
        if self.family_id is not None:
            pupils += f" AND family_id = {m}"
            params = (self.family_id,)
        where = pupils + ")"
        if terms is not None:
            pairs = list(terms)
            where += (
                " AND (" + " OR ".join(f"(academic_year = {m} AND term = {m})" for _ in pairs) + ")"
            )
            params = (*params, *(value for pair in pairs for value in pair))
        return self.fetch(
            "attendance",
            "upn, school_urn, academic_year, term, possible_sessions, sessions_missed",
            where,
            params,
            by_family=False,
        )

    def _referrals(self, family_of_person: dict[str, str]) -> list[tuple]:
        columns = "referral_id, family_id, person_id, referral_date, service, decision"
        if self.family_id is None:
            return self.fetch("referrals", columns)
        m = self.mark
        people = list(family_of_person) or [""]
        where = f"family_id = {m} OR person_id IN ({', '.join(m for _ in people)})"
        return self.fetch("referrals", columns, where, (self.family_id, *people), by_family=False)

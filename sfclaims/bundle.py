"""The family bundle: every fact about a family, loaded set-wise and grouped in memory.

All families are loaded in a few queries (one per extract table), never one query per family, into
plain frozen objects that the rules read. Each fact keeps where it came from (file and row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

import orjson
from sqlalchemy import Connection, Engine, select

from sfclaims.models import ImportBatch

LIST_SEPARATOR = ";"


class Source(NamedTuple):
    """Where a fact came from: the extract file and the row as the user sees it."""

    file: str
    row: int

    def __str__(self) -> str:
        return f"{self.file} row {self.row}"


class PersonFacts(NamedTuple):
    KIND = "person"  # what an evidence record calls it; the first field is its ID

    person_id: str
    role: str
    date_of_birth: date | None
    upn: str | None
    household_member: bool
    expectant_parent: bool
    source: Source


class NeedFacts(NamedTuple):
    KIND = "need"  # what an evidence record calls it; the first field is its ID

    need_id: str
    person_id: str | None
    headline: str
    date_identified: date
    status: str
    source: Source


class AssessmentFacts(NamedTuple):
    KIND = "assessment"  # what an evidence record calls it; the first field is its ID

    assessment_id: str
    completed_date: date | None
    whole_family: bool
    members: frozenset[str]
    source: Source


class PlanFacts(NamedTuple):
    KIND = "plan"  # what an evidence record calls it; the first field is its ID

    plan_id: str
    plan_start: date
    plan_end: date | None
    members: frozenset[str]
    headlines: frozenset[str]
    source: Source


class LeadPractitionerFacts(NamedTuple):
    KIND = "lead practitioner"  # what an evidence record calls it; the first field is its ID

    worker_id: str
    worker_name: str | None
    start_date: date
    end_date: date | None
    recognised_by_family: bool
    source: Source


class OutcomeFacts(NamedTuple):
    KIND = "outcome"  # what an evidence record calls it; the first field is its ID

    outcome_id: str
    person_id: str | None
    headline: str
    status: str
    achieved_date: date | None
    sustained_until: date | None
    source: Source


class AttendanceFacts(NamedTuple):
    KIND = "attendance"  # what an evidence record calls it; the first field is its ID

    upn: str
    school_urn: str | None
    academic_year: str
    term: str
    possible_sessions: int
    sessions_missed: int
    source: Source


class ReferralFacts(NamedTuple):
    KIND = "referral"  # what an evidence record calls it; the first field is its ID

    referral_id: str
    family_id: str | None
    person_id: str | None
    referral_date: date
    service: str
    decision: str
    source: Source


class PreviousClaimFacts(NamedTuple):
    KIND = "previous claim"  # what an evidence record calls it; the first field is its ID

    claim_period: str
    claim_date: date | None
    source: Source


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

    @cached_property  # several rules ask in turn; the bundle never changes
    def household(self) -> tuple[PersonFacts, ...]:
        return tuple(p for p in self.people if p.household_member)


def _members(text: str) -> frozenset[str]:
    return frozenset(text.split(LIST_SEPARATOR)).difference(("",))


def load_bundles(
    engine: Engine,
    as_of: date,
    family_id: str | None = None,
    attendance_terms: Iterable[tuple[str, str]] | None = None,
    claimed_in_runs: dict[str, tuple[str, ...]] | None = None,
    family_range: tuple[str, str | None] | None = None,
) -> list[FamilyBundle]:
    """Every family whose episode started on or before the as-of date, sorted by family ID:
    one family, the families whose IDs fall in ``family_range`` (from, up to but not including),
    or all of them.

    ``attendance_terms`` (academic year, term) limits the attendance loaded to the terms the
    rules can look at; only pupils who are people of a family are loaded.
    """
    with engine.connect() as connection:
        loader = _Loader(connection, family_id, family_range)
        return loader.bundles(as_of, attendance_terms, claimed_in_runs or {})


#: A named tuple built from all its fields in order, without the constructor's argument
#: handling: half the cost, for the hundreds of thousands of facts and records of an assess.
new_tuple = tuple.__new__


class _Days(dict):
    """Dates as the driver returns them (SQLite: ISO text; PostgreSQL: dates) to dates, each
    distinct value parsed once: extracts repeat the same days thousands of times."""

    def __missing__(self, value: date | str | None) -> date | None:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        self[value] = day
        return day


class _Loader:
    """Fetches each extract table once, with plain driver tuples (no per-row ORM work)."""

    def __init__(
        self,
        connection: Connection,
        family_id: str | None,
        family_range: tuple[str, str | None] | None,
    ) -> None:
        self.connection = connection
        self.mark = m = "?" if connection.dialect.name == "sqlite" else "%s"
        self.files = {
            batch: name
            for batch, name in connection.execute(select(ImportBatch.id, ImportBatch.file_name))
        }
        self.which: str = ""  # the SQL condition on family_id that picks the families wanted
        self.which_params: tuple = ()
        if family_id is not None:
            self.which, self.which_params = f"family_id = {m}", (family_id,)
        elif family_range is not None:
            low, high = family_range
            self.which, self.which_params = f"family_id >= {m}", (low,)
            if high is not None:
                self.which += f" AND family_id < {m}"
                self.which_params += (high,)

    def fetch(
        self, table: str, columns: str, where: str = "", params: tuple = (), by_family: bool = True
    ) -> list[tuple]:
        """Rows of ``batch_id, source_row, <columns>``; only the wanted families' rows when the
        table is ``by_family``."""
        conditions = [where] if where else []
        if self.which and by_family:
            conditions.append(self.which)
            params = (*params, *self.which_params)
        sql = f"SELECT batch_id, source_row, {columns} FROM {table}"
        if conditions:
            sql += " WHERE " + " AND ".join(f"({c})" for c in conditions)
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _people_of_wanted(self, column: str) -> tuple[str, tuple]:
        """A subquery of the wanted families' people's ``column``, and its parameters."""
        sql = f"SELECT {column} FROM people WHERE {column} IS NOT NULL"
        if self.which:
            sql += f" AND {self.which}"
        return sql, self.which_params

    def bundles(
        self,
        as_of: date,
        attendance_terms: Iterable[tuple[str, str]] | None,
        claimed_in_runs: dict[str, tuple[str, ...]],
    ) -> list[FamilyBundle]:
        m = self.mark
        files = self.files
        day = _Days()
        families = [
            (fid, day[start], day[end], new_tuple(Source, (files[b], r)))
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
                    new_tuple(
                        PersonFacts,
                        (
                            pid,
                            role,
                            day[born],
                            upn,
                            bool(household),
                            bool(expectant),
                            new_tuple(Source, (files[b], r)),
                        ),
                    )
                )
                family_of_person[pid] = fid

        needs: dict[str, list[NeedFacts]] = defaultdict(list)
        for b, r, nid, fid, pid, headline, identified, status in self.fetch(
            "needs", "need_id, family_id, person_id, headline, date_identified, status"
        ):
            needs[fid].append(
                new_tuple(
                    NeedFacts,
                    (nid, pid, headline, day[identified], status, new_tuple(Source, (files[b], r))),
                )
            )

        assessments: dict[str, list[AssessmentFacts]] = defaultdict(list)
        for b, r, aid, fid, completed, whole, members in self.fetch(
            "assessments", "assessment_id, family_id, completed_date, whole_family, members_covered"
        ):
            assessments[fid].append(
                new_tuple(
                    AssessmentFacts,
                    (
                        aid,
                        day[completed],
                        bool(whole),
                        _members(members),
                        new_tuple(Source, (files[b], r)),
                    ),
                )
            )

        plans: dict[str, list[PlanFacts]] = defaultdict(list)
        for b, r, plid, fid, start, end, members, headlines in self.fetch(
            "plans",
            "plan_id, family_id, plan_start, plan_end, members_covered, headlines_addressed",
        ):
            plans[fid].append(
                new_tuple(
                    PlanFacts,
                    (
                        plid,
                        day[start],
                        day[end],
                        _members(members),
                        _members(headlines),
                        new_tuple(Source, (files[b], r)),
                    ),
                )
            )

        leads: dict[str, list[LeadPractitionerFacts]] = defaultdict(list)
        for b, r, fid, worker, name, start, end, recognised in self.fetch(
            "lead_practitioners",
            "family_id, worker_id, worker_name, start_date, end_date, recognised_by_family",
        ):
            leads[fid].append(
                new_tuple(
                    LeadPractitionerFacts,
                    (
                        worker,
                        name,
                        day[start],
                        day[end],
                        bool(recognised),
                        new_tuple(Source, (files[b], r)),
                    ),
                )
            )

        outcomes: dict[str, list[OutcomeFacts]] = defaultdict(list)
        for b, r, oid, fid, pid, headline, status, achieved, held in self.fetch(
            "outcomes",
            "outcome_id, family_id, person_id, headline, status, achieved_date, sustained_until",
        ):
            outcomes[fid].append(
                new_tuple(
                    OutcomeFacts,
                    (
                        oid,
                        pid,
                        headline,
                        status,
                        day[achieved],
                        day[held],
                        new_tuple(Source, (files[b], r)),
                    ),
                )
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
                    new_tuple(
                        AttendanceFacts,
                        (upn, urn, year, term, possible, missed, new_tuple(Source, (files[b], r))),
                    )
                )

        referrals: dict[str, dict[str, ReferralFacts]] = defaultdict(dict)
        for b, r, rid, fid, pid, when, service, decision in self._referrals():
            facts = new_tuple(
                ReferralFacts,
                (rid, fid, pid, day[when], service, decision, new_tuple(Source, (files[b], r))),
            )
            for owner in {fid, family_of_person.get(pid)}:
                if owner in wanted:
                    referrals[owner][rid] = facts

        previous: dict[str, list[PreviousClaimFacts]] = defaultdict(list)
        for b, r, fid, period, claimed in self.fetch(
            "previous_claims", "family_id, claim_period, claim_date"
        ):
            previous[fid].append(
                new_tuple(
                    PreviousClaimFacts, (period, day[claimed], new_tuple(Source, (files[b], r)))
                )
            )

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
        """Attendance of pupils who are people of the wanted families, in the terms asked for."""
        m = self.mark
        pupils, params = self._people_of_wanted("upn")
        where = f"upn IN ({pupils})"
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

    def _referrals(self) -> list[tuple]:
        """Referrals for the wanted families, or for any of their people."""
        columns = "referral_id, family_id, person_id, referral_date, service, decision"
        if not self.which:
            return self.fetch("referrals", columns)
        people, params = self._people_of_wanted("person_id")
        where = f"({self.which}) OR person_id IN ({people})"
        return self.fetch(
            "referrals", columns, where, (*self.which_params, *params), by_family=False
        )


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


def bundle_to_json(bundle: FamilyBundle) -> str:
    """Every fact of the family as JSON, to keep with a claim as it stood when it was made."""
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

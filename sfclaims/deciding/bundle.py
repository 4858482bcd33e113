"""The family bundle loader: every fact about the families, loaded set-wise and grouped in memory.

All families are loaded in a few queries (one per table), never one query per family, into the
plain facts of :mod:`sfclaims.deciding.facts` that the rules read. What each table gives is declared once,
in :data:`FACT_TABLES`: the columns are the fact's own fields, read a column at a time and made
into facts with as many values as the fact has fields (checked once per table).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, select
from sqlmodel import col

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
    Reads,
    ReferralFacts,
    Source,
    new_tuple,
)
from sfclaims.intake.data_state import data_version
from sfclaims.intake.kinds import ACHIEVED, members
from sfclaims.intake.records import records_fingerprints
from sfclaims.platform.db import one_snapshot
from sfclaims.platform.models import ImportBatch

# How a stored value becomes a fact's value (anything not named is taken as the driver gives it).
DAY = "date"  # SQLite gives ISO text, PostgreSQL a date
FLAG = "flag"  # 0/1 or a boolean
LIST = "list"  # a ;-list, as a set


def imports_by_batch(connection: Connection) -> dict[int, tuple[str, int, date]]:
    """Each batch's file, the number of the import that loaded it and that import's day. An
    import's files are stamped with one moment (``importing._load``), and it is numbered by its
    first batch, as Imports so far and its data-quality report name it: one number per import
    wherever a record cites it."""
    rows: list[tuple[int, str, Any]] = [
        (int(batch or 0), name, at)
        for batch, name, at in connection.execute(
            select(col(ImportBatch.id), col(ImportBatch.file_name), col(ImportBatch.imported_at))
        )
    ]
    first: dict[Any, int] = {}
    for batch, _name, at in rows:
        first[at] = min(first.get(at, batch), batch)
    return {
        batch: (
            name,
            first[at],
            at.date() if isinstance(at, datetime) else date.fromisoformat(str(at)[:10]),
        )
        for batch, name, at in rows
    }


class FactTable(NamedTuple):
    """One extract table and the fact each of its rows becomes."""

    table: str  # also the FamilyBundle field that holds these facts
    fact: Any  # the named tuple type; its fields, but ``source``, are the columns read
    converters: dict[str, str] = {}  # fact field -> DAY, FLAG or LIST
    columns: dict[str, str] = {}  # fact field -> table column, where the names differ
    owner: str | None = "family_id"  # the column naming the family; None: found from the facts

    def read(self, cited: bool = True) -> list[str]:
        """The fact's fields read from the table: all of them, or, for reasons alone, all but
        those that only evidence shows (the fields with a default, last in every fact)."""
        return [
            f
            for f in self.fact._fields
            if f != "source" and (cited or f not in self.fact._field_defaults)
        ]

    def column_list(self, cited: bool = True) -> list[str]:
        return [self.columns.get(f, f) for f in self.read(cited)]


FACT_TABLES = (
    FactTable(
        "people",
        PersonFacts,
        {"date_of_birth": DAY, "household_member": FLAG, "expectant_parent": FLAG},
    ),
    FactTable("needs", NeedFacts, {"date_identified": DAY}),
    FactTable(
        "assessments",
        AssessmentFacts,
        {"completed_date": DAY, "whole_family": FLAG, "members": LIST},
        {"members": "members_covered"},
    ),
    FactTable(
        "plans",
        PlanFacts,
        {"plan_start": DAY, "plan_end": DAY, "members": LIST, "headlines": LIST},
        {"members": "members_covered", "headlines": "headlines_addressed"},
    ),
    FactTable(
        "lead_practitioners",
        LeadPractitionerFacts,
        {"start_date": DAY, "end_date": DAY, "recognised_by_family": FLAG},
    ),
    FactTable("outcomes", OutcomeFacts, {"achieved_date": DAY, "sustained_until": DAY}),
    FactTable("attendance", AttendanceFacts, owner=None),  # by UPN, see below
    FactTable("referrals", ReferralFacts, {"referral_date": DAY, "decision_date": DAY}, owner=None),
    FactTable("previous_claims", PreviousClaimFacts, {"claim_date": DAY}),
)
TABLES = {spec.table: spec for spec in FACT_TABLES}


def load_bundles(
    engine: Engine,
    as_of: date,
    family_id: str | None = None,
    attendance_terms: Iterable[tuple[str, str]] | None = None,
    family_range: tuple[str, str | None] | None = None,
) -> list[FamilyBundle]:
    """Every family whose episode started on or before the as-of date, sorted by family ID:
    one family, the families whose IDs fall in ``family_range`` (from, up to but not including),
    or all of them.

    ``attendance_terms`` (academic year, term) limits the attendance loaded to the terms the
    rules can look at; only pupils who are people of a family are loaded.
    """
    return load_bundles_at_state(engine, as_of, family_id, attendance_terms, family_range)[0]


def load_bundles_at_state(
    engine: Engine,
    as_of: date,
    family_id: str | None = None,
    attendance_terms: Iterable[tuple[str, str]] | None = None,
    family_range: tuple[str, str | None] | None = None,
    family_ids: Sequence[str] | None = None,
    cited: bool = True,
    reads: Reads | None = None,
) -> tuple[list[FamilyBundle], int]:
    """The bundles of ``load_bundles`` (or of the families named in ``family_ids``, a few
    thousand at most), all read in one snapshot of the database, and the number of that state
    of the data (see data_state.py). ``cited=False``: for their reasons alone, without the
    fields only evidence shows (such a bundle cannot be decided citing), and with ``reads``,
    without the rows the rules say they never look at."""
    if reads is not None and cited:
        raise ValueError("a family read whole is read with every row: it may be cited")
    with one_snapshot(engine) as connection:
        loader = _Loader(connection, family_id, family_range, family_ids, cited, reads)
        return loader.bundles(as_of, attendance_terms), data_version(connection)


#: every fact's source when read for its reasons alone: no face shows it (``check_cited``)
UNCITED = Source("", 0)
_BATCH, _ROW = itemgetter(0), itemgetter(1)  # a row's batch, and its row in the batch's file


def _as_given(column: Iterable[Any]) -> Iterable[Any]:
    """A column whose values the driver already gives as the fact holds them."""
    return column


class _Days(dict[Any, Any]):
    """Dates as the driver returns them (SQLite: ISO text; PostgreSQL: dates) to dates, each
    distinct value parsed once: extracts repeat the same days thousands of times."""

    def __missing__(self, value: date | str | None) -> date | None:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        self[value] = day
        return day


class _Loader:
    """Fetches each table once, with plain driver tuples (no per-row ORM work)."""

    def __init__(
        self,
        connection: Connection,
        family_id: str | None,
        family_range: tuple[str, str | None] | None,
        family_ids: Sequence[str] | None = None,
        cited: bool = True,
        reads: Reads | None = None,
    ) -> None:
        self.connection = connection
        self.cited = cited
        self.mark = m = "?" if connection.dialect.name == "sqlite" else "%s"
        # table -> the SQL condition (and its parameters) on the rows the rules look at
        self.only: dict[str, tuple[str, tuple[Any, ...]]] = {}
        if reads is not None:
            services, decisions = reads.referral_services, reads.referral_decisions
            self.only["outcomes"] = (
                f"status = {m} AND achieved_date <= {m}",
                (ACHIEVED, reads.achieved_by.isoformat()),
            )
            self.only["referrals"] = (
                f"service IN ({', '.join(m for _ in services) or 'NULL'})"
                f" AND decision IN ({', '.join(m for _ in decisions) or 'NULL'})",
                (*services, *decisions),
            )
        self.imports = imports_by_batch(connection)
        self.day = day = _Days()
        self.converters: dict[str, Callable[[Iterable[Any]], Iterable[Any]]] = {
            DAY: lambda column: map(day.__getitem__, column),
            FLAG: lambda column: map(bool, column),
            LIST: lambda column: map(members, column),
        }
        if connection.dialect.name != "sqlite":  # the driver gives dates and booleans
            self.converters[DAY] = self.converters[FLAG] = _as_given
        self.which: str = ""  # the SQL condition on family_id that picks the families wanted
        self.which_params: tuple[Any, ...] = ()
        if family_id is not None:
            self.which, self.which_params = f"family_id = {m}", (family_id,)
        elif family_ids is not None:
            self.which = f"family_id IN ({', '.join(m for _ in family_ids) or 'NULL'})"
            self.which_params = tuple(family_ids)
        elif family_range is not None:
            low, high = family_range
            self.which, self.which_params = f"family_id >= {m}", (low,)
            if high is not None:
                self.which += f" AND family_id < {m}"
                self.which_params += (high,)

    def fetch(
        self,
        table: str,
        columns: str,
        where: str = "",
        params: tuple[Any, ...] = (),
        by_family: bool = True,
    ) -> list[tuple[Any, ...]]:
        """Rows of ``columns``; only the wanted families' rows when the table is ``by_family``."""
        conditions = [where] if where else []
        if self.which and by_family:
            conditions.append(self.which)
            params = (*params, *self.which_params)
        sql = f"SELECT {columns} FROM {table}"
        if conditions:
            sql += " WHERE " + " AND ".join(f"({c})" for c in conditions)
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    def facts(
        self, spec: FactTable, where: str = "", params: tuple[Any, ...] = (), by_family: bool = True
    ) -> tuple[Sequence[Any], list[Any]]:
        """The table's rows as facts, and the family each belongs to (empty without an owner)."""
        owner = [spec.owner] if spec.owner else []
        columns = ", ".join(["batch_id", "source_row", *owner, *spec.column_list(self.cited)])
        rows = self.fetch(spec.table, columns, where, params, by_family)
        if not rows:
            return (), []
        # in the order of the files (a database returns rows in any order: PostgreSQL's parallel
        # scans differ run to run), so a family's evidence lists its records in one order on
        # either database, however often it is decided; rows come nearly in order, which Python's
        # sort takes in one pass
        rows.sort(key=_ROW)
        if len(set(map(_BATCH, rows))) > 1:  # the ledger of earlier claims keeps every import's
            rows.sort(key=_BATCH)  # by batch, and within one by row (the sort is stable)
        fields = spec.read(self.cited)
        at = spec.fact._fields.index("source")
        made = functools.partial(new_tuple, spec.fact)
        if (
            not self.cited
            and fields == list(spec.fact._fields[:at])
            and not any(
                self.converters[spec.converters[name]] is not _as_given
                for name in fields
                if name in spec.converters
            )
        ):  # each row's values are its fact's fields up to the source: the fact is made whole
            rest = (UNCITED, *(spec.fact._field_defaults[f] for f in spec.fact._fields[at + 1 :]))
            values_of = itemgetter(slice(2 + len(owner), None))
            return (
                list(map(itemgetter(2), rows)) if owner else (),
                list(map(made, map(tuple.__add__, map(values_of, rows), repeat(rest)))),
            )
        batches, numbers, *values = zip(*rows, strict=True)  # a column at a time: far fewer calls
        owners = tuple(values.pop(0)) if owner else ()
        converted = [
            self.converters[spec.converters[name]](column) if name in spec.converters else column
            for name, column in zip(fields, values, strict=True)
        ]
        left_out = [
            repeat(spec.fact._field_defaults[f], len(rows)) for f in spec.fact._fields[at + 1 :]
        ]
        in_order = [
            *converted[:at],
            self.sources(batches, numbers) if self.cited else repeat(UNCITED, len(rows)),
            *converted[at:],
            *left_out[len(converted) - at :],  # the evidence's fields not read: their defaults
        ]
        if len(in_order) != len(spec.fact._fields):  # what the fact's _make would check per row
            raise TypeError(f"{spec.table}: {len(in_order)} columns for {spec.fact.__name__}")
        return owners, list(map(made, zip(*in_order, strict=True)))

    def source(self, batch: int, row: int) -> Source:
        name, number, day = self.imports[batch]
        return new_tuple(Source, (name, row, number, day))

    def sources(self, batches: Sequence[int], rows: Iterable[int]) -> Iterator[Source]:
        """Each row's source, a column at a time: a table's rows come from one batch or few."""
        found = {batch: self.imports[batch] for batch in set(batches)}
        count = len(batches)
        if len(found) == 1:
            ((name, number, day),) = found.values()
            columns: tuple[Iterable[Any], ...] = (
                repeat(name, count),
                rows,
                repeat(number, count),
                repeat(day, count),
            )
        else:
            names, numbers, days = (
                {batch: of[part] for batch, of in found.items()} for part in range(3)
            )
            columns = (
                map(names.__getitem__, batches),
                rows,
                map(numbers.__getitem__, batches),
                map(days.__getitem__, batches),
            )
        return map(functools.partial(new_tuple, Source), zip(*columns, strict=True))

    def grouped(
        self, spec: FactTable, where: str = "", params: tuple[Any, ...] = ()
    ) -> dict[str, list[Any]]:
        """The table's facts by family (those of its rows ``where`` picks)."""
        by_family: dict[str, list[Any]] = defaultdict(list)
        owners, facts = self.facts(spec, where, params)
        for family, fact in zip(owners, facts, strict=True):
            by_family[family].append(fact)
        return by_family

    def _people_of_wanted(self, column: str) -> tuple[str, tuple[Any, ...]]:
        """A subquery of the wanted families' people's ``column``, and its parameters."""
        sql = f"SELECT {column} FROM people WHERE {column} IS NOT NULL"
        if self.which:
            sql += f" AND {self.which}"
        return sql, self.which_params

    def bundles(
        self, as_of: date, attendance_terms: Iterable[tuple[str, str]] | None
    ) -> list[FamilyBundle]:
        day = self.day
        families = [
            (fid, day[start], day[end], self.source(b, r))
            for b, r, fid, start, end in self.fetch(
                "families",
                "batch_id, source_row, family_id, episode_start, episode_end",
                f"episode_start <= {self.mark}",
                (as_of.isoformat(),),
            )
        ]
        wanted = {f[0] for f in families}
        facts = {
            spec.table: self.grouped(spec, *self.only.get(spec.table, ("", ())))
            for spec in FACT_TABLES
            if spec.owner
        }
        people: dict[str, list[PersonFacts]] = facts["people"]
        for fid in set(people) - wanted:
            del people[fid]
        attendance = self._attendance(people, attendance_terms)
        referrals = self._referrals(people, wanted)
        claimed_in_runs = self._claimed_in_runs()
        failed_audits = self._failed_audits()
        bundles = [
            FamilyBundle(
                family_id=fid,
                episode_start=start,
                episode_end=end,
                source=source,
                attendance={upn: tuple(v) for upn, v in attendance.get(fid, {}).items()},
                referrals=tuple(referrals.get(fid, {}).values()),
                claimed_in_runs=claimed_in_runs.get(fid, ()),
                failed_audits=failed_audits.get(fid, ()),
                **{name: tuple(by_family.get(fid, ())) for name, by_family in facts.items()},
                cited=self.cited,
            )
            for fid, start, end, source in families
        ]
        return sorted(bundles, key=lambda bundle: bundle.family_id)

    def _attendance(
        self, people: dict[str, list[PersonFacts]], terms: Iterable[tuple[str, str]] | None
    ) -> dict[str, dict[str, list[AttendanceFacts]]]:
        """Attendance of pupils who are people of the wanted families, in the terms asked for,
        by family and then by UPN (a pupil may be in more than one family)."""
        m = self.mark
        pupils, params = self._people_of_wanted("upn")
        where = f"upn IN ({pupils})"
        if terms is not None:
            pairs = list(terms)
            where += (
                " AND (" + " OR ".join(f"(academic_year = {m} AND term = {m})" for _ in pairs) + ")"
            )
            params = (*params, *(value for pair in pairs for value in pair))
        upn_families: dict[str, set[str]] = defaultdict(set)
        for fid, household in people.items():
            for person in household:
                if person.upn:
                    upn_families[person.upn].add(fid)
        attendance: dict[str, dict[str, list[AttendanceFacts]]] = defaultdict(
            lambda: defaultdict(list)
        )
        _none, facts = self.facts(TABLES["attendance"], where, params, by_family=False)
        for fact in facts:
            for owner in upn_families.get(fact.upn, ()):
                attendance[owner][fact.upn].append(fact)
        return attendance

    def _referrals(
        self, people: dict[str, list[PersonFacts]], wanted: set[str]
    ) -> dict[str, dict[str, ReferralFacts]]:
        """Referrals for the wanted families, or for any of their people, by family and ID."""
        spec = TABLES["referrals"]
        where, params = self.only.get("referrals", ("", ()))
        if self.which:
            of_people, of_params = self._people_of_wanted("person_id")
            whose = f"({self.which}) OR person_id IN ({of_people})"
            where = f"({whose}) AND ({where})" if where else whose
            params = (*self.which_params, *of_params, *params)
        _none, facts = self.facts(spec, where, params, by_family=False)
        family_of_person = {
            p.person_id: fid for fid, household in people.items() for p in household
        }
        referrals: dict[str, dict[str, ReferralFacts]] = defaultdict(dict)
        for fact in facts:
            for owner in {fact.family_id, family_of_person.get(fact.person_id)}:
                if owner in wanted:
                    referrals[owner][fact.referral_id] = fact
        return referrals

    def _failed_audits(self) -> dict[str, tuple[str, ...]]:
        """The claim runs whose auditor's latest verdict on each family is fail, where the
        family's records are still those the run kept (a changed record lifts it)."""
        latest: dict[tuple[str, str], str] = {}
        for run_id, family_id, verdict in self._verdicts():
            latest[(run_id, family_id)] = verdict
        failed = [key for key, verdict in latest.items() if verdict == "fail"]
        if not failed:
            return {}
        kept = {
            (run_id, family_id): fingerprint
            for run_id, family_id, fingerprint in self.fetch(
                "claimed_families", "run_id, family_id, records_sha256"
            )
        }
        today = records_fingerprints(self.connection, {family for _run, family in failed})
        standing: dict[str, list[str]] = defaultdict(list)
        for run_id, family_id in sorted(failed):
            if kept.get((run_id, family_id)) == today[family_id]:
                standing[family_id].append(run_id)
        return {family: tuple(runs) for family, runs in standing.items()}

    def _verdicts(self) -> list[tuple[Any, ...]]:
        """Every verdict on the wanted families, oldest first (the latest of each run stands)."""
        rows = self.fetch("audit_verdicts", "recorded_at, id, run_id, family_id, verdict")
        return [row[2:] for row in sorted(rows, key=lambda row: (row[0], row[1]))]

    def _claimed_in_runs(self) -> dict[str, tuple[str, ...]]:
        """The submitted claim runs that claimed each family: the ledger."""
        claimed: dict[str, list[str]] = defaultdict(list)
        rows = self.fetch("claimed_families", "family_id, run_id", "submitted = TRUE")
        for family_id, run_id in sorted(rows, key=lambda row: row[1]):
            claimed[family_id].append(run_id)
        return {family: tuple(runs) for family, runs in claimed.items()}

"""What a run holds, for the exports and packs: its families, evidence, records, verdicts and
its log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import orjson
from sqlalchemy import Connection, Engine, Row, func, select
from sqlmodel import col

from sfclaims.claims.digest import SUBMITTED_ACTION, verify_submitted
from sfclaims.claims.runs import (
    get_run,
    people_named,
    plural,
    run_family_ids,
    separate_duties,
)
from sfclaims.claims.sample import AuditConclusion, audit_conclusion, widen_above
from sfclaims.deciding.facts import as_stored
from sfclaims.deciding.rules.findings import Finding, findings_from_json
from sfclaims.platform.activity import LogEntry
from sfclaims.platform.db import one_snapshot
from sfclaims.platform.errors import UsageError
from sfclaims.platform.models import (
    Activity,
    AuditVerdict,
    ClaimedFamily,
    ClaimRun,
    table_of,
)
from sfclaims.platform.quarters import period_months, period_named
from sfclaims.platform.settings import quarter_convention

#: A row of claimed_families, as SQLAlchemy gives it (its columns' types are the table's).
FamilyRow: TypeAlias = "Row[*tuple[Any, ...]]"

if TYPE_CHECKING:
    pass


# --- what a run holds, for exports and packs ----------------------------------------------------


@dataclass(frozen=True)
class RunContents:
    run: ClaimRun
    families: list[FamilyRow]  # claimed_families rows, in the run's order, withdrawn ones included
    verdicts: dict[str, list[AuditVerdict]]  # by family: every verdict on it, in any run
    chosen: tuple[str, ...] = ()  # the families asked for; none: the whole run
    log: tuple[LogEntry, ...] = ()  # the run's activity, up to its submission once submitted
    separate_accounts: bool = True  # False: one person working alone, no accounts yet
    run_claims: int = 0  # families the whole run claims (not only those chosen)
    quarters: str = "financial"  # the authority's convention: how the run's period is named
    conclusion: AuditConclusion | None = None  # what internal audit found in its sample
    people: dict[str, str] = field(default_factory=dict)  # full names, by account (runs.py)

    @property
    def period(self) -> str:
        """The run's quarter as people read it: the authority's name for it, and its months."""
        return f"{period_named(self.run.period, self.quarters)} ({period_months(self.run.period)})"

    @property
    def claimed(self) -> list[FamilyRow]:
        return [f for f in self.families if not f.withdrawn]

    @property
    def status(self) -> str:
        return "submitted" if self.run.submitted_at else "draft"

    def evidence(self, family: FamilyRow) -> list[Finding]:
        return findings_from_json(orjson.loads(family.evidence))


def run_contents(
    engine: Engine,
    run_id: str,
    families: Sequence[str] = (),
    *,
    evidence: bool = True,
    records: bool | None = None,
) -> RunContents:
    """The run and its families (all of them, or the ones asked for), with their verdicts.
    ``evidence=False`` leaves out each family's findings, ``records=False`` its records (JSON,
    a few kilobytes a family); records come by default only with families asked for."""
    with_records = bool(families) if records is None else records
    left_out = {"evidence"} if not evidence else set()
    left_out |= {"facts"} if not with_records else set()
    with one_snapshot(engine) as connection:  # what is verified is what is shown
        run = get_run(connection, run_id)
        run_id = run.run_id  # as stored, however it was typed
        verify_submitted(connection, run)
        columns = table_of(ClaimedFamily).c
        query = (
            select(*(c for c in columns if c.name not in left_out))
            .where(col(ClaimedFamily.run_id) == run_id)
            .order_by(col(ClaimedFamily.position))
        )
        if families:
            in_run = run_family_ids(connection, run_id)
            meant = {given: as_stored(given, in_run) for given in families}
            query = query.where(col(ClaimedFamily.family_id).in_(set(meant.values()) - {None}))
        found = list(connection.execute(query))  # plain rows: thousands of families
        missing = sorted(given for given in families if meant[given] is None)
        if missing:
            raise UsageError(
                f"{plural(missing, 'Family', 'Families')} {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not in claim run {run_id}."
            )
        verdict_query = (
            select(*table_of(AuditVerdict).c)
            .where(col(AuditVerdict.family_id).in_([f.family_id for f in found]))
            .order_by(col(AuditVerdict.recorded_at), col(AuditVerdict.id))
        )
        if run.submitted_at is not None:  # a locked run shows what it showed when submitted
            verdict_query = verdict_query.where(col(AuditVerdict.recorded_at) <= run.submitted_at)
        verdict_rows = connection.execute(verdict_query)
        verdicts: dict[str, list[AuditVerdict]] = {}
        for row in verdict_rows:
            verdicts.setdefault(row.family_id, []).append(AuditVerdict(**row._mapping))
        log = run_log(connection, run_id, submitted=run.submitted_at is not None)
        alone = not separate_duties(connection)
        claims = connection.execute(
            select(func.count()).where(
                col(ClaimedFamily.run_id) == run_id, ~col(ClaimedFamily.withdrawn)
            )
        ).scalar_one()
        quarters = quarter_convention(connection)
        conclusion = audit_conclusion(connection, run, widen_above(connection))
        people = people_named(connection, run)
    return RunContents(
        run,
        found,
        verdicts,
        tuple(families),
        tuple(log),
        not alone,
        claims,
        quarters,
        conclusion,
        people,
    )


RUN_PAGE = 100  # families on a page of a run


@dataclass(frozen=True)
class RunPage:
    """A page of a run as its page shows it: the run (its families only this page's, in the
    run's order), which of them are sampled, how many pages, and whether its audit is done."""

    contents: RunContents
    page: int
    pages: int
    sampled: frozenset[str]
    audited: bool


def run_page(engine: Engine, run_id: str, page: int = 1, size: int = RUN_PAGE) -> RunPage:
    """A page of the run's families (withdrawn ones included), read as a page alone: as quick
    for a run of 50,000 families as of 50. A submitted run is verified first, as every read of
    it is."""
    from sfclaims.claims.sample import audit_finished, sampled

    with one_snapshot(engine) as connection:
        run = get_run(connection, run_id)
        verify_submitted(connection, run)
        every = connection.execute(
            select(func.count()).where(col(ClaimedFamily.run_id) == run.run_id)
        ).scalar_one()
        pages = max(-(-every // size), 1)
        page = min(max(page, 1), pages)
        found = list(
            connection.execute(
                select(col(ClaimedFamily.family_id), col(ClaimedFamily.withdrawn))
                .where(col(ClaimedFamily.run_id) == run.run_id)
                .order_by(col(ClaimedFamily.position))
                .limit(size)
                .offset((page - 1) * size)
            )
        )
        drawn = frozenset(sampled(connection, run.run_id))
        audited = audit_finished(connection, run)
        log = run_log(connection, run.run_id, submitted=run.submitted_at is not None)
        claims = connection.execute(
            select(func.count()).where(
                col(ClaimedFamily.run_id) == run.run_id, ~col(ClaimedFamily.withdrawn)
            )
        ).scalar_one()
        quarters = quarter_convention(connection)
    contents = RunContents(run, found, {}, (), tuple(log), True, claims, quarters)
    shown = frozenset(f.family_id for f in found)
    return RunPage(contents, page, pages, drawn & shown, audited)


def run_log(connection: Connection, run_id: str, submitted: bool) -> list[LogEntry]:
    """The run's activity, oldest first; of a submitted run, up to its submission, so what its
    outputs show never changes."""
    rows = list(
        connection.execute(
            select(
                col(Activity.at),
                col(Activity.who),
                col(Activity.action),
                col(Activity.object),
                col(Activity.detail),
                col(Activity.identified_by),
            )
            .where(col(Activity.object) == run_id)
            .order_by(col(Activity.id))
        )
    )
    if submitted:
        ends = [i for i, row in enumerate(rows) if row.action == SUBMITTED_ACTION]
        rows = rows[: ends[0] + 1] if ends else rows
    return [LogEntry(*row) for row in rows]

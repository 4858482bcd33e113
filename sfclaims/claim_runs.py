"""Claim runs and the ledger: making a draft run, submitting (locking) it, and what a run holds.

A claim run takes the claimable families as of a date (with a cap, the earliest episode starts
first, then family ID) and keeps, for each, the decision, the evidence and the family's records as
they stood, so nothing later can change what the run claims or shows. Submitting locks the run;
the database refuses a family in two submitted runs. The audit of a run is in ``sfclaims.audit``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version
from typing import TYPE_CHECKING, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from sfclaims.activity import LogEntry, operating_system_user, record_activity
from sfclaims.data_state import data_changed, data_version, kinds_never_imported
from sfclaims.dates import check_as_of
from sfclaims.db import bulk_load, one_snapshot, writing
from sfclaims.errors import NotFoundError, RefusedError, UsageError
from sfclaims.extracts.kinds import LIST_SEPARATOR
from sfclaims.facts import as_stored
from sfclaims.given import checked_number, checked_text
from sfclaims.models import (
    Activity,
    AuditSample,
    AuditVerdict,
    ClaimedFamily,
    ClaimRun,
    PreviousClaim,
    table_of,
)
from sfclaims.records import records_fingerprints
from sfclaims.rules import result_of
from sfclaims.rules.datachecks import attendance_check, rereferral_check
from sfclaims.rules.findings import Finding, findings_from_json

if TYPE_CHECKING:
    from sfclaims.decisions import Assessed
    from sfclaims.framework import Framework

PERIOD = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)  # 2025-Q3, 2025q3, 2025Q3


def engine_version() -> str:
    return version("sfclaims")


def check_period(period: str) -> str:
    """The quarter as runs are named, ``2025-Q3``, however it was typed."""
    quarter = PERIOD.match(period.strip())
    if not quarter:
        raise UsageError(f"The period {period!r} is not a quarter; write it like 2025-Q3.")
    return f"{quarter.group(1)}-Q{quarter.group(2)}"


@dataclass(frozen=True)
class RunCreated:
    run_id: str
    families: int
    claimable: int  # before the cap


def create_run(
    engine: Engine,
    framework: Framework,
    period: str,
    as_of: date,
    max_families: int | None = None,
    another: bool = False,
    by: str | None = None,
) -> RunCreated:
    """A draft run of the claimable families as of the date (the earliest episodes first).
    A period holds one draft at a time unless ``another`` is asked for."""
    # deciding is loaded only here: the ledger and the audit need none of it
    from sfclaims.assessing import assess_and_store
    from sfclaims.decisions import current_claimable

    period = check_period(period)
    check_as_of(as_of)
    with engine.connect() as connection:  # said before any deciding; checked again when stored
        _refuse_second_draft(connection, period, another)
        missing = [k for k in kinds_never_imported(connection) if k != "previous_claims"]
    if missing:
        raise RefusedError(
            f"No {', '.join(missing)} have ever been imported into this database, so no claim "
            f"can rest on them; import them first."
        )
    if max_families is not None:
        checked_number(max_families, "the cap on families")
    decided = current_claimable(engine, framework, as_of)
    if decided is None:  # no decisions as of the date since the data last changed: decide now
        decided = assess_and_store(engine, framework, as_of)
    claimable = sorted(
        (a for a in decided.families if a.decision.claimable),
        key=lambda a: (a.episode_start, a.decision.family_id),
    )
    chosen = claimable if max_families is None else claimable[:max_families]
    if not chosen:
        raise RefusedError(
            f"No family can be claimed as of {as_of:%d/%m/%Y}"
            f"{' within a cap of 0' if claimable else ''}; no claim run was stored.",
            remedy="see why",
            as_of=as_of,
        )
    created_at = datetime.now(UTC)
    try:
        run_id = _store_run(
            engine,
            framework,
            period,
            as_of,
            max_families,
            created_at,
            chosen,
            decided.data_version,
            another,
            by or operating_system_user(),
        )
    except IntegrityError:
        raise RefusedError(
            f"Another claim run for {period} was made at the same moment; nothing was stored — "
            f"run the command again."
        ) from None
    return RunCreated(run_id, len(chosen), len(claimable))


def _store_run(
    engine: Engine,
    framework: Framework,
    period: str,
    as_of: date,
    max_families: int | None,
    created_at: datetime,
    chosen: list[Assessed],
    decided_from: int,
    another: bool,
    by: str,
) -> str:
    """Store the run, if the data are still in the state its families were decided from; no
    change can commit while it is stored."""
    with writing(engine) as connection:
        if data_version(connection, lock=True) != decided_from:
            raise RefusedError(
                "The data changed while the claim run was being made (an import or a submission "
                "finished meanwhile); nothing was stored — run the command again."
            )
        _refuse_second_draft(connection, period, another)
        run_id = _next_run_id(connection, period)
        connection.execute(
            insert(ClaimRun).values(
                run_id=run_id,
                period=period,
                as_of=as_of,
                max_families=max_families,
                created_at=created_at,
                framework=framework.label(),
                framework_sha256=framework.sha256,
                engine_version=engine_version(),
                created_by=by,
            )
        )
        record_activity(
            connection,
            by,
            "claim run made",
            run_id,
            f"{period}, as of {as_of:%d/%m/%Y}, {len(chosen)} families"
            + (f", capped at {max_families}" if max_families is not None else ""),
        )
        columns = [c.name for c in table_of(ClaimedFamily).c]
        fingerprints = records_fingerprints(connection, (a.decision.family_id for a in chosen))
        rows = [
            _claimed_row(run_id, position, a, as_of, columns, fingerprints)
            for position, a in enumerate(chosen, start=1)
        ]
        bulk_load(connection, table_of(ClaimedFamily), columns, rows)
    return run_id


def _refuse_second_draft(connection: Connection, period: str, another: bool) -> None:
    draft = connection.execute(
        select(col(ClaimRun.run_id))
        .where(col(ClaimRun.period) == period, col(ClaimRun.submitted_at).is_(None))
        .order_by(col(ClaimRun.run_id))
    ).first()
    if draft is not None and not another:
        raise RefusedError(
            f"Claim run {draft.run_id} is a draft for {period} already; submit or discard it "
            f"first.",
            remedy="another draft",
        )


def _next_run_id(connection: Connection, period: str) -> str:
    """The period's next run ID, never one given before: a discarded run's ID stays in the
    activity log (which nothing can delete), so its log and any workbook made from it keep
    meaning that run alone."""
    prefix = f"{period}-R"
    given = connection.execute(
        select(col(ClaimRun.run_id)).where(col(ClaimRun.period) == period)
    ).scalars()
    logged = connection.execute(
        select(col(Activity.object)).where(
            col(Activity.action) == "claim run made", col(Activity.object).startswith(prefix)
        )
    ).scalars()
    numbers = [
        int(tail) for run_id in (*given, *logged) if (tail := run_id[len(prefix) :]).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _claimed_row(
    run_id: str,
    position: int,
    assessed: Assessed,
    as_of: date,
    columns: list[str],
    fingerprints: dict[str, str],
) -> tuple:
    decision = assessed.decision
    findings = findings_from_json(orjson.loads(assessed.evidence or "[]"), with_records=False)
    facts = orjson.loads(assessed.facts or "{}")

    def first(kind: str, field: str) -> str | None:
        days = [
            item[field]
            for item in facts[kind]
            if item[field] is not None and item[field] <= as_of.isoformat()
        ]
        return min(days, default=None)

    end = facts["episode_end"]
    values = {
        "run_id": run_id,
        "family_id": decision.family_id,
        "position": position,
        "withdrawn": False,
        "submitted": False,
        "episode_start": facts["episode_start"],
        "episode_end": end if end is not None and end <= as_of.isoformat() else None,
        "needs": LIST_SEPARATOR.join(decision.needs),
        "evidenced": orjson.dumps(_evidenced(findings)).decode(),
        "assessment_completed": first("assessments", "completed_date"),
        "plan_start": first("plans", "plan_start"),
        "lead_practitioner_start": first("lead_practitioners", "start_date"),
        "attendance_check": _data_check(result_of(findings, attendance_check)),
        "rereferral_check": _data_check(result_of(findings, rereferral_check)),
        "evidence": assessed.evidence,
        "facts": assessed.facts,
        "records_sha256": fingerprints[decision.family_id],
    }
    return tuple(values[c] for c in columns)


def _data_check(found: Finding) -> str:
    """A data check's result as the submission shows it: ``pass: <what it found>``."""
    return f"{'pass' if found.passed else 'fail'}: {found.says}"


def _evidenced(findings: list[Finding]) -> dict[str, list[str]]:
    """Each evidenced headline, in canonical order, with how its needs were met (outcome,
    attendance): the writers word it."""
    return {f.headline: list(f.evidenced_by) for f in findings if f.headline and f.passed}


# --- the ledger ---------------------------------------------------------------------------------


def get_run(connection: Connection, run_id: str, lock: bool = False) -> ClaimRun:
    """The run; with ``lock``, its row locked until the transaction ends (PostgreSQL: FOR
    UPDATE; on SQLite the transaction holds the write lock, see ``db.writing``), so a verdict and
    a submission of the same run happen one after the other."""
    checked_text(run_id, "the run ID", 100)
    query = select(*table_of(ClaimRun).c).where(
        func.upper(col(ClaimRun.run_id)) == run_id.strip().upper()  # as typed: 2025-q3-r1
    )
    row = connection.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError(f"There is no claim run {run_id}.", remedy="run IDs")
    return ClaimRun(**row._mapping)


def run_family_ids(connection: Connection, run_id: str) -> list[str]:
    return list(
        connection.execute(
            select(col(ClaimedFamily.family_id)).where(col(ClaimedFamily.run_id) == run_id)
        ).scalars()
    )


def refuse_if_submitted(run: ClaimRun, what: str) -> None:
    if run.submitted_at is not None:
        raise RefusedError(
            f"Claim run {run.run_id} was submitted on {run.submitted_at:%d/%m/%Y} and is locked; "
            f"{what}."
        )


def submit_run(engine: Engine, run_id: str, by: str | None = None) -> int:
    """Lock the run: its families become claimed. Refused if any was claimed already, and (once
    there are accounts) if the person submitting recorded a verdict in it."""
    by = by or operating_system_user()
    try:
        with writing(engine) as connection:
            run = get_run(connection, run_id, lock=True)
            run_id = run.run_id  # as stored, however it was typed
            refuse_if_submitted(run, "it cannot be submitted again")
            refuse_unless_audited(connection, run)
            if separate_duties(connection) and by in verdict_authors(connection, run_id):
                raise RefusedError(
                    f"{by} recorded audit verdicts in claim run {run_id}, so cannot also submit "
                    f"it; another member of the claims team must."
                )
            families = list(
                connection.execute(
                    select(col(ClaimedFamily.family_id)).where(
                        col(ClaimedFamily.run_id) == run_id, ~col(ClaimedFamily.withdrawn)
                    )
                ).scalars()
            )
            if not families:
                raise RefusedError(f"Claim run {run_id} holds no family to claim.")
            already = _already_claimed(connection, run_id, families)
            if already:
                raise RefusedError(
                    f"Claim run {run_id} holds {len(already)} famil"
                    f"{'y' if len(already) == 1 else 'ies'} already claimed "
                    f"({', '.join(already[:10])}{', …' if len(already) > 10 else ''}); "
                    f"make a new run, which leaves them out."
                )
            # the families first: once the run is submitted, the database refuses any change
            connection.execute(
                update(ClaimedFamily)
                .where(col(ClaimedFamily.run_id) == run_id, ~col(ClaimedFamily.withdrawn))
                .values(submitted=True)
            )
            connection.execute(
                update(ClaimRun)
                .where(col(ClaimRun.run_id) == run_id)
                .values(
                    submitted_at=datetime.now(UTC),
                    submitted_by=by,
                    digest=run_digest(connection, run_id),
                )
            )
            data_changed(connection)  # its families are ALREADY_CLAIMED from now on
            record_activity(connection, by, SUBMITTED_ACTION, run_id, f"{len(families)} families")
    except IntegrityError:
        raise RefusedError(
            f"Claim run {run_id} holds a family that another run submitted at the same time; "
            f"nothing was submitted — make a new run."
        ) from None
    return len(families)


SUBMITTED_ACTION = "claim run submitted"  # the log's row that closes a run's log

DIGESTED_RUN_COLUMNS = (
    "run_id",
    "period",
    "as_of",
    "max_families",
    "created_at",
    "framework",
    "framework_sha256",
    "engine_version",
)


NOT_DIGESTED_FAMILY_COLUMNS = ("records_sha256",)  # added after digests were first kept


def run_digest(connection: Connection, run_id: str) -> str:
    """SHA-256 of everything the run claims, as stored: the run's own terms, each family's row
    in the run's order, and its verdicts. (A digest once kept never changes, so the run's
    columns it covers are named here; its sample and its submission are guarded by triggers.)"""
    digest = hashlib.sha256()
    run_columns = [table_of(ClaimRun).c[name] for name in DIGESTED_RUN_COLUMNS]
    family_table, verdict_table = table_of(ClaimedFamily), table_of(AuditVerdict)
    family_columns = [c for c in family_table.c if c.name not in NOT_DIGESTED_FAMILY_COLUMNS]
    queries = (
        select(*run_columns).where(col(ClaimRun.run_id) == run_id),
        select(*family_columns)
        .where(family_table.c.run_id == run_id)
        .order_by(family_table.c.position),
        select(*verdict_table.c)
        .where(verdict_table.c.run_id == run_id)
        .order_by(verdict_table.c.id),
    )
    for query in queries:
        for row in connection.execute(query):
            digest.update(orjson.dumps([_plain(value) for value in row]) + b"\n")
    return digest.hexdigest()


def _plain(value: object) -> object:
    """A stored value the same way whichever database gave it back."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def verify_submitted(connection: Connection, run: ClaimRun) -> None:
    """A submitted run's rows are as they were submitted; refused otherwise, never shown."""
    if run.submitted_at is not None and run.digest != run_digest(connection, run.run_id):
        raise RefusedError(
            f"Claim run {run.run_id} no longer matches what was submitted on "
            f"{run.submitted_at:%d/%m/%Y}: its rows were changed in the database after "
            f"submission, so nothing was written — tell the database's administrator."
        )


def sampled(connection: Connection, run_id: str) -> list[str]:
    """The families of the run's audit sample, sorted."""
    return sorted(
        connection.execute(
            select(col(AuditSample.family_id)).where(col(AuditSample.run_id) == run_id)
        ).scalars()
    )


def sampled_families(engine: Engine, run_id: str) -> list[str]:
    """The run's audit sample (refused while none is drawn)."""
    with engine.connect() as connection:
        run = get_run(connection, run_id)
        found = sampled(connection, run.run_id)
    if not found:
        raise RefusedError(
            f"Claim run {run.run_id} has no audit sample yet.",
            remedy="draw a sample",
            run=run.run_id,
        )
    return found


def sampled_with_verdicts(connection: Connection, run_id: str) -> list[str]:
    """The sampled families of the run that have a verdict in it, sorted."""
    with_verdict = set(
        connection.execute(
            select(col(AuditVerdict.family_id)).where(col(AuditVerdict.run_id) == run_id)
        ).scalars()
    )
    return [f for f in sampled(connection, run_id) if f in with_verdict]


def refuse_unless_audited(connection: Connection, run: ClaimRun) -> None:
    """A run is submitted only once its audit sample is drawn and every sampled family has a
    verdict (domain.md: the audit and the ledger)."""
    if run.sample_seed is None:
        raise RefusedError(
            f"Claim run {run.run_id} has no audit sample yet, so it cannot be submitted.",
            remedy="draw a sample",
            run=run.run_id,
        )
    checked = set(sampled_with_verdicts(connection, run.run_id))
    waiting = [f for f in sampled(connection, run.run_id) if f not in checked]
    if waiting:
        raise RefusedError(
            f"Claim run {run.run_id} cannot be submitted: {len(waiting)} sampled "
            f"famil{'y has' if len(waiting) == 1 else 'ies have'} no verdict yet "
            f"({', '.join(waiting[:10])}{', …' if len(waiting) > 10 else ''}); internal audit "
            f"must record {'it' if len(waiting) == 1 else 'them'} first.",
            remedy="record verdicts",
            run=run.run_id,
        )


class RunListed(NamedTuple):
    """A claim run as `claim list` shows it."""

    run_id: str
    period: str
    as_of: date
    status: str
    claimed: int
    withdrawn: int
    sampled: int
    sampled_checked: int  # sampled families with a verdict
    created_at: datetime
    submitted_at: datetime | None


def list_runs(engine: Engine) -> list[RunListed]:
    """Every claim run, oldest first, with its families, sample and verdicts counted."""
    with one_snapshot(engine) as connection:
        runs = connection.execute(
            select(*table_of(ClaimRun).c).order_by(col(ClaimRun.created_at))
        ).all()
        families: dict[tuple[str, bool], int] = {
            (run_id, withdrawn): count
            for run_id, withdrawn, count in connection.execute(
                select(
                    col(ClaimedFamily.run_id), col(ClaimedFamily.withdrawn), func.count()
                ).group_by(col(ClaimedFamily.run_id), col(ClaimedFamily.withdrawn))
            )
        }
        listed = []
        for run in runs:
            in_sample = sampled(connection, run.run_id)
            listed.append(
                RunListed(
                    run.run_id,
                    run.period,
                    run.as_of,
                    "submitted" if run.submitted_at else "draft",
                    families.get((run.run_id, False), 0),
                    families.get((run.run_id, True), 0),
                    len(in_sample),
                    len(sampled_with_verdicts(connection, run.run_id)),
                    run.created_at,
                    run.submitted_at,
                )
            )
    return listed


def submission_preview(engine: Engine, run_id: str) -> RunListed:
    """What submitting the run would lock, once it may be submitted (refused as submit would)."""
    with engine.connect() as connection:
        run = get_run(connection, run_id)
        refuse_if_submitted(run, "it cannot be submitted again")
        refuse_unless_audited(connection, run)
    return next(r for r in list_runs(engine) if r.run_id == run.run_id)


def discard_run(engine: Engine, run_id: str, by: str | None = None) -> tuple[str, int, int]:
    """Remove a draft run with its families, sample and verdicts (a submitted run stays): its
    ID as stored, and how many families and verdicts went with it."""
    with writing(engine) as connection:
        run = get_run(connection, run_id, lock=True)
        refuse_if_submitted(run, "it cannot be discarded")
        run_id = run.run_id
        removed = {}
        for model in (AuditVerdict, AuditSample, ClaimedFamily):
            removed[model] = connection.execute(
                delete(model).where(col(model.run_id) == run_id)
            ).rowcount
        connection.execute(delete(ClaimRun).where(col(ClaimRun.run_id) == run_id))
        if removed[AuditVerdict]:
            data_changed(connection)  # its failed verdicts no longer hold families back
        record_activity(
            connection,
            by,
            "claim run discarded",
            run_id,
            f"{removed[ClaimedFamily]} families, {removed[AuditVerdict]} verdicts",
        )
    return run_id, removed[ClaimedFamily], removed[AuditVerdict]


def _already_claimed(connection: Connection, run_id: str, families: list[str]) -> list[str]:
    return sorted(set(families) & claimed_family_ids(connection, other_than=run_id))


def claimed_family_ids(connection: Connection, other_than: str | None = None) -> set[str]:
    """Every family claimed: in a submitted run (but ``other_than``) or before this engine."""
    in_runs = select(col(ClaimedFamily.family_id)).where(col(ClaimedFamily.submitted))
    if other_than is not None:
        in_runs = in_runs.where(col(ClaimedFamily.run_id) != other_than)
    before = select(col(PreviousClaim.family_id))
    return set(connection.execute(in_runs).scalars()) | set(connection.execute(before).scalars())


def allocation_left(engine: Engine) -> int | None:
    """The authority's allocation (settings) less every family claimed; None without one."""
    from sfclaims.settings import read_settings

    allocation = read_settings(engine).allocation
    if allocation is None:
        return None
    with engine.connect() as connection:
        return max(allocation - len(claimed_family_ids(connection)), 0)


# --- what a run holds, for exports and packs ----------------------------------------------------


@dataclass(frozen=True)
class RunContents:
    run: ClaimRun
    families: list[Row]  # claimed_families rows, in the run's order, withdrawn ones included
    verdicts: dict[str, list[AuditVerdict]]  # by family: every verdict on it, in any run
    chosen: tuple[str, ...] = ()  # the families asked for; none: the whole run
    log: tuple[LogEntry, ...] = ()  # the run's activity, up to its submission once submitted
    separate_accounts: bool = True  # False: one person working alone, no accounts yet
    run_claims: int = 0  # families the whole run claims (not only those chosen)

    @property
    def claimed(self) -> list[Row]:
        return [f for f in self.families if not f.withdrawn]

    @property
    def status(self) -> str:
        return "submitted" if self.run.submitted_at else "draft"

    def evidence(self, family: Row) -> list[Finding]:
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
                f"{_plural(missing, 'Family', 'Families')} {', '.join(missing)} "
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
    return RunContents(run, found, verdicts, tuple(families), tuple(log), not alone, claims)


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
            )
            .where(col(Activity.object) == run_id)
            .order_by(col(Activity.id))
        )
    )
    if submitted:
        ends = [i for i, row in enumerate(rows) if row.action == SUBMITTED_ACTION]
        rows = rows[: ends[0] + 1] if ends else rows
    return [LogEntry(*row) for row in rows]


def _plural(items: Sequence[object], one: str, many: str) -> str:
    return one if len(items) == 1 else many


def separate_duties(connection: Connection) -> bool:
    """Whether separation of duties applies: once the database has accounts."""
    from sfclaims.people import has_accounts

    return has_accounts(connection)


def verdict_authors(connection: Connection, run_id: str) -> set[str | None]:
    return set(
        connection.execute(
            select(col(AuditVerdict.recorded_by)).where(col(AuditVerdict.run_id) == run_id)
        ).scalars()
    )

"""The ledger: a run found by its ID, submitted (locked for good), listed, discarded; the
families claimed so far and the allocation left; who may do what to a run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from sfclaims.claims.digest import CURRENT, SUBMITTED_ACTION, covered, run_digest
from sfclaims.claims.runs import (
    get_run,
    people_named,
    refuse_if_submitted,
    run_family_ids,
    separate_duties,
)
from sfclaims.claims.sample import refuse_unless_audited, sampled, sampled_with_verdicts
from sfclaims.claims.sealing import key_id, required_seal_key, seal
from sfclaims.intake.data_state import data_changed
from sfclaims.platform.activity import chain_head, operating_system_user, record_activity
from sfclaims.platform.db import one_snapshot, writing
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.models import (
    AuditSample,
    AuditVerdict,
    ClaimedFamily,
    ClaimRun,
    PreviousClaim,
    table_of,
)

if TYPE_CHECKING:
    pass


def submit_run(engine: Engine, run_id: str, by: str | None = None) -> int:
    """Lock the run: its families become claimed. Refused if any was claimed already, and (once
    there are accounts) if the person submitting recorded a verdict in it."""
    by = by or operating_system_user()
    key = required_seal_key()  # outside the database: what a writer of it cannot forge
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
            families = run_family_ids(connection, run_id, claimed_only=True)
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
            # logged first: the seal holds the log's chain head with the submission in it
            record_activity(connection, by, SUBMITTED_ACTION, run_id, f"{len(families)} families")
            _, head = chain_head(connection)
            named = people_named(connection, run, submitting=by)
            connection.execute(
                update(ClaimRun)
                .where(col(ClaimRun.run_id) == run_id)
                .values(
                    submitted_at=datetime.now(UTC),
                    submitted_by=by,
                    digest=(digest := run_digest(connection, run_id)),
                    digest_version=CURRENT,
                    digest_covers=covered(CURRENT),
                    log_head=head,
                    seal=seal(key, run_id, CURRENT, digest, head, by),
                    seal_key_id=key_id(key),
                    people_named=orjson.dumps(named, option=orjson.OPT_SORT_KEYS).decode(),
                )
            )
            data_changed(connection)  # its families are ALREADY_CLAIMED from now on
    except IntegrityError:
        raise RefusedError(
            f"Claim run {run_id} holds a family that another run submitted at the same time; "
            f"nothing was submitted — make a new run."
        ) from None
    return len(families)


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
        families, verdicts = remove_draft(connection, run.run_id, by, "claim run discarded")
    return run.run_id, families, verdicts


def remove_draft(
    connection: Connection, run_id: str, by: str | None, action: str
) -> tuple[int, int]:
    """Remove a draft run (never submitted: the caller has checked) with its families, sample
    and verdicts, logged as ``action``; how many families and verdicts went."""
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
        action,
        run_id,
        f"{removed[ClaimedFamily]} families, {removed[AuditVerdict]} verdicts",
    )
    return removed[ClaimedFamily], removed[AuditVerdict]


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
    from sfclaims.platform.settings import read_settings

    allocation = read_settings(engine).allocation
    if allocation is None:
        return None
    with engine.connect() as connection:
        return max(allocation - len(claimed_family_ids(connection)), 0)


def verdict_authors(connection: Connection, run_id: str) -> set[str | None]:
    return set(
        connection.execute(
            select(col(AuditVerdict.recorded_by)).where(col(AuditVerdict.run_id) == run_id)
        ).scalars()
    )

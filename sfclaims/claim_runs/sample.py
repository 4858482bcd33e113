"""A run's audit sample as kept: the families drawn, those with a verdict, and the check that a
run is audited before it is submitted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, select
from sqlmodel import col

from sfclaims.claim_runs.runs import get_run
from sfclaims.errors import RefusedError
from sfclaims.models import (
    AuditSample,
    AuditVerdict,
    ClaimRun,
)

if TYPE_CHECKING:
    pass


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

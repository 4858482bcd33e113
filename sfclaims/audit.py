"""The audit of a claim run: a reproducible sample of its families, and auditors' verdicts.

A family that fails audit is withdrawn from the draft run; it stays in the run's records with its
verdict. A submitted run takes no more verdicts.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import col

from sfclaims.activity import operating_system_user, record_activity
from sfclaims.claim_runs import (
    get_run,
    refuse_if_submitted,
    run_family_ids,
    sampled_with_verdicts,
    separate_duties,
)
from sfclaims.data_state import data_changed
from sfclaims.db import writing
from sfclaims.errors import RefusedError, UsageError
from sfclaims.facts import as_stored
from sfclaims.models import AuditSample, AuditVerdict, ClaimedFamily, ClaimRun

VERDICTS = ("pass", "fail")


def record_verdict(
    engine: Engine,
    run_id: str,
    family_id: str,
    verdict: str,
    note: str,
    by: str | None = None,
) -> tuple[str, str]:
    """Keep an auditor's verdict; a failed family is withdrawn from the draft run. The run's and
    the family's IDs as stored (they may be typed in any case). Once there are accounts, the
    person who made the run cannot audit it."""
    if verdict not in VERDICTS:
        raise UsageError(f"The verdict must be pass or fail, not {verdict!r}.")
    by = by or operating_system_user()
    with writing(engine) as connection:
        run = get_run(connection, run_id, lock=True)  # waits for a submission under way
        run_id = run.run_id  # as stored, however it was typed
        refuse_if_submitted(run, "no verdict can be added to it")
        if separate_duties(connection) and by == run.created_by:
            raise RefusedError(
                f"{by} made claim run {run_id}, so cannot audit it; internal audit must be "
                f"independent of the claim."
            )
        stored = as_stored(family_id, run_family_ids(connection, run_id))
        if stored is None:
            raise UsageError(f"Family {family_id} is not in claim run {run_id}.")
        family_id = stored
        data_changed(connection)  # a fail is AUDIT_FAILED from now on, a pass lifts it
        connection.execute(
            insert(AuditVerdict).values(
                run_id=run_id,
                family_id=family_id,
                verdict=verdict,
                note=note,
                recorded_at=datetime.now(UTC),
                recorded_by=by,
            )
        )
        record_activity(connection, by, f"verdict {verdict}", run_id, f"family {family_id}")
        if verdict == "fail":
            connection.execute(
                update(ClaimedFamily)
                .where(
                    col(ClaimedFamily.run_id) == run_id, col(ClaimedFamily.family_id) == family_id
                )
                .values(withdrawn=True)
            )
    return run_id, family_id


def sample_run(
    engine: Engine,
    run_id: str,
    size: int | None,
    percent: float | None,
    seed: int,
    by: str | None = None,
) -> list[str]:
    """Draw the run's audit sample, reproducibly, and keep it with the run: its family IDs,
    sorted. Drawing again replaces a sample none of whose families has a verdict yet."""
    if (size is None) == (percent is None):
        raise UsageError("Give either --size or --percent.")
    if percent is not None and not 0 < percent <= 100:
        raise UsageError("--percent must be more than 0 and at most 100.")
    if size is not None and size < 1:
        raise UsageError("--size must be at least 1.")
    with writing(engine) as connection:
        run = get_run(connection, run_id, lock=True)
        run_id = run.run_id  # as stored, however typed
        refuse_if_submitted(run, "its sample cannot change")
        checked = sampled_with_verdicts(connection, run_id)
        if checked:
            raise RefusedError(
                f"The audit sample of claim run {run_id} already has verdicts "
                f"({', '.join(checked[:10])}{', …' if len(checked) > 10 else ''}); it stays as "
                f"drawn."
            )
        families = sorted(
            connection.execute(
                select(col(ClaimedFamily.family_id)).where(
                    col(ClaimedFamily.run_id) == run_id, ~col(ClaimedFamily.withdrawn)
                )
            ).scalars()
        )
        wanted = size if size is not None else math.ceil(len(families) * (percent or 0) / 100)
        drawn = sorted(random.Random(seed).sample(families, min(wanted, len(families))))
        connection.execute(delete(AuditSample).where(col(AuditSample.run_id) == run_id))
        if drawn:
            connection.execute(
                insert(AuditSample), [{"run_id": run_id, "family_id": f} for f in drawn]
            )
        connection.execute(
            update(ClaimRun)
            .where(col(ClaimRun.run_id) == run_id)
            .values(sample_size=size, sample_percent=percent, sample_seed=seed)
        )
        record_activity(
            connection, by, "audit sample drawn", run_id, f"{len(drawn)} families, seed {seed}"
        )
    return drawn

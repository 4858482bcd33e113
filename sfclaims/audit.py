"""The audit of a claim run: a reproducible sample of its families, and auditors' verdicts.

A family that fails audit is withdrawn from the draft run; it stays in the run's records with its
verdict. A submitted run takes no more verdicts.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlmodel import col

from sfclaims.claim_runs import get_run, refuse_if_submitted, run_family_ids
from sfclaims.db import writing
from sfclaims.errors import UsageError
from sfclaims.facts import as_stored
from sfclaims.models import AuditVerdict, ClaimedFamily

VERDICTS = ("pass", "fail")


def record_verdict(
    engine: Engine, run_id: str, family_id: str, verdict: str, note: str
) -> tuple[str, str]:
    """Keep an auditor's verdict; a failed family is withdrawn from the draft run. The run's and
    the family's IDs as stored (they may be typed in any case)."""
    if verdict not in VERDICTS:
        raise UsageError(f"The verdict must be pass or fail, not {verdict!r}.")
    with writing(engine) as connection:
        run = get_run(connection, run_id, lock=True)  # waits for a submission under way
        run_id = run.run_id  # as stored, however it was typed
        refuse_if_submitted(run, "no verdict can be added to it")
        stored = as_stored(family_id, run_family_ids(connection, run_id))
        if stored is None:
            raise UsageError(f"Family {family_id} is not in claim run {run_id}.")
        family_id = stored
        connection.execute(
            insert(AuditVerdict).values(
                run_id=run_id,
                family_id=family_id,
                verdict=verdict,
                note=note,
                recorded_at=datetime.now(UTC),
            )
        )
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
    engine: Engine, run_id: str, size: int | None, percent: float | None, seed: int
) -> list[str]:
    """A reproducible sample of the run's claimed families, sorted."""
    if (size is None) == (percent is None):
        raise UsageError("Give either --size or --percent.")
    with engine.connect() as connection:
        run_id = get_run(connection, run_id).run_id  # as stored, however typed
        families = sorted(
            connection.execute(
                select(col(ClaimedFamily.family_id)).where(
                    col(ClaimedFamily.run_id) == run_id, ~col(ClaimedFamily.withdrawn)
                )
            ).scalars()
        )
    if percent is not None:
        if not 0 < percent <= 100:
            raise UsageError("--percent must be more than 0 and at most 100.")
        size = math.ceil(len(families) * percent / 100)
    assert size is not None
    if size < 0:
        raise UsageError("--size must be zero or more.")
    return sorted(random.Random(seed).sample(families, min(size, len(families))))

"""A claim run found by its ID (typed in any case), its families, and the guards every job on
a run shares: a submitted run does not change; once there are accounts, duties are separate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import orjson
from sqlalchemy import Connection, func, select
from sqlmodel import col

from sfclaims.people.accounts import full_names
from sfclaims.platform.errors import NotFoundError, RefusedError
from sfclaims.platform.given import checked_text
from sfclaims.platform.models import (
    AuditVerdict,
    ClaimedFamily,
    ClaimRun,
    table_of,
)

if TYPE_CHECKING:
    pass


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


def people_named(
    connection: Connection, run: ClaimRun, submitting: str | None = None
) -> dict[str, str]:
    """The full names of the people who made, audited and submitted the run (``submitting``:
    who is submitting it now), by account: as kept when it was submitted, so its cover never
    changes; a draft's as their accounts say now. An account with no full name is left out."""
    if run.people_named is not None:
        named: dict[str, str] = orjson.loads(run.people_named)
        return named
    authors = connection.execute(
        select(col(AuditVerdict.recorded_by)).where(col(AuditVerdict.run_id) == run.run_id)
    ).scalars()
    cited = {run.created_by, submitting or run.submitted_by, *authors}
    return full_names(connection, (name for name in cited if name))


def run_family_ids(connection: Connection, run_id: str, claimed_only: bool = False) -> list[str]:
    """The run's families; ``claimed_only``: those it still claims (none withdrawn by audit)."""
    query = select(col(ClaimedFamily.family_id)).where(col(ClaimedFamily.run_id) == run_id)
    if claimed_only:
        query = query.where(~col(ClaimedFamily.withdrawn))
    return list(connection.execute(query).scalars())


def refuse_if_submitted(run: ClaimRun, what: str) -> None:
    if run.submitted_at is not None:
        raise RefusedError(
            f"Claim run {run.run_id} was submitted on {run.submitted_at:%d/%m/%Y} and is locked; "
            f"{what}."
        )


def separate_duties(connection: Connection) -> bool:
    """Whether separation of duties applies: once the database has accounts."""
    from sfclaims.people.accounts import has_accounts

    return has_accounts(connection)


def plural(items: Sequence[object], one: str, many: str) -> str:
    return one if len(items) == 1 else many

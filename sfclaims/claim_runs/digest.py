"""The digest that seals a submitted run: every export and pack checks a run still matches what
was submitted."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import orjson
from sqlalchemy import Connection, select
from sqlmodel import col

from sfclaims.errors import RefusedError
from sfclaims.models import (
    AuditVerdict,
    ClaimedFamily,
    ClaimRun,
    table_of,
)

if TYPE_CHECKING:
    pass


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

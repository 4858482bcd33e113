"""The digest that seals a submitted run: every export and pack checks a run still matches what
was submitted."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import orjson
from sqlalchemy import Connection, select
from sqlmodel import col

from sfclaims.claims.sealing import key_id, seal_holds, seal_key
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.models import (
    AuditSample,
    AuditVerdict,
    ClaimedFamily,
    ClaimRun,
    table_of,
)

SUBMITTED_ACTION = "claim run submitted"  # the log's row that closes a run's log

#: What each version of the digest covers, named column by column and in order (never "today's
#: columns of the table": a column added later must not change an old run's digest). A run keeps
#: the version that sealed it and the columns it covers; every check uses the run's own.
RUN_COLUMNS = (
    "run_id",
    "period",
    "as_of",
    "max_families",
    "created_at",
    "framework",
    "framework_sha256",
    "engine_version",
)
FAMILY_COLUMNS = (
    "run_id",
    "family_id",
    "position",
    "withdrawn",
    "submitted",
    "episode_start",
    "episode_end",
    "needs",
    "evidenced",
    "assessment_completed",
    "plan_start",
    "lead_practitioner_start",
    "attendance_check",
    "rereferral_check",
    "evidence",
    "facts",
)
VERDICT_COLUMNS = ("id", "run_id", "family_id", "verdict", "note", "recorded_at")
DIGESTS: dict[int, dict[str, tuple[str, ...]]] = {
    # migrations 0008-0012: the run's terms, its families, its verdicts
    1: {
        "claim_runs": RUN_COLUMNS,
        "claimed_families": FAMILY_COLUMNS,
        "audit_verdicts": VERDICT_COLUMNS,
    },
    # migration 0013 on: each verdict's author too
    2: {
        "claim_runs": RUN_COLUMNS,
        "claimed_families": FAMILY_COLUMNS,
        "audit_verdicts": (*VERDICT_COLUMNS, "recorded_by"),
    },
}
# migration 0031 on: who made the run and its sample as drawn, and the sample's families (the
# seal adds who submitted it)
DIGESTS[3] = {
    "claim_runs": (*RUN_COLUMNS, "created_by", "sample_size", "sample_percent", "sample_seed"),
    "claimed_families": FAMILY_COLUMNS,
    "audit_verdicts": (*VERDICT_COLUMNS, "recorded_by"),
    "audit_samples": ("run_id", "family_id"),
}
CURRENT = 3  # what a submission is sealed with now
SUBMITTER_SEALED = 3  # from this version on, the seal holds who submitted the run too


def covered(version: int) -> str:
    """The columns a version covers, as the run keeps them (JSON)."""
    return orjson.dumps(DIGESTS[version]).decode()


def run_digest(
    connection: Connection, run_id: str, covers: dict[str, tuple[str, ...]] | None = None
) -> str:
    """SHA-256 of everything the run claims, as stored: the run's own terms, each family's row
    in the run's order, its verdicts and (since version 3) its sample, in the columns ``covers``
    names (by default, the current version's)."""
    covers = covers or DIGESTS[CURRENT]
    run_table, family_table, verdict_table, sample_table = (
        table_of(ClaimRun),
        table_of(ClaimedFamily),
        table_of(AuditVerdict),
        table_of(AuditSample),
    )
    queries = [
        select(*(run_table.c[n] for n in covers["claim_runs"])).where(
            col(ClaimRun.run_id) == run_id
        ),
        select(*(family_table.c[n] for n in covers["claimed_families"]))
        .where(family_table.c.run_id == run_id)
        .order_by(family_table.c.position),
        select(*(verdict_table.c[n] for n in covers["audit_verdicts"]))
        .where(verdict_table.c.run_id == run_id)
        .order_by(verdict_table.c.id),
    ]
    if "audit_samples" in covers:
        queries.append(
            select(*(sample_table.c[n] for n in covers["audit_samples"]))
            .where(sample_table.c.run_id == run_id)
            .order_by(sample_table.c.family_id)
        )
    digest = hashlib.sha256()
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
    """A submitted run's rows are as they were submitted, by the digest and the seal it was
    submitted with; refused otherwise — a run with no seal included (every submitted run is
    sealed: at its submission, or by the upgrade that brought seals in) — never shown."""
    if run.submitted_at is None:
        return
    covers = orjson.loads(run.digest_covers) if run.digest_covers else None
    digest = run_digest(connection, run.run_id, covers) if covers is not None else None
    if covers is None or digest is None or run.digest != digest:
        raise _changed(run)
    if run.seal is None:
        raise RefusedError(
            f"Claim run {run.run_id} is submitted but holds no seal: its seal was removed in "
            f"the database after submission, so nothing was written — tell the database's "
            f"administrator."
        )
    key = seal_key()
    if key is None or key_id(key) != run.seal_key_id:
        raise RefusedError(
            f"Claim run {run.run_id} was sealed with a key this machine does not have "
            f"(key {run.seal_key_id}), so it cannot be checked here; use the seal key file "
            f"it was submitted with."
        )
    version = run.digest_version or 0
    by = run.submitted_by if version >= SUBMITTER_SEALED else None
    if not seal_holds(key, run.run_id, version, digest, run.seal, run.log_head, by):
        raise _changed(run)


def _changed(run: ClaimRun) -> RefusedError:
    return RefusedError(
        f"Claim run {run.run_id} no longer matches what was submitted on "
        f"{run.submitted_at:%d/%m/%Y}: its rows were changed in the database after "
        f"submission, so nothing was written — tell the database's administrator."
    )

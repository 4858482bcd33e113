"""a submitted run keeps which digest sealed it and the columns it covers

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 19:20:00

Until now a run's digest was checked by the digest of the code in use, over the columns its
tables had then: migration 0013 added the verdicts' authors, and every run submitted before it
looked tampered with. Each submitted run now keeps its digest's version and the columns it
covers (named); this migration finds, for each run submitted already, which version sealed it
(1: migrations 0008-0012; 2: 0013 on), with frozen copies of both. A run that neither matches was
changed after its submission and stays without a version: every check refuses it, as before.
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime

import orjson
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# --- a frozen copy of the digest as it was at this revision (never the package's live code) ---
RUN_COLUMNS = (
    ("run_id", sa.String),
    ("period", sa.String),
    ("as_of", sa.Date),
    ("max_families", sa.Integer),
    ("created_at", UTCDateTime),
    ("framework", sa.String),
    ("framework_sha256", sa.String),
    ("engine_version", sa.String),
)
FAMILY_COLUMNS = (
    ("run_id", sa.String),
    ("family_id", sa.String),
    ("position", sa.Integer),
    ("withdrawn", sa.Boolean),
    ("submitted", sa.Boolean),
    ("episode_start", sa.Date),
    ("episode_end", sa.Date),
    ("needs", sa.String),
    ("evidenced", sa.String),
    ("assessment_completed", sa.Date),
    ("plan_start", sa.Date),
    ("lead_practitioner_start", sa.Date),
    ("attendance_check", sa.String),
    ("rereferral_check", sa.String),
    ("evidence", sa.String),
    ("facts", sa.String),
)
VERDICT_COLUMNS = (
    ("id", sa.Integer),
    ("run_id", sa.String),
    ("family_id", sa.String),
    ("verdict", sa.String),
    ("note", sa.String),
    ("recorded_at", UTCDateTime),
)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _digest(connection: sa.Connection, run_id: str, verdict_columns: tuple) -> str:
    def table(name: str, columns: tuple) -> sa.TableClause:
        return sa.table(name, *(sa.column(c, kind()) for c, kind in columns))

    runs = table("claim_runs", RUN_COLUMNS)
    families = table("claimed_families", FAMILY_COLUMNS)
    verdicts = table("audit_verdicts", verdict_columns)
    queries = (
        sa.select(*runs.c).where(runs.c.run_id == run_id),
        sa.select(*families.c).where(families.c.run_id == run_id).order_by(families.c.position),
        sa.select(*verdicts.c).where(verdicts.c.run_id == run_id).order_by(verdicts.c.id),
    )
    digest = hashlib.sha256()
    for query in queries:
        for row in connection.execute(query):
            digest.update(orjson.dumps([_plain(value) for value in row]) + b"\n")
    return digest.hexdigest()


VERSIONS = {
    1: VERDICT_COLUMNS,
    2: (*VERDICT_COLUMNS, ("recorded_by", sa.String)),
}


def _covers(version: int) -> str:
    return orjson.dumps(
        {
            "claim_runs": [c for c, _kind in RUN_COLUMNS],
            "claimed_families": [c for c, _kind in FAMILY_COLUMNS],
            "audit_verdicts": [c for c, _kind in VERSIONS[version]],
        }
    ).decode()


def upgrade() -> None:
    # added in place (SQLite too, without recreating the table), so 0008's triggers stay
    op.add_column("claim_runs", sa.Column("digest_version", sa.Integer(), nullable=True))
    op.add_column("claim_runs", sa.Column("digest_covers", AutoString(), nullable=True))
    connection = op.get_bind()
    submitted = connection.execute(
        sa.text("SELECT run_id, digest FROM claim_runs WHERE submitted_at IS NOT NULL")
    ).all()
    _unlock(connection)
    for run_id, kept in submitted:
        for version in sorted(VERSIONS, reverse=True):
            if _digest(connection, run_id, VERSIONS[version]) == kept:
                connection.execute(
                    sa.text(
                        "UPDATE claim_runs SET digest_version = :version, digest_covers = :covers "
                        "WHERE run_id = :run_id"
                    ),
                    {"version": version, "covers": _covers(version), "run_id": run_id},
                )
                break
    _lock(connection)


LOCKED = "claim run is submitted and locked: its rows cannot change"  # 0008's words


def _unlock(connection: sa.Connection) -> None:
    """0008's guard on a submitted run, lifted inside this migration's transaction alone."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "ALTER TABLE claim_runs DISABLE TRIGGER claim_runs_submitted_locked"
        )
    else:
        connection.exec_driver_sql("DROP TRIGGER claim_runs_submitted_locked_update")


def _lock(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "ALTER TABLE claim_runs ENABLE TRIGGER claim_runs_submitted_locked"
        )
    else:
        connection.exec_driver_sql(
            "CREATE TRIGGER claim_runs_submitted_locked_update BEFORE UPDATE ON claim_runs "
            f"WHEN OLD.submitted_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END"
        )


def downgrade() -> None:
    op.drop_column("claim_runs", "digest_covers")
    op.drop_column("claim_runs", "digest_version")

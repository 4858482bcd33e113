"""the database guards the ledger: a submitted run, its families and its verdicts never change

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 08:10:00

Triggers refuse UPDATE and DELETE of a submitted claim run (un-submitting it included), and
INSERT, UPDATE and DELETE of the families and verdicts of a submitted run, whoever connects. A
digest of the run's rows is kept at submission; runs submitted before this migration get theirs
here, by the copy of the digest below (frozen as it was: the package's code moves on). A later
migration that recreates one of these tables (SQLite's batch mode does) must create
its triggers again.
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime

import orjson
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "claim run is submitted and locked: its rows cannot change"
RUN_ROWS = ("claimed_families", "audit_verdicts")

POSTGRESQL = f"""
CREATE FUNCTION sfclaims_submitted_run_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (%%)', OLD.run_id USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION sfclaims_submitted_run_rows_locked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target text := CASE WHEN TG_OP = 'INSERT' THEN NEW.run_id ELSE OLD.run_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM claim_runs WHERE run_id = target AND submitted_at IS NOT NULL) THEN
        RAISE EXCEPTION '{MESSAGE} (%%)', target USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER claim_runs_submitted_locked BEFORE UPDATE OR DELETE ON claim_runs
    FOR EACH ROW WHEN (OLD.submitted_at IS NOT NULL)
    EXECUTE FUNCTION sfclaims_submitted_run_locked();
""" + "".join(
    f"""
CREATE TRIGGER {table}_submitted_locked BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION sfclaims_submitted_run_rows_locked();
"""
    for table in RUN_ROWS
)


def _sqlite_triggers() -> list[str]:
    refuse = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    statements = [
        f"CREATE TRIGGER claim_runs_submitted_locked_{action.lower()} BEFORE {action} "
        f"ON claim_runs WHEN OLD.submitted_at IS NOT NULL {refuse}"
        for action in ("UPDATE", "DELETE")
    ]
    for table in RUN_ROWS:
        for action, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            statements.append(
                f"CREATE TRIGGER {table}_submitted_locked_{action.lower()} BEFORE {action} "
                f"ON {table} WHEN (SELECT submitted_at FROM claim_runs "
                f"WHERE run_id = {row}.run_id) IS NOT NULL {refuse}"
            )
    return statements


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


def upgrade() -> None:
    with op.batch_alter_table("claim_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    connection = op.get_bind()
    submitted = connection.execute(
        sa.text("SELECT run_id FROM claim_runs WHERE submitted_at IS NOT NULL")
    ).scalars()
    for run_id in list(submitted):
        connection.execute(
            sa.text("UPDATE claim_runs SET digest = :digest WHERE run_id = :run_id"),
            {"digest": _digest(connection, run_id, VERDICT_COLUMNS), "run_id": run_id},
        )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(POSTGRESQL)
    else:
        for statement in _sqlite_triggers():
            connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for table in ("claim_runs", *RUN_ROWS):
            connection.exec_driver_sql(f"DROP TRIGGER {table}_submitted_locked ON {table}")
        connection.exec_driver_sql("DROP FUNCTION sfclaims_submitted_run_rows_locked()")
        connection.exec_driver_sql("DROP FUNCTION sfclaims_submitted_run_locked()")
    else:
        for statement in _sqlite_triggers():
            name = statement.split()[2]
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
    with op.batch_alter_table("claim_runs", schema=None) as batch_op:
        batch_op.drop_column("digest")

"""people: accounts with roles, who made, submitted and audited each run, and an activity log the
database protects

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 12:00:00

Columns are added in place (SQLite adds a column without recreating the table), so the triggers
of 0008 stay. Triggers refuse UPDATE and DELETE on the activity log, whoever connects.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the activity log is kept as written: its rows cannot change"
TEXT = sqlmodel.sql.sqltypes.AutoString

POSTGRESQL = f"""
CREATE FUNCTION sfclaims_activity_log_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER activity_log_kept BEFORE UPDATE OR DELETE ON activity_log
    FOR EACH ROW EXECUTE FUNCTION sfclaims_activity_log_kept();

CREATE TRIGGER activity_log_not_truncated BEFORE TRUNCATE ON activity_log
    FOR EACH STATEMENT EXECUTE FUNCTION sfclaims_activity_log_kept();
"""
SQLITE = [
    f"CREATE TRIGGER activity_log_kept_{action.lower()} BEFORE {action} ON activity_log "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for action in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.add_column("claim_runs", sa.Column("created_by", TEXT(), nullable=True))
    op.add_column("claim_runs", sa.Column("submitted_by", TEXT(), nullable=True))
    op.add_column("audit_verdicts", sa.Column("recorded_by", TEXT(), nullable=True))
    op.add_column(
        "settings",
        sa.Column("retention_months", sa.Integer(), nullable=False, server_default="24"),
    )
    op.create_table(
        "accounts",
        sa.Column("name", TEXT(), nullable=False),
        sa.Column("roles", TEXT(), nullable=False),
        sa.Column("password_hash", TEXT(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "activity_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at",
            sqlmodel.sql.sqltypes.UTCDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=True,
        ),
        sa.Column("who", TEXT(), nullable=False),
        sa.Column("action", TEXT(), nullable=False),
        sa.Column("object", TEXT(), nullable=False),
        sa.Column("detail", TEXT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_log_at", "activity_log", ["at"])
    op.create_index("ix_activity_log_who", "activity_log", ["who"])
    op.create_index("ix_activity_log_object", "activity_log", ["object"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL)
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE activity_log")
        op.execute("DROP FUNCTION sfclaims_activity_log_kept()")
    else:
        op.drop_table("activity_log")
    op.drop_table("accounts")
    op.drop_column("settings", "retention_months")
    op.drop_column("audit_verdicts", "recorded_by")
    op.drop_column("claim_runs", "submitted_by")
    op.drop_column("claim_runs", "created_by")

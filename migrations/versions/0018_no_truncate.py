"""PostgreSQL refuses TRUNCATE of the claim tables

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 20:10:00

The row triggers of 0008 and 0010 guard a submitted run against UPDATE and DELETE, but a
TRUNCATE fires no row trigger: one statement erased every submitted run's families, and the next
run claimed them again. A statement trigger now refuses TRUNCATE of the runs, their families,
verdicts and samples, whoever connects (SQLite has no TRUNCATE; its DELETE meets the row
triggers).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("claim_runs", "claimed_families", "audit_verdicts", "audit_samples")
FUNCTION = """
CREATE FUNCTION sfclaims_claims_not_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'claim runs are kept for good: %% cannot be truncated', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
"""


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(FUNCTION)
    for table in TABLES:
        connection.exec_driver_sql(
            f"CREATE TRIGGER {table}_not_truncated BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION sfclaims_claims_not_truncated()"
        )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    for table in TABLES:
        connection.exec_driver_sql(f"DROP TRIGGER {table}_not_truncated ON {table}")
    connection.exec_driver_sql("DROP FUNCTION sfclaims_claims_not_truncated()")

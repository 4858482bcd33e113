"""the audit sample is kept with its run, and guarded like the run once it is submitted

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 07:45:00

The columns are added without recreating claim_runs (SQLite adds a column in place), so the
triggers of 0008 stay; audit_samples gets the same guard as the run's families and verdicts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "claim run is submitted and locked: its rows cannot change"


def upgrade() -> None:
    op.add_column("claim_runs", sa.Column("sample_size", sa.Integer(), nullable=True))
    op.add_column("claim_runs", sa.Column("sample_percent", sa.Float(), nullable=True))
    op.add_column("claim_runs", sa.Column("sample_seed", sa.Integer(), nullable=True))
    op.create_table(
        "audit_samples",
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("family_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["claim_runs.run_id"],
            name=op.f("fk_audit_samples_run_id_claim_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "family_id", name=op.f("pk_audit_samples")),
    )
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE TRIGGER audit_samples_submitted_locked BEFORE INSERT OR UPDATE OR DELETE "
            "ON audit_samples FOR EACH ROW EXECUTE FUNCTION sfclaims_submitted_run_rows_locked()"
        )
    else:
        for action, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            connection.exec_driver_sql(
                f"CREATE TRIGGER audit_samples_submitted_locked_{action.lower()} BEFORE {action} "
                f"ON audit_samples WHEN (SELECT submitted_at FROM claim_runs "
                f"WHERE run_id = {row}.run_id) IS NOT NULL "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    op.drop_table("audit_samples")  # its triggers go with it
    with op.batch_alter_table("claim_runs", schema=None) as batch_op:
        batch_op.drop_column("sample_seed")
        batch_op.drop_column("sample_percent")
        batch_op.drop_column("sample_size")

"""each claimed family keeps the fingerprint of its records, for AUDIT_FAILED

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 08:20:00

Added in place (SQLite adds a column without recreating the table), so the triggers of 0008 stay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "claimed_families",
        sa.Column("records_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("claimed_families", schema=None) as batch_op:
        batch_op.drop_column("records_sha256")

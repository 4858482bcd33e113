"""the sessions a pupil missed without authorisation, where the extract gives them

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 20:20:00

Some councils count unauthorised absence only (a local plan's `[readings] absences =
"unauthorised"`): the attendance extract may carry an Unauthorised Sessions Missed column. Empty
until an extract gives it; a record's fingerprint counts the column only where it holds a value,
so every fingerprint kept before (AUDIT_FAILED) stays true.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attendance") as batch:
        batch.add_column(sa.Column("unauthorised_missed", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attendance") as batch:
        batch.drop_column("unauthorised_missed")

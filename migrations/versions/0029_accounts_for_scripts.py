"""accounts meant for scripts

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 17:55:00

An account a scheduled script acts as: it signs in to no workspace, and on the command line acts
with its password file alone (no second factor to ask on a terminal it does not have).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("automation", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("automation")

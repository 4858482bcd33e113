"""a password someone else set is changed at its first use

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 18:15:00

A password an admin set (or gave with a new account) is known to two people: the account's own
person must choose their own before anything else in the workspace.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column(
                "password_must_change", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("password_must_change")

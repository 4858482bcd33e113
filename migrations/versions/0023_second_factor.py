"""a second factor for local passwords

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 05:20:00

An account's authenticator-app secret (TOTP), the last time step a code of it was used (a code
is good once) and the SHA-256 of its unused recovery codes; a setting that asks every account,
not only the admin and auditor roles, for a second factor.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("totp_secret", AutoString(), nullable=True))
    op.add_column("accounts", sa.Column("totp_step", sa.BigInteger(), nullable=True))
    op.add_column("accounts", sa.Column("recovery_codes", AutoString(), nullable=True))
    op.add_column(
        "settings",
        sa.Column(
            "second_factor_for_everyone",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
    )


def downgrade() -> None:
    op.drop_column("settings", "second_factor_for_everyone")
    op.drop_column("accounts", "recovery_codes")
    op.drop_column("accounts", "totp_step")
    op.drop_column("accounts", "totp_secret")

"""single sign-on with OpenID Connect

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 08:15:00

The authority's OpenID provider (its issuer and the client ID sfclaims is registered under; the
client secret is never kept in the database), how the provider's groups map to sfclaims roles,
and whether local passwords may still be used. An account signed in through the provider keeps
the provider's stable identifier for the person (``oid`` or ``sub``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("settings", sa.Column("sign_on_issuer", AutoString(), nullable=True))
    op.add_column("settings", sa.Column("sign_on_client_id", AutoString(), nullable=True))
    op.add_column("settings", sa.Column("sign_on_groups", AutoString(), nullable=True))
    op.add_column(
        "settings",
        sa.Column("local_passwords", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column("accounts", sa.Column("sign_on_subject", AutoString(), nullable=True))
    op.create_index("ix_accounts_sign_on_subject", "accounts", ["sign_on_subject"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_accounts_sign_on_subject", table_name="accounts")
    op.drop_column("accounts", "sign_on_subject")
    op.drop_column("settings", "local_passwords")
    op.drop_column("settings", "sign_on_groups")
    op.drop_column("settings", "sign_on_client_id")
    op.drop_column("settings", "sign_on_issuer")

"""a one-time link that makes the first admin in the browser

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 01:40:00

The first admin still needed the terminal (`user add`, `user set-password`). `sfclaims init`, on
a database with no account, now prints a link that makes the first admin in the workspace: it
works once, for thirty minutes, and only while no account exists. Only its token's SHA-256 is
kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "first_admin_links",
        sa.Column("token_sha256", sqlmodel.sql.sqltypes.AutoString(), primary_key=True),
        sa.Column("made_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("first_admin_links")

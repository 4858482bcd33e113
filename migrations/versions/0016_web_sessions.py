"""sessions of the workspace kept in the database, so they can be ended

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 19:45:00

A signed cookie alone cannot be taken back: a copied one outlived signing out and a password
change. The cookie now carries a random session ID; the database keeps its SHA-256 (never the ID
itself), who it is for, when it began and was last seen, and when it ended. Signing out, a
password change or a disabled account ends it at once, in every server process.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_sha256", AutoString(), nullable=False),
        sa.Column("account", AutoString(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id_sha256", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_account"), "web_sessions", ["account"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_account"), table_name="web_sessions")
    op.drop_table("web_sessions")

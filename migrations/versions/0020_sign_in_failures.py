"""failed sign-ins in a table of their own, never in the activity log

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 20:30:00

Every failed sign-in wrote a row to the activity log, which nothing may delete: an anonymous
client filled it at a hundred rows a second, and a password typed into the name box was there
for everyone to read. Failures are now kept here — the SHA-256 of the name as typed, never the
name, the address it came from, and when — counted per name and per address to lock sign-in out
for a while, and trimmed by purge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_sha256", AutoString(), nullable=False),
        sa.Column("address", AutoString(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        op.f("ix_sign_in_failures_name_sha256"), "sign_in_failures", ["name_sha256"], unique=False
    )
    op.create_index(
        op.f("ix_sign_in_failures_address"), "sign_in_failures", ["address"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_failures_address"), table_name="sign_in_failures")
    op.drop_index(op.f("ix_sign_in_failures_name_sha256"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")

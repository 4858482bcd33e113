"""each database's own identity, for its session key and its job files

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 05:00:00

One signing key served every workspace of an OS user, so a cookie made by one workspace was
signed right for another. Each database now holds a random identity made once, here: the
workspace signs its cookies with a key derived from the server's secret and this identity, and
keeps a job's files in a folder named by it.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    identity = op.create_table(
        "workspace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace")),
    )
    op.bulk_insert(identity, [{"id": 1, "identity": secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table("workspace")

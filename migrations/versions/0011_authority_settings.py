"""the authority's settings, set once per database

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 08:05:00

One row: the authority's name and code, the outcome framework in force (the national one until
a local outcome plan is put in force), the quarter convention and the allocation.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: the national framework as shipped at this revision (frozen: the package's framework moves on)
NATIONAL_LABEL = "Supporting Families national outcome framework 2022-25 2022-25.1"
NATIONAL_SHA256 = "7361a2034fc6624d97fc3c3ebeb4b391027555a30df2693771810d2ef8844755"


def upgrade() -> None:
    table = op.create_table(
        "settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("authority_code", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("framework_overlay", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("framework", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("framework_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("quarters", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("allocation", sa.Integer(), nullable=True),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings")),
    )
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "framework": NATIONAL_LABEL,
                "framework_sha256": NATIONAL_SHA256,
                "quarters": "financial",
                "changed_at": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("settings")

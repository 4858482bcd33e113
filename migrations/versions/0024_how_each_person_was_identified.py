"""how each person was identified

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 08:00:00

Each activity log row says how the person acting had proved who they were: a database login, a
password (and second factor), the operating-system user, or single sign-on. Rows written before
say nothing (NULL); a row's link in the chain covers this too once it is said.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("activity_log", sa.Column("identified_by", AutoString(), nullable=True))


def downgrade() -> None:
    op.drop_column("activity_log", "identified_by")

"""each decision beside the decide before it

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 00:40:00

A decide replaced the one before with no word of what moved: a local plan, an import or time
passing could take claimable families from 96 to 56 unremarked. Each decision now keeps the
family's reasons at the decide before it (the newest kept, as of any date; "" where it was
claimable, empty where that decide did not decide it) and that decide's date, so the dashboard
and both faces say which families became or stopped being claimable, and why. Decisions kept
before this have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("reasons_before", sa.String(), nullable=True))
        batch.add_column(sa.Column("before_as_of", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("before_decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("before_decided_at")
        batch.drop_column("before_as_of")
        batch.drop_column("reasons_before")

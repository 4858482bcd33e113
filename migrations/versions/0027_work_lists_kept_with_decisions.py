"""each decision's work list and forecast date kept with it

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 10:40:00

Decided with the forecast (the workspace's decide, `assess --out`), each family that is not
claimable is on a work list — fixable now, waiting, other work — and a waiting one has the date
it becomes claimable. Kept with the decision, so the workspace's work-list pages are one query,
filtered by team, however large the authority. Decisions stored before have neither (None), as
do those decided without the forecast: the page says to decide again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("work_list", AutoString(), nullable=True))
    op.add_column("decisions", sa.Column("forecast_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as table:
        table.drop_column("forecast_date")
        table.drop_column("work_list")

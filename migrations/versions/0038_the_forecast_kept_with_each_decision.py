"""the forecast kept with each decision

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 02:00:00

A decide kept each family's forecast date and work list, but not the rest of its forecast, so
`sfclaims forecast` decided every family again straight after a decide of the same date. Each
decision made with the forecast now keeps the family's status (waiting, needs action, cannot be
claimed) and what must happen first (a JSON list), and the forecast reads them while the
decisions are current. Decisions kept before this have none, and the forecast decides again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("forecast_status", sa.String(), nullable=True))
        batch.add_column(sa.Column("forecast_actions", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("forecast_actions")
        batch.drop_column("forecast_status")

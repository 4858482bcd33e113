"""the workspace's figures know when families were last decided

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 19:00:00

``data_state.decisions_version`` counts every store of decisions, beside ``version`` (the state
of the data they rest on), so a page that shows figures from the stored decisions is made again
once families are decided again — in every server process alike.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decisions_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("data_state", schema=None) as batch_op:
        batch_op.drop_column("decisions_version")

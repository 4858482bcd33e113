"""decisions rest on a numbered state of the data, not on clock times

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 07:20:00

``data_state`` holds one number that every import and every submission adds one to; a stored
decision keeps the number it was made from. Stored decisions are a cache the next assess or
claim run rebuilds, so they are cleared.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_state")),
    )
    op.execute("INSERT INTO data_state (id, version) VALUES (1, 0)")
    op.execute("DELETE FROM decisions")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("data_version")
    op.drop_table("data_state")
